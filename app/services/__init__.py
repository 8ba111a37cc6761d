"""Application services: one use case, one function, one transaction."""
