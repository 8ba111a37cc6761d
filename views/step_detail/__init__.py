"""Step Detail (seed §14.4): overview, logs, artifacts and evidence of one step."""
