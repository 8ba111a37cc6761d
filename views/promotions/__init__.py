"""Releases → Promotions: the list of promotions and the run of the selected one."""
