"""The verification report of a bundle import, and the trust-on-first-use confirmation."""
