"""The login dialog: who acts in this window, proven with their key's passphrase."""
