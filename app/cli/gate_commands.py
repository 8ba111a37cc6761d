"""``stella feeds | verdicts | replay | health | override``: the gate, replay and data
health, headless. The grammar is in :mod:`app.cli.main`."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.render import emit_json, short
from app.context import Site
from app.errors import UsageError
from app.site import SiteConfig


def _site(args: argparse.Namespace) -> Site:
    return Site.open(SiteConfig.resolve(home=args.home, db_url=args.db))


# -- feeds ------------------------------------------------------------------------------
def feeds(args: argparse.Namespace) -> int:
    from app.services import feeds as feed_service
    from app.services import health as health_service

    site = _site(args)
    now = site.clock.now()
    limits = health_service.thresholds(site)
    freshness = health_service.feed_freshness(site, now, limits)
    snapshots = feed_service.list_snapshots(site)
    if args.json:
        emit_json({"thresholds": limits.to_json(),
                   "freshness": [f.to_json() for f in freshness],
                   "snapshots": [s.to_json() for s in snapshots]})
        return 0
    print(f"Freshness (WARN from {limits.feed_warn_hours:g}h, FAIL from "
          f"{limits.feed_fail_hours:g}h):")
    for f in freshness:
        where = f"{f.source}/{f.ecosystem}" if f.source else "—"
        print(f"  {f.status:<4} {where:<22} {f.snapshot or '':<21} {f.detail}")
    print(f"\nSnapshots kept ({len(snapshots)}):")
    for s in snapshots:
        print(f"  {s.snapshot}  {s.source:<8} {s.records:>7} records  {short(s.digest)}  "
              f"{', '.join(s.ecosystems)}")
    return 0


# -- verdicts ---------------------------------------------------------------------------
def verdicts(args: argparse.Namespace) -> int:
    from app.services import gate

    rows = gate.verdicts(_site(args), args.promotion)
    if args.json:
        emit_json([r.to_json() for r in rows])
        return 0
    if not rows:
        print("no verdict has been recorded")
    for r in rows:
        print(f"{r.verdict_id}  {r.promotion_id} #{r.attempt}  {r.outcome.upper():<17} "
              f"{r.evaluated_at}  {short(r.decision_digest)}")
    return 0


# -- replay -----------------------------------------------------------------------------
def replay(args: argparse.Namespace) -> int:
    from app.services import replay as replay_service

    if bool(args.verdict) == bool(args.all):
        raise UsageError("stella replay: give a verdict id or --all (not both)")
    site = _site(args)
    if args.what_if:
        results = replay_service.what_if(site, None if args.all else args.verdict)
        if args.json:
            emit_json([w.to_json() for w in results])
        else:
            for w in results:
                _print_what_if(w)
        return 0
    actor = args.actor or "cli"
    if args.all:
        records = replay_service.replay_all(site, actor, args.reason)
    else:
        records = [replay_service.replay_verdict(site, args.verdict, actor, args.reason)]
    if args.json:
        payload: Any = [r.to_json() for r in records]
        if args.all:
            payload = {"requests": payload,
                       "determinism": replay_service.determinism(site).to_json()}
        else:
            payload = payload[0]
        emit_json(payload)
    else:
        for record in records:
            _print_replay(record)
        if args.all:
            metrics = replay_service.determinism(site)
            rate = f"{metrics.match_rate:.0%}" if metrics.match_rate is not None else "—"
            print(f"Determinism: total {metrics.total} | matching {metrics.matching} | "
                  f"mismatches {metrics.mismatches} | match rate {rate}"
                  + (f" | errors {metrics.errors}" if metrics.errors else ""))
    return 0 if all(r.matched for r in records) else 1


def _print_replay(record: Any) -> None:
    from app.services.replay import diff_lines

    head = (f"{record.request_id}  {record.verdict_id}  {record.promotion_id}  "
            f"{record.status.upper()}  ")
    if record.result == "match":
        print(head + f"match ({short(record.recorded_digest)})")
        return
    if record.error:
        print(head + f"error: {record.error}")
        return
    print(head + f"MISMATCH: recorded {short(record.recorded_digest)}, replayed "
                 f"{short(record.replayed_digest or '')}")
    for line in diff_lines(record.diff or {}):
        print("    " + line)


def _print_what_if(w: Any) -> None:
    if w.error:
        print(f"{w.verdict_id}  {w.promotion_id}  cannot re-evaluate: {w.error}")
        return
    flag = "WOULD FLIP" if w.flips else "unchanged"
    print(f"{w.verdict_id}  {w.promotion_id}  {w.before} → {w.after}  {flag}")
    diff = w.diff or {}
    for key in diff.get("findings_added", []):
        print(f"    + {key}")
    for key in diff.get("findings_removed", []):
        print(f"    - {key}")
    for change in diff.get("findings_changed", []):
        print(f"    ~ {change['key']} ({', '.join(change['fields'])})")


# -- health -----------------------------------------------------------------------------
def health(args: argparse.Namespace) -> int:
    from app.services import health as health_service

    result = health_service.report(_site(args), probe_targets=not args.no_probe)
    if args.json:
        emit_json(result.to_json())
    else:
        print(f"Data health: {result.status}" + (" — " + " | ".join(result.problems)
                                                 if result.problems else ""))
        print(f"  feeds: {result.section('feeds')}")
        for f in result.feeds:
            where = f"{f.source}/{f.ecosystem}" if f.source else "—"
            print(f"    {f.status:<4} {where:<22} {f.detail}")
        print(f"  jobs: {result.section('jobs')}")
        for j in result.jobs:
            print(f"    {j.subject} {j.job}: {j.status} ({j.detail})")
        print(f"  integrations: {result.section('integrations')}")
        for i in result.integrations:
            scope = f"{i.scope}/" if i.scope else ""
            print(f"    {i.status:<4} {i.kind:<16} {scope}{i.name}: {i.detail}")
    return 1 if result.status == "FAIL" else 0


def health_thresholds(args: argparse.Namespace) -> int:
    from app.services import health as health_service

    chosen = health_service.set_thresholds(_site(args), args.feed_warn_hours,
                                           args.feed_fail_hours, args.actor or "")
    print(f"feed freshness: WARN from {chosen.feed_warn_hours:g}h, FAIL from "
          f"{chosen.feed_fail_hours:g}h")
    return 0


# -- override ---------------------------------------------------------------------------
def override_stale_feeds(args: argparse.Namespace) -> int:
    from app.services.gate_override import override_stale_feeds as record_override
    from app.services.identity import read_passphrase

    result = record_override(_site(args), args.promotion, args.actor or "", args.reason,
                             read_passphrase(args.passphrase_file))
    if args.json:
        emit_json({"promotion": result.promotion_id, "verdict_id": result.verdict_id,
                   "feeds": list(result.feeds), "evidence": result.evidence_digest,
                   "event": result.event_seq})
    else:
        print(f"{result.promotion_id}: stale-feeds override recorded (event #{result.event_seq},"
              f" evidence {short(result.evidence_digest)}); retry the gate to apply it: "
              f"stella retry {result.promotion_id} --reason …")
    return 0
