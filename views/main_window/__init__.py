"""The desktop shell: navigation, toolbar (acting user), pages and status bar."""
