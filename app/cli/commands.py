"""One function per sub-command: parse nothing, call one service, print the result."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli import edge
from app.cli.render import emit_json, run_json, timeline_text
from app.context import Site
from app.errors import NotFound, Rejected, UsageError
from app.services import promotions
from app.services.releases import list_releases
from app.services.stage_names import require_stage
from app.site import SiteConfig
from engine.text import terminal_safe

if TYPE_CHECKING:
    from airgap_bundles.export import ExportContent


def _deploy():
    """Signing, settings and approvals helpers, imported by the commands that act (~0.1 s
    that `stella promotions` and the other listings need not pay)."""
    from app.cli import deploy_commands

    return deploy_commands


def _config(args: argparse.Namespace) -> SiteConfig:
    return SiteConfig.resolve(home=args.home, db_url=args.db)


def _site(args: argparse.Namespace) -> Site:
    return Site.open(_config(args))






def env_list(args: argparse.Namespace) -> int:
    from app.services import setup  # a listing of promotions need not load the roster

    envs = setup.list_environments(_site(args))
    rows = [{"name": e.name, "workflow": e.workflow, "approvals_required": e.approvals_required,
             "baseline": e.baseline} for e in envs]
    if args.json:
        emit_json(rows)
    else:
        for row in rows:
            print(f"{terminal_safe(row['name']):<16} {terminal_safe(row['workflow']):<20} "
                  f"approvals: {row['approvals_required']}")
    return 0


def _options(pairs: list[str]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--option {pair!r}: expected KEY=VALUE")
        options[key] = value
    return options








def approval(args: argparse.Namespace) -> int:
    return _deploy().approval(_site(args), args)




def releases(args: argparse.Namespace) -> int:
    rows = [{"name": r.name, "version": r.version, "digest": r.digest,
             "imported_at": r.imported_at.isoformat()} for r in list_releases(_site(args))]
    if args.json:
        emit_json(rows)
    else:
        for row in rows:
            print(f"{terminal_safe(row['name']):<16} {terminal_safe(row['version']):<16} "
                  f"{terminal_safe(row['digest'])}")
    return 0


def promote_create(args: argparse.Namespace) -> int:
    site = _site(args)
    who = _deploy().confirm_actor(site, args)  # the requester signs the request
    promotion_id = promotions.create_promotion(site, args.release, args.to_env, who,
                                               args.from_env)
    if args.json:
        emit_json({"promotion": promotion_id})
    else:
        print(promotion_id)
    return 0


def run(args: argparse.Namespace) -> int:
    from app.executor import Executor  # the steps and their policy engine, only to run
    from app.steps.defaults import default_registry

    registry = getattr(args, "registry", None) or default_registry()
    site = _site(args)
    if args.until is not None:  # before the lease and before any step: a typo changes nothing
        require_stage(promotions.load_run(site, args.promotion)[1], args.until, "--until")
    result = Executor(site, args.promotion, registry).run(until=args.until)
    _, state = promotions.load_run(site, args.promotion)
    if args.json:
        emit_json({"status": state.status, "why": result.why, "steps_run": result.steps_run})
    else:
        print(f"{terminal_safe(args.promotion)}: {state.status.upper()} — {terminal_safe(result.why)} "
              f"({result.steps_run} step(s) run)")
    return 0


def action(args: argparse.Namespace) -> int:
    from app.services import actions  # signing and the roster, only to act

    site = _site(args)
    who = _deploy().confirm_actor(site, args)
    state = actions.act(site, args.promotion, args.action, who, args.reason)
    print(f"{args.promotion}: {args.action} recorded; status {state.status.upper()}")
    return 0


def rollback(args: argparse.Namespace) -> int:
    from app.services import actions

    site = _site(args)
    if args.preview:
        impact = actions.preview(site, args.promotion, args.scope)
        if args.json:
            emit_json(impact)
        else:
            print(f"Rollback preview ({impact['scope']}) for {args.promotion}:")
            if impact["refusal"]:
                print(f"  not possible now: {terminal_safe(impact['refusal'])}")
            print("  steps undone: " + (", ".join(impact["steps"]) or "none"))
            for change in impact["targets"]:
                print(f"  {terminal_safe(change['target'])}: {terminal_safe(change['from'])} → "
                      f"{terminal_safe(change['to'])}")
            if not impact["targets"]:
                print("  no target changes recorded")
        return 0 if impact["allowed"] else 4
    extra = {"ticket": args.ticket} if args.ticket else {}
    who = _deploy().confirm_actor(site, args)
    state = actions.act(site, args.promotion, "rollback", who, args.reason,
                        scope=args.scope, data=extra)
    print(f"{args.promotion}: rollback ({args.scope}) requested; status {state.status.upper()}")
    return 0


def timeline(args: argparse.Namespace) -> int:
    from app.services.history import load_complete_run

    _, state, _ = load_complete_run(_site(args), args.promotion)  # refused if cut (exit 1)
    if args.json:
        emit_json(run_json(state))
    else:
        print(timeline_text(state))
    return 0


def events(args: argparse.Namespace) -> int:
    evs, _ = promotions.load_run(_site(args), args.promotion)
    if args.json:
        emit_json([e.as_json() for e in evs])
    else:
        for e in evs:
            print(f"#{e.seq:<4} {e.at}  {e.type:<20} {terminal_safe(e.step or ''):<20} "
                  f"{terminal_safe(e.actor):<18} {e.hash[:12]}  {terminal_safe(e.reason or '')}")
    return 0


def logs(args: argparse.Namespace) -> int:
    from app.services.logs import step_logs

    site = _site(args)
    if args.step is not None:
        require_stage(promotions.load_run(site, args.promotion)[1], args.step, "--step")
    lines = step_logs(site, args.promotion, args.step)
    if args.json:
        emit_json([{"step": s, "attempt": a, "at": at, "line": line} for s, a, at, line in lines])
    else:
        for step, attempt, at, line in lines:
            print(f"{at} [{terminal_safe(step)}#{attempt}] {terminal_safe(line)}")
    return 0


def _progress(update) -> None:
    if sys.stderr.isatty() and update.total:
        print(f"\r{update.phase} {100 * update.done // update.total:3d}%", end="",
              file=sys.stderr, flush=True)


def _render_report(content: ExportContent) -> bytes:
    # Qt (the PDF renderer) is loaded only once an export's checks passed and its report
    # is made: a refused export, and every other command, never start it.
    from app.qt.report_pdf import render_report

    return render_report(content)


def export(args: argparse.Namespace) -> int:
    from airgap_bundles import media
    from app.services import exports

    split = edge.split_size(args.split_size) if args.split_size else None
    site = _site(args)
    medium = None
    if args.medium:
        try:
            medium = media.find_medium(args.medium)
        except LookupError as exc:
            raise NotFound(str(exc)) from None
    destination = medium.mount_point if medium else args.to_dir
    who = _deploy().confirm_actor(site, args)  # the exporter signs the custody event
    outcome = exports.export(site, args.promotion, args.export_kind, destination,
                             who, split_size=split,
                             allow_partial=getattr(args, "partial", False), medium=medium,
                             progress=_progress, renderer=_render_report)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if args.json:
        emit_json(outcome.as_json())
        return 0
    files = outcome.files
    kind = outcome.bundle.replace("-", " ") + (" (PARTIAL)" if outcome.partial else "")
    print(f"{args.promotion}: {kind} written to {terminal_safe(files.directory)}")
    for path in files.paths:
        print(f"  {terminal_safe(path.name)}")
    print(f"  sha256 {files.archive.sha256}  ({files.archive.size} bytes"
          + (f", {len(files.parts)} parts" if files.parts else "") + ")")
    if outcome.custody_file:
        print(f"  {outcome.custody_file.name}")
    print(f"custody receipt recorded as event #{outcome.custody_event}")
    for warning in outcome.warnings:
        print(f"warning: {terminal_safe(warning)}", file=sys.stderr)
    return 0


def media(args: argparse.Namespace) -> int:
    from airgap_bundles.media import discover

    found = discover()
    if args.json:
        emit_json([{**m.to_json(), "freeBytes": str(m.free_bytes)} for m in found])
        return 0
    if not found:
        print("no removable medium is mounted")
    for m in found:
        print(f"{terminal_safe(m.name):<20} {terminal_safe(m.mount_point)}  "
              f"{terminal_safe(m.device)}  {terminal_safe(m.filesystem)}  "
              f"{m.free_bytes // (1 << 20)} MiB free of {m.total_bytes // (1 << 20)} MiB")
    return 0


def verify(args: argparse.Namespace) -> int:
    """Offline, for auditors: reads only the given files, never a site."""
    from airgap_bundles.audit import reassemble, verify_path

    if not Path(args.path).exists():
        raise NotFound(f"{terminal_safe(args.path)}: no such file or folder; check the path")
    report = verify_path(args.path, site_key=args.site_key)
    if args.json:
        emit_json(report.to_json())
    else:
        print(report.text())
    if report.ok and args.reassemble_to:
        if "parts" not in report.facts:
            raise UsageError("--reassemble-to is for split exports only")
        try:
            target = reassemble(args.path, args.reassemble_to)
        except (OSError, ValueError) as exc:
            raise Rejected(f"reassembly failed: {exc}") from None
        if not args.json:
            print(f"reassembled into {terminal_safe(target)}")
    return 0 if report.ok else 1

