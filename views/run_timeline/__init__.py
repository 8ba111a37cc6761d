"""Run / Timeline (seed §14.3): the story of one promotion and what can be done now."""
