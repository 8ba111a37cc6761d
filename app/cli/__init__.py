"""The ``stella`` command line (DESIGN §10)."""
