"""Approvals, Release Control, Integrations and Security (seed §14.1)."""
