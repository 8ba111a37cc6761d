"""Pieces every screen uses: status colours, formatting, the reason dialog, the
error presenter and the "not yet available" placeholder."""
