"""The data health banner of the run view (seed §14.3)."""
