"""The export dialog: an evidence pack or auditor bundle to a removable medium or a
folder, with progress, a clean cancel and the chain-of-custody result."""
