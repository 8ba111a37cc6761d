"""Deploy Stage View (seed §14.5) and the Rollback / Re-run dialog (§14.6)."""
