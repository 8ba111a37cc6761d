"""CLI handlers for deploy settings, users' keys and signed approvals."""

from __future__ import annotations

import argparse

from app.cli.render import emit_json
from app.context import Site
from app.deploy.settings import deploy_config
from app.services import approvals, identity, setup
from app.services.identity import Identity
from engine.run.stages import Workflow, deploy_step


def passphrase(args: argparse.Namespace) -> str | None:
    """From ``--passphrase-file F`` (where the command has it) or ``STELLA_PASSPHRASE``."""
    return identity.read_passphrase(getattr(args, "passphrase_file", None))


def confirm_actor(site: Site, args: argparse.Namespace) -> Identity:
    """Every acting user proves who they are with their key's passphrase."""
    return identity.confirm_actor(site, args.actor or "", passphrase(args))


def approval(site: Site, args: argparse.Namespace) -> int:
    result = approvals.decide(site, args.promotion, args.action, args.actor or "", passphrase(args),
                              args.reason)
    print(f"{args.promotion}: {args.action} signed by {args.actor} (key {result.key_id[:16]}…, "
          f"evidence {result.evidence_digest[:19]}… at log index {result.log_index}); "
          f"status {result.state.status.upper()}")
    return 0


def show_deploy_config(site: Site, args: argparse.Namespace) -> int:
    """An environment's deploy settings as the roster holds them (changes: an admin,
    app/cli/roster_commands.py)."""
    config = deploy_config(site, args.name)
    if args.json:
        emit_json(config.to_json())
        return 0
    print(f"{args.name}: auto-continue {'on' if config.auto_continue else 'off'}; "
          f"commands {'configured' if config.commands else 'none'}")
    workflow = next(e.workflow for e in setup.list_environments(site) if e.name == args.name)
    for percent in Workflow.parse(workflow).percents:
        stage = deploy_step(percent)
        print(f"  {stage}: {config.gate_for(stage).describe()}")
    return 0
