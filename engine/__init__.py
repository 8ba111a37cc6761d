"""Pure domain logic. Never imports Qt or SQLAlchemy (DESIGN §2)."""
