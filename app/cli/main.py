"""``stella``: everything the GUI can do, headless. Exit codes: 0 done, 1 rejected or
verification failed, 2 usage error, 3 not found, 4 not allowed now (DESIGN §10).

The grammar below names each sub-command's handler as ``module:function`` (relative to
``app.cli``) and imports that module only when the sub-command runs, so ``stella
--version`` or ``stella promotions`` never pay for the policy engine, Alembic or Qt."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, NoReturn

from app import __version__, boundary
from app.cli import edge
from app.cli.output import safe_streams
from app.errors import UsageError
from engine.text import terminal_safe

if TYPE_CHECKING:
    from app.steps.base import StepRegistry


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors exit 2 with one clear line
        where = self.prog.removeprefix("stella").strip()
        hint = f"; see `{self.prog} --help`"
        raise UsageError(f"{where + ': ' if where else ''}{message}{hint}")


class Handler:
    """A sub-command's handler, ``module:function`` under ``app.cli``, imported on call."""

    def __init__(self, ref: str) -> None:
        self.module, _, self.name = ref.partition(":")

    def resolve(self) -> Callable[[argparse.Namespace], int | None]:
        return getattr(importlib.import_module(f"app.cli.{self.module}"), self.name)

    def __call__(self, args: argparse.Namespace) -> int | None:
        return self.resolve()(args)

    def __repr__(self) -> str:
        return f"Handler({self.module}:{self.name})"


class LazyChoices:
    """``choices=`` read from a module when an argument is checked or help is printed."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def _values(self) -> Sequence[str]:
        return sorted(getattr(importlib.import_module(self.module), self.name))

    def __contains__(self, value: object) -> bool:
        return value in self._values()

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())


def _handler(handler: str | Callable) -> Callable:
    return Handler(handler) if isinstance(handler, str) else handler


def _common(default: object) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", default=default,
                        help="site data folder (default: $STELLA_HOME or the user data folder)")
    common.add_argument("--db", default=default,
                        help="SQLAlchemy database URL (default: $STELLA_DB or SQLite in the home)")
    common.add_argument("--json", action="store_true", default=default, help="machine-readable output")
    common.add_argument("--as", dest="actor", metavar="USER", default=default, help="act as this user")
    return common


PASSPHRASE_HELP = "passphrase of your signing key (or $STELLA_PASSPHRASE)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="stella", description="Stella Ops Offline Console",
                     parents=[_common(argparse.SUPPRESS)])
    parser.set_defaults(home=None, db=None, json=False, actor=None)
    # Sub-commands repeat the common options without defaults, so a value given before
    # the sub-command is not overwritten by the sub-parser's default.
    common = _common(argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"stella {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of a failure (or STELLA_DEBUG=1), for bug reports")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    def command(name: str, handler: str | Callable, help_: str, target: argparse._SubParsersAction = sub,
                **kwargs) -> argparse.ArgumentParser:
        p = target.add_parser(name, parents=[common], help=help_, **kwargs)
        p.set_defaults(handler=_handler(handler))
        return p

    def group(name: str, help_: str) -> argparse._SubParsersAction:
        return sub.add_parser(name, help=help_).add_subparsers(dest=f"{name}_command", parser_class=_Parser)

    _roster_commands(command, group)

    command("releases", "commands:releases", "imported releases")

    promote = group("promote", "promotions")
    p = command("create", "commands:promote_create", "promote a release into an environment", target=promote)
    p.add_argument("--release", required=True, help="NAME@VERSION or sha256:<digest>")
    p.add_argument("--to", required=True, dest="to_env")
    p.add_argument("--from", dest="from_env")
    p.add_argument("--passphrase-file", metavar="F", help=PASSPHRASE_HELP)

    command("promotions", "listing:promotions_list", "every promotion with its status")

    p = command("run", "commands:run", "advance a promotion headless (the executor)")
    p.add_argument("promotion")
    p.add_argument("--until", metavar="STAGE", help="stop before the step after STAGE")

    for name in ("pause", "resume", "retry", "cancel", "mark-failed", "approve", "reject"):
        signed = name in ("approve", "reject")
        p = command(name, "commands:approval" if signed else "commands:action",
                    f"{name} a promotion" + (", signed with your own key" if signed else ""))
        p.add_argument("promotion")
        p.add_argument("--reason", required=True)
        p.add_argument("--passphrase-file", metavar="F", help=PASSPHRASE_HELP)
        p.set_defaults(action=name)
    p = command("continue", "commands:action", "continue to the next canary stage once its criteria hold")
    p.add_argument("promotion")
    p.add_argument("--reason")
    p.add_argument("--passphrase-file", metavar="F", help=PASSPHRASE_HELP)
    p.set_defaults(action="continue")
    p = command("rollback", "commands:rollback", "roll back a promotion (step, stage or full)")
    p.add_argument("promotion")
    p.add_argument("--scope", choices=["step", "stage", "full"], default="full")
    p.add_argument("--reason")
    p.add_argument("--ticket")
    p.add_argument("--preview", action="store_true", help="show the impact only; change nothing")
    p.add_argument("--passphrase-file", metavar="F", help=PASSPHRASE_HELP)

    p = command("timeline", "commands:timeline", "the run's timeline, verified from its event chain")
    p.add_argument("promotion")
    p = command("events", "commands:events", "the run's raw hash-chained events")
    p.add_argument("promotion")
    p = command("logs", "commands:logs", "a run's step logs")
    p.add_argument("promotion")
    p.add_argument("--step")

    export = group("export", "export evidence to a folder or removable medium")
    for kind, help_ in (("evidence", "an evidence pack (partial until the run is sealed)"),
                        ("auditor", "a self-contained auditor bundle of a sealed run")):
        p = command(kind, "commands:export", help_, target=export)
        p.set_defaults(export_kind=kind)
        p.add_argument("promotion")
        where = p.add_mutually_exclusive_group(required=True)
        where.add_argument("--to", dest="to_dir", metavar="DIR", help="destination folder")
        where.add_argument("--medium", metavar="NAME",
                           help="a detected removable medium: label, mount point, device or 'auto'")
        p.add_argument("--split-size", metavar="SIZE",
                       help="write parts of at most SIZE (e.g. 4G, 700M) with signed manifests")
        p.add_argument("--passphrase-file", metavar="F", help=PASSPHRASE_HELP)
        if kind == "evidence":
            p.add_argument("--partial", action="store_true",
                           help="confirm exporting a run that is not sealed yet")
    command("media", "commands:media", "removable media mounted now")
    p = command("verify", "commands:verify", "verify an export offline (archive, folder or parts)")
    p.add_argument("path")
    p.add_argument("--site-key", metavar="KEYID", help="the site key id the site published")
    p.add_argument("--reassemble-to", metavar="DIR",
                   help="after verifying split parts, write the whole archive into DIR")

    _trust_commands(sub, command, group)
    _demo_commands(sub, common, command)
    _gate_commands(sub, command, group)
    _schedule_commands(command, group)
    _agent_commands(command)
    _site_commands(command)
    p = command("migrate", "site_commands:migrate", "copy this site's database into an empty "
                "one (PostgreSQL) and verify every chain, the roster and the log there",
                target=group("site", "the site's database"))
    p.add_argument("--to", required=True, dest="to_url", metavar="URL",
                   help="the empty target database, e.g. postgresql+psycopg://stella@db-host/site")

    p = command("gui", "gui_command:gui", "the desktop app")
    p.add_argument("--audit", metavar="PATH",
                   help="auditor mode only: verify an export (archive, folder or part) offline, "
                        "with no site")
    return parser


def _trust_commands(sub, command: Callable, group: Callable) -> None:
    """``stella keys|trust|bundle|import|bundles``: the signed-bundle door (DESIGN §4)."""
    keys = group("keys", "signing keys (authoring side)")
    p = command("generate", "trust_commands:keys_generate", "an Ed25519 key pair: PREFIX.key, PREFIX.pub.pem",
                target=keys)
    p.add_argument("--out", required=True, metavar="PREFIX")
    p.add_argument("--passphrase-file", help="encrypt the private key with the passphrase in this file")

    tr = group("trust", "the site trust root")
    p = command("install", "trust_commands:trust_install", "install the first trust root (trust on first use)",
                target=tr)
    p.add_argument("root", help="ROOT.dsse.json")
    p.add_argument("--yes", action="store_true", help="confirm: you checked its fingerprint out of band")
    p = command("update", "trust_commands:trust_update", "rotate to the next trust root (TUF rules)", target=tr)
    p.add_argument("root")
    command("show", "trust_commands:trust_show", "the trust root in force", target=tr)

    bd = group("bundle", "build or verify signed bundles")
    p = command("build", "trust_commands:bundle_build", "build a signed bundle from a folder (deterministic)",
                target=bd)
    p.add_argument("source", metavar="SRC_DIR")
    p.add_argument("--kind", required=True, choices=LazyChoices("airgap_bundles.manifest", "KINDS"),
                   metavar="KIND", help="one of %(choices)s")
    p.add_argument("--name", required=True)
    p.add_argument("--version", required=True, type=edge.bounded_int(1, 2**53 - 1),
                   help="sequence number, strictly increasing per kind and name")
    p.add_argument("--key", action="append", required=True, help="signing key (repeat for a threshold)")
    p.add_argument("--passphrase-file", help="passphrase of encrypted keys")
    p.add_argument("--expires", default="30d", help="validity after creation, e.g. 30d, 12h")
    p.add_argument("--created", help="RFC 3339 time (default: SOURCE_DATE_EPOCH, else the newest source file's mtime)")
    p.add_argument("--producer", default="stella bundle build")
    p.add_argument("--description", default="")
    p.add_argument("--compression", choices=["gzip", "zstd", "none"], default="gzip")
    p.add_argument("--out", required=True)
    p = command("verify", "trust_commands:bundle_verify", "verify a bundle; import nothing", target=bd)
    p.add_argument("file")
    p.add_argument("--trust-root", help="verify against this trust root file instead of the site's")
    p.add_argument("--allow-older", action="store_true")
    p.add_argument("--reason")

    p = command("import", "trust_commands:bundle_import", "verify and import a signed bundle")
    p.add_argument("file")
    p.add_argument("--allow-older", action="store_true",
                   help="accept a version not newer than the last import (needs --reason; recorded)")
    p.add_argument("--reason")
    command("bundles", "trust_commands:bundles_list", "imported bundles")


def _demo_commands(sub, common: argparse.ArgumentParser, command: Callable) -> None:
    p = command("demo", "demo_commands:demo", "a complete demo site in --home: fleet, bundles, promotions "
                "(DEMO ONLY)")
    p.add_argument("--no-gui", action="store_true", help="print where everything is and exit")
    p.add_argument("--rebuild", action="store_true", help="wipe the demo home and build it again")
    p.add_argument("--stop", action="store_true", help="stop the demo fleet and its traffic")
    p = sub.add_parser("demo-traffic", parents=[common], help=argparse.SUPPRESS)
    p.add_argument("environments", nargs="+")
    p.set_defaults(handler=Handler("demo_commands:demo_traffic"))


def _gate_commands(sub, command: Callable, group: Callable) -> None:
    """``stella feeds | verdicts | replay | health | override``: the gate, replay and data health."""
    command("feeds", "gate_commands:feeds", "imported feed snapshots and their freshness per ecosystem")
    p = command("verdicts", "gate_commands:verdicts", "recorded gate verdicts (of one promotion)")
    p.add_argument("promotion", nargs="?")
    p = command("replay", "gate_commands:replay", "replay recorded verdicts from their sealed inputs")
    p.add_argument("verdict", nargs="?", help="a verdict id (verdict-…)")
    p.add_argument("--all", action="store_true", help="replay every recorded verdict")
    p.add_argument("--what-if", action="store_true",
                   help="re-evaluate against the newest feed snapshots and policy instead")
    p.add_argument("--reason", help="why the replay is requested (recorded)")
    p = command("health", "gate_commands:health", "data health: feeds, failed jobs, integrations")
    p.add_argument("--no-probe", action="store_true", help="do not ask deploy targets")
    health_sub = p.add_subparsers(dest="health_command", parser_class=_Parser)
    t = command("thresholds", "gate_commands:health_thresholds", "set the feed freshness thresholds",
                target=health_sub)
    t.add_argument("--feed-warn-hours", type=edge.bounded_float(0, 8760), required=True)
    t.add_argument("--feed-fail-hours", type=edge.bounded_float(0, 8760), required=True)
    override = group("override", "approver overrides")
    o = command("stale-feeds", "gate_commands:override_stale_feeds",
                "let a promotion proceed on stale feed data (approver, signed, reasoned)", target=override)
    o.add_argument("promotion")
    o.add_argument("--reason", required=True)
    o.add_argument("--passphrase-file", help="the approver's key passphrase (or STELLA_PASSPHRASE)")


def _site_commands(command: Callable) -> None:
    """``stella doctor|backup|restore``: the site's own health (DESIGN §10)."""
    p = command("doctor", "site_commands:doctor", "check the site: database integrity, every "
                "run's chain, staging leftovers, file modes, agent and leases")
    p.add_argument("--fix", action="store_true",
                   help="clean what is safe to clean: leftovers, loose modes, dead leases")
    p = command("backup", "site_commands:backup",
                "online backup of a SQLite site's database, verified after writing")
    p.add_argument("file", metavar="FILE")
    p = command("restore", "site_commands:restore",
                "put a verified backup in place (the database it replaces is kept)")
    p.add_argument("file", metavar="FILE")


def _agent_commands(command: Callable) -> None:
    """``stella agent [start|stop|status]``: the site's executor as a service."""
    p = command("agent", "agent_commands:agent", "the site's executor as a service: "
                "foreground until SIGTERM, or start|stop|status it detached")
    p.add_argument("action", nargs="?", choices=("run", "start", "stop", "status"), default="run",
                   help="run in the foreground (default), or start/stop/status a detached agent")
    p.add_argument("--grace", type=edge.bounded_float(0, 3600), default=None, metavar="SECONDS",
                   help="on SIGTERM, how long a running step may take to finish before it is "
                        "recorded interrupted (default 20)")


def _roster_commands(command: Callable, group: Callable) -> None:
    """Site authority (DESIGN §10): init with the first admin; users, environments and
    targets change only by an admin (``--as ADMIN``), as signed roster records."""
    admin_pass = "the acting admin's passphrase (or $STELLA_PASSPHRASE)"
    p = command("init", "roster_commands:init",
                "create a new site: database, site, log and executor keys, first administrator")
    p.add_argument("--site", default="site", help="site name")
    p.add_argument("--admin", metavar="NAME", help="the first administrator (required)")
    p.add_argument("--passphrase-file", metavar="F",
                   help="protects the admin's own key (or $STELLA_PASSPHRASE)")

    env = group("env", "environments")
    p = command("add", "roster_commands:env_add", "add an environment (admin)", target=env)
    p.add_argument("name")
    p.add_argument("--requires-approval", nargs="?", type=edge.bounded_int(0, 100), const=1,
                   default=0, metavar="N",
                   help="approvals needed before deploying (default 1 when given)")
    p.add_argument("--workflow", default="canary-10-50-100")
    p.add_argument("--baseline", default="")
    p.add_argument("--passphrase-file", metavar="F", help=admin_pass)
    command("list", "commands:env_list", "list environments", target=env)
    p = command("configure", "roster_commands:env_configure",
                "show or set (admin) an environment's deploy settings (health gates, commands)",
                target=env)
    p.add_argument("name")
    p.add_argument("--file", metavar="SETTINGS.json", help="replace the settings with this JSON file")
    p.add_argument("--passphrase-file", metavar="F", help=admin_pass)

    target = group("target", "deploy targets")
    p = command("add", "roster_commands:target_add", "add a deploy target (admin)", target=target)
    p.add_argument("env")
    p.add_argument("name")
    p.add_argument("--driver", required=True, choices=["command", "demo-fleet", "ssh"])
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="driver option (repeatable)")
    p.add_argument("--passphrase-file", metavar="F", help=admin_pass)
    p = command("remove", "roster_commands:target_remove", "remove a deploy target (admin)",
                target=target)
    p.add_argument("env")
    p.add_argument("name")
    p.add_argument("--passphrase-file", metavar="F", help=admin_pass)

    roles = ["admin", "operator", "release-manager", "approver", "auditor"]
    user = group("user", "users (changed by an admin)")
    p = command("add", "roster_commands:user_add", "enrol a user with their own key (admin)",
                target=user)
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=roles)
    p.add_argument("--passphrase-file", metavar="F",
                   help="protects the new user's own key (or $STELLA_NEW_PASSPHRASE)")
    p.add_argument("--admin-passphrase-file", metavar="F", help=admin_pass)
    p = command("revoke", "roster_commands:user_revoke",
                "revoke a user and their keys from now on (admin)", target=user)
    p.add_argument("name")
    p.add_argument("--passphrase-file", metavar="F", help=admin_pass)
    p = command("role", "roster_commands:user_role", "change a user's role from now on (admin)",
                target=user)
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=roles)
    p.add_argument("--passphrase-file", metavar="F", help=admin_pass)
    command("list", "roster_commands:user_list", "users, roles and keys from the site roster",
            target=user)


def _schedule_commands(command: Callable, group: Callable) -> None:
    """``stella schedule …`` and ``stella scheduler …``: scheduled promotions (seed §14.9)."""
    schedule = group("schedule", "schedule promotions")
    p = command("create", "schedule_commands:schedule_create",
                "run a promotion (or until a stage) inside a time window", target=schedule)
    p.add_argument("promotion")
    p.add_argument("--at", required=True, metavar="TIME",
                   help="window start: RFC 3339, 'YYYY-MM-DD HH:MM' (UTC), 'now' or '+30m'")
    p.add_argument("--window", required=True, metavar="DURATION", help="how long it may start in, "
                   "e.g. 2h, 90m")
    p.add_argument("--require", action="append", default=[], metavar="PRECONDITION",
                   help="blocking precondition (repeatable): feeds-fresh<1h, "
                        "sbom-rescans-complete, integrations-healthy")
    p.add_argument("--warn", action="append", default=[], metavar="PRECONDITION",
                   help="warn-only precondition (repeatable): recorded, never blocks")
    p.add_argument("--until", metavar="STAGE", help="stop after this stage (default: whole run)")
    p.add_argument("--max-failures", type=edge.bounded_int(1, 100),
                   metavar="N", help="failed attempts before the job is dead-lettered "
                   "(default: the retry policy's; `schedule show` prints it)")
    p.add_argument("--passphrase-file", metavar="F", help=PASSPHRASE_HELP)
    command("list", "schedule_commands:schedule_list", "every schedule and where it stands", target=schedule)
    p = command("show", "schedule_commands:schedule_show", "one schedule with its attempts", target=schedule)
    p.add_argument("schedule")
    p = command("cancel", "schedule_commands:schedule_cancel", "cancel a schedule", target=schedule)
    p.add_argument("schedule")
    p.add_argument("--reason", required=True)
    p.add_argument("--passphrase-file", metavar="F", help=PASSPHRASE_HELP)
    p = command("run-now", "schedule_commands:schedule_run_now",
                "run a scheduled promotion now instead of at its slot (cancels the slot)",
                target=schedule)
    p.add_argument("schedule")
    p.add_argument("--reason", required=True, help="why it cannot wait for its slot (recorded)")
    p.add_argument("--passphrase-file", metavar="F", help=PASSPHRASE_HELP)

    runner = group("scheduler", "run due schedules; attempts; dead letters")
    command("tick", "schedule_commands:scheduler_tick_command",
            "run the schedules that are due (for cron or a systemd timer)", target=runner)
    p = command("runs", "schedule_commands:scheduler_runs", "scheduler attempts with diagnostics", target=runner)
    p.add_argument("--schedule", metavar="ID", help="only this schedule's attempts")
    p.add_argument("--limit", type=edge.bounded_int(1, 1_000_000), default=50, metavar="N",
                   help="newest N (default 50)")
    p = command("dead-letter", "schedule_commands:scheduler_dead_letter", "jobs that failed for good",
                target=runner)
    p.add_argument("--all", action="store_true", help="also the ones already retried")
    p = command("retry", "schedule_commands:scheduler_retry",
                "retry a dead-lettered job in a new window starting now", target=runner)
    p.add_argument("schedule", metavar="JOB")
    p.add_argument("--reason", required=True)
    p.add_argument("--passphrase-file", metavar="F", help=PASSPHRASE_HELP)


def main(argv: Sequence[str] | None = None, registry: StepRegistry | None = None) -> int:
    """The CLI's error boundary: every failure ends as one sentence on stderr and an
    exit code of DESIGN §10; ``--debug`` (or STELLA_DEBUG=1) adds the traceback."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = boundary.debug_requested() or "--debug" in args_list
    args_list = [a for a in args_list if a != "--debug"]
    with safe_streams():
        # Log lines pass the same guard (a step's output may be logged by the agent).
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        try:
            return _dispatch(args_list, registry)
        except KeyboardInterrupt:
            print("stella: interrupted; what was committed stays, nothing else was changed",
                  file=sys.stderr)
            return 130
        except BrokenPipeError:  # output piped into `head` and the like
            _quiet_stderr()
            return 0
        except SystemExit:  # --help and --version
            raise
        except Exception as exc:  # the boundary: no traceback unless asked for
            error = boundary.explain(exc, _db_url(args_list))
            if debug:
                traceback.print_exc(file=sys.stderr)
            shown = "\n".join(terminal_safe(line) for line in error.message.split("\n"))
            print(f"stella: {shown}", file=sys.stderr)
            return error.exit_code


def _dispatch(args_list: list[str], registry: StepRegistry | None) -> int:
    boundary.reject_undecodable(args_list)
    if args_list[:1] == ["demo-target"]:  # the target parses its own arguments
        return Handler("demo_commands:demo_target")(args_list[1:]) or 0  # type: ignore[arg-type]
    parser = build_parser()
    args = parser.parse_args(args_list)
    if not getattr(args, "handler", None):
        if args_list:
            parser.print_help()
            return 2
        return Handler("gui_command:gui")(args) or 0
    if registry is not None:
        args.registry = registry
    from app.cli.reads import only_reads
    from app.reads_only import reads_only

    with reads_only(only_reads(args.handler)):  # a full disk still answers reads
        result = args.handler(args)
    return int(result or 0)


def _db_url(args_list: list[str]) -> str | None:
    """The database the command meant (for telling a damaged file), without parsing."""
    try:
        for i, arg in enumerate(args_list):
            if arg == "--db" and i + 1 < len(args_list):
                return args_list[i + 1]
            if arg.startswith("--db="):
                return arg[5:]
        home = None
        for i, arg in enumerate(args_list):
            if arg == "--home" and i + 1 < len(args_list):
                home = args_list[i + 1]
            elif arg.startswith("--home="):
                home = arg[7:]
        from app.site import SiteConfig

        return SiteConfig.resolve(home=home).db_url
    except Exception:
        return None


def _quiet_stderr() -> None:
    try:
        sys.stderr.close()
    except OSError:
        pass


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
