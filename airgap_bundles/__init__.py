"""airgap_bundles layer (see DESIGN §2)."""
