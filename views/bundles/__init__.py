"""Bundles / Import: the trust root in force, removable media, imports and the
imported bundles."""
