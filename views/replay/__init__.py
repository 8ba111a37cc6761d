"""Evidence → Replay/Verify (seed §14.8)."""
