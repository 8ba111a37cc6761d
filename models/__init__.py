"""models layer (see DESIGN §2)."""
