"""The stage graph (seed §14.2) drawn from the engine's layout."""
