"""Step implementations plug in here through small protocols (see ``base``)."""
