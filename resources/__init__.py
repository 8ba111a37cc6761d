"""resources layer (see DESIGN §2)."""
