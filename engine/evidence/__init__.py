"""Evidence statements (DESIGN §6): in-toto Statement v1 bodies for each checkpoint."""
