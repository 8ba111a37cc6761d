"""The sub-commands that only read the site.

On a full disk SQLite cannot open a site the usual way (it must give its ``-shm``
file its size); these commands then open it read-only and still answer, while every
other command refuses with "no space left" before changing anything."""

from __future__ import annotations

READ_COMMANDS = frozenset({
    "commands:env_list", "roster_commands:user_list", "commands:releases",
    "listing:promotions_list", "commands:timeline", "commands:events", "commands:logs",
    "trust_commands:trust_show", "trust_commands:bundles_list", "gate_commands:feeds",
    "gate_commands:verdicts", "schedule_commands:schedule_list",
    "schedule_commands:schedule_show", "schedule_commands:scheduler_runs",
    "schedule_commands:scheduler_dead_letter",
})


def only_reads(handler: object) -> bool:
    """True for the handler of a command in :data:`READ_COMMANDS`."""
    ref = f"{getattr(handler, 'module', '')}:{getattr(handler, 'name', '')}"
    return ref in READ_COMMANDS
