"""views layer (see DESIGN §2)."""
