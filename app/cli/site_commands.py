"""``stella doctor``, ``stella backup`` and ``stella restore``: the site's own health."""

from __future__ import annotations

import argparse

from app.cli.render import emit_json
from app.services import backup as backups
from app.services.doctor import OK, PROBLEM, examine
from app.site import SiteConfig
from engine.clock import rfc3339
from engine.text import terminal_safe

_MARK = {OK: "✓", PROBLEM: "✗"}


def _config(args: argparse.Namespace) -> SiteConfig:
    return SiteConfig.resolve(home=args.home, db_url=args.db)


def doctor(args: argparse.Namespace) -> int:
    """Exit 0 when nothing is wrong (or everything wrong was fixed), 1 otherwise."""
    report = examine(_config(args), fix=args.fix)
    if args.json:
        emit_json({"ok": report.ok, "findings": [f.to_json() for f in report.findings]})
        return 0 if report.ok else 1
    for finding in report.findings:
        mark = "✓" if finding.fixed else _MARK.get(finding.status, "·")
        print(f"  {mark} {finding.area:<9} {terminal_safe(finding.text)}")
    if report.ok:
        print("the site is sound" + (" (after the fixes above)" if args.fix else ""))
        return 0
    fixable = "" if args.fix else "; `stella doctor --fix` cleans what is safe to clean"
    print(f"{len(report.problems)} problem(s){fixable}")
    return 1


def backup(args: argparse.Namespace) -> int:
    result = backups.backup(_config(args), args.file)
    if args.json:
        emit_json({"file": str(result.path), "size": result.size, "sha256": result.sha256,
                   "revision": result.revision})
        return 0
    print(f"backup written to {terminal_safe(result.path)} ({result.size} bytes), verified: "
          f"integrity ok, schema {result.revision}")
    print(f"  sha256 {result.sha256}")
    print("  the keys are not in it: keep a copy of the home's keys folder as well")
    return 0


def restore(args: argparse.Namespace) -> int:
    config = _config(args)
    result = backups.restore(config, args.file, rfc3339(config.clock.now()))
    if args.json:
        emit_json({"database": str(result.path), "sha256": result.sha256,
                   "revision": result.revision, "previous": str(result.previous)})
        return 0
    print(f"restored {terminal_safe(args.file)} into {terminal_safe(result.path)} "
          f"(schema {result.revision})")
    print(f"  the database it replaced is kept as {terminal_safe(result.previous)}")
    print("  run `stella doctor` to check the restored site")
    return 0


def migrate(args: argparse.Namespace) -> int:
    """Exit 0 when the copy verified, 1 when it holds a problem (the source is untouched)."""
    from app.services.site_migrate import migrate_site

    report = migrate_site(_config(args), args.to_url)
    if args.json:
        emit_json({"ok": report.ok, "target": report.target, "rows": report.rows,
                   "runs_verified": report.runs_verified,
                   "roster_records": report.roster_records, "problems": report.problems})
        return 0 if report.ok else 1
    print(f"copied {sum(report.rows.values())} rows into {terminal_safe(report.target)}")
    print(f"  ✓ roster: {report.roster_records} signed records verified from record #0")
    print(f"  {'✓' if report.ok else '✗'} runs: {report.runs_verified} chains and their site-log "
          "entries verified under the signed checkpoint")
    for problem in report.problems:
        print(f"  ✗ {terminal_safe(problem)}")
    if not report.ok:
        return 1
    print("the site's own database is unchanged; to use the copy, put its URL in "
          "database.url in each workstation's site home (or pass --db)")
    return 0
