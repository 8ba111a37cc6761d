"""Step Detail content for Gate Eval (seed §14.4)."""
