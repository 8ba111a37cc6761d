"""Auditor mode: verify an exported evidence pack or auditor bundle offline, per item."""
