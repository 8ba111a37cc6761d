"""``stella``: everything the GUI can do, headless. Exit codes: 0 done, 1 rejected or
verification failed, 2 usage error, 3 not found, 4 not allowed now (DESIGN §10)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from app import __version__
from app.cli import commands, demo_commands, gate_commands, schedule_commands, trust_commands
from app.errors import StellaError, UsageError
from app.steps.base import StepRegistry


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2 with one clear line
        raise UsageError(f"{self.prog}: {message}")


def _common(default: object) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", default=default,
                        help="site data folder (default: $STELLA_HOME or the user data folder)")
    common.add_argument("--db", default=default,
                        help="SQLAlchemy database URL (default: $STELLA_DB or SQLite in the home)")
    common.add_argument("--json", action="store_true", default=default, help="machine-readable output")
    common.add_argument("--as", dest="actor", metavar="USER", default=default, help="act as this user")
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="stella", description="Stella Ops Offline Console",
                     parents=[_common(argparse.SUPPRESS)])
    parser.set_defaults(home=None, db=None, json=False, actor=None)
    # Sub-commands repeat the common options without defaults, so a value given before
    # the sub-command is not overwritten by the sub-parser's default.
    common = _common(argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"stella {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    def command(name: str, handler: Callable, help_: str, **kwargs) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_, **kwargs)
        p.set_defaults(handler=handler)
        return p

    p = command("init", commands.init, "create a new site: database, site key, log key")
    p.add_argument("--site", default="site", help="site name")

    env = sub.add_parser("env", help="environments").add_subparsers(dest="env_command", parser_class=_Parser)
    p = env.add_parser("add", parents=[common], help="add an environment")
    p.set_defaults(handler=commands.env_add)
    p.add_argument("name")
    p.add_argument("--requires-approval", nargs="?", type=int, const=1, default=0, metavar="N",
                   help="approvals needed before deploying (default 1 when given)")
    p.add_argument("--workflow", default="canary-10-50-100")
    p.add_argument("--baseline", default="")
    p = env.add_parser("list", parents=[common], help="list environments")
    p.set_defaults(handler=commands.env_list)
    p = env.add_parser("configure", parents=[common],
                       help="show or set an environment's deploy settings (health gates, commands)")
    p.set_defaults(handler=commands.env_configure)
    p.add_argument("name")
    p.add_argument("--file", metavar="SETTINGS.json", help="replace the settings with this JSON file")

    target = sub.add_parser("target", help="deploy targets").add_subparsers(dest="target_command", parser_class=_Parser)
    p = target.add_parser("add", parents=[common], help="add a deploy target")
    p.set_defaults(handler=commands.target_add)
    p.add_argument("env")
    p.add_argument("name")
    p.add_argument("--driver", required=True, choices=["command", "demo-fleet"])
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="driver option (repeatable)")

    user = sub.add_parser("user", help="users").add_subparsers(dest="user_command", parser_class=_Parser)
    p = user.add_parser("add", parents=[common], help="add a user")
    p.set_defaults(handler=commands.user_add)
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=["operator", "release-manager", "approver", "auditor"])
    p.add_argument("--passphrase-file", metavar="F",
                   help="protect the user's own signing key with this passphrase (or $STELLA_PASSPHRASE)")
    p = user.add_parser("list", parents=[common], help="list users")
    p.set_defaults(handler=commands.user_list)

    command("releases", commands.releases, "imported releases")

    promote = sub.add_parser("promote", help="promotions").add_subparsers(dest="promote_command", parser_class=_Parser)
    p = promote.add_parser("create", parents=[common], help="promote a release into an environment")
    p.set_defaults(handler=commands.promote_create)
    p.add_argument("--release", required=True, help="NAME@VERSION or sha256:<digest>")
    p.add_argument("--to", required=True, dest="to_env")
    p.add_argument("--from", dest="from_env")

    command("promotions", commands.promotions_list, "every promotion with its status")

    p = command("run", commands.run, "advance a promotion headless (the executor)")
    p.add_argument("promotion")
    p.add_argument("--until", metavar="STAGE", help="stop before the step after STAGE")

    passphrase_help = "passphrase of your signing key (or $STELLA_PASSPHRASE)"
    for name in ("pause", "resume", "retry", "cancel", "mark-failed", "approve", "reject"):
        handler = commands.approval if name in ("approve", "reject") else commands.action
        p = command(name, handler, f"{name} a promotion" + (", signed with your own key"
                                                             if handler is commands.approval else ""))
        p.add_argument("promotion")
        p.add_argument("--reason", required=True)
        p.add_argument("--passphrase-file", metavar="F", help=passphrase_help)
        p.set_defaults(action=name)
    p = command("continue", commands.action, "continue to the next canary stage once its criteria hold")
    p.add_argument("promotion")
    p.add_argument("--reason")
    p.add_argument("--passphrase-file", metavar="F", help=passphrase_help)
    p.set_defaults(action="continue")
    p = command("rollback", commands.rollback, "roll back a promotion (step, stage or full)")
    p.add_argument("promotion")
    p.add_argument("--scope", choices=["step", "stage", "full"], default="full")
    p.add_argument("--reason")
    p.add_argument("--ticket")
    p.add_argument("--preview", action="store_true", help="show the impact only; change nothing")
    p.add_argument("--passphrase-file", metavar="F", help=passphrase_help)

    p = command("timeline", commands.timeline, "the run's timeline, verified from its event chain")
    p.add_argument("promotion")
    p = command("events", commands.events, "the run's raw hash-chained events")
    p.add_argument("promotion")
    p = command("logs", commands.logs, "a run's step logs")
    p.add_argument("promotion")
    p.add_argument("--step")

    export = sub.add_parser("export", help="export evidence to a folder or removable medium"
                            ).add_subparsers(dest="export_command", parser_class=_Parser)
    for kind, help_ in (("evidence", "an evidence pack (partial until the run is sealed)"),
                        ("auditor", "a self-contained auditor bundle of a sealed run")):
        p = export.add_parser(kind, parents=[common], help=help_)
        p.set_defaults(handler=commands.export, export_kind=kind)
        p.add_argument("promotion")
        where = p.add_mutually_exclusive_group(required=True)
        where.add_argument("--to", dest="to_dir", metavar="DIR", help="destination folder")
        where.add_argument("--medium", metavar="NAME",
                           help="a detected removable medium: label, mount point, device or 'auto'")
        p.add_argument("--split-size", metavar="SIZE",
                       help="write parts of at most SIZE (e.g. 4G, 700M) with signed manifests")
        if kind == "evidence":
            p.add_argument("--partial", action="store_true",
                           help="confirm exporting a run that is not sealed yet")
    command("media", commands.media, "removable media mounted now")
    p = command("verify", commands.verify, "verify an export offline (archive, folder or parts)")
    p.add_argument("path")
    p.add_argument("--site-key", metavar="KEYID", help="the site key id the site published")
    p.add_argument("--reassemble-to", metavar="DIR",
                   help="after verifying split parts, write the whole archive into DIR")

    trust_commands.register(sub, common, command, _Parser)
    demo_commands.register(sub, common, command, _Parser)
    gate_commands.register(sub, common, _Parser)
    schedule_commands.register(sub, common, command, _Parser)

    p = command("gui", commands.gui, "the desktop app")
    p.add_argument("--audit", metavar="PATH",
                   help="auditor mode only: verify an export (archive, folder or part) offline, "
                        "with no site")
    return parser


def main(argv: Sequence[str] | None = None, registry: StepRegistry | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["demo-target"]:  # the target parses its own arguments
        return demo_commands.demo_target(args_list[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
        if not getattr(args, "handler", None):
            if args_list:
                parser.print_help()
                return 2
            return commands.gui(args)
        if registry is not None:
            args.registry = registry
        result = args.handler(args)
        return int(result or 0)
    except StellaError as exc:
        print(f"stella: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("stella: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
