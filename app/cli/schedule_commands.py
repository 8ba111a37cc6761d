"""``stella schedule …`` and ``stella scheduler …``: scheduled promotions (seed §14.9).

``stella scheduler tick`` is what a cron job or a systemd timer runs, e.g. every
minute::

    * * * * *  stella --home /srv/stella scheduler tick

It exits 0 when it ran, whether or not anything was due; two ticks at once (two
timers, or a timer and the open app) never run the same slot twice.
"""

from __future__ import annotations

import argparse

from app.cli import deploy_commands
from app.cli.render import emit_json
from app.context import Site
from app.services import scheduler, scheduler_tick
from app.site import SiteConfig
from app.steps.defaults import default_registry
from engine.schedule import duration_text

PASSPHRASE_HELP = "passphrase of your signing key (or $STELLA_PASSPHRASE)"


def _site(args: argparse.Namespace) -> Site:
    return Site.open(SiteConfig.resolve(home=args.home, db_url=args.db))


def _print_schedule(info: scheduler.ScheduleInfo) -> None:
    print(f"{info.id}  {info.promotion_id}  {info.release} → {info.to_env}  ({info.scope_text})")
    print(f"  window  {info.window.text()}")
    conditions = ", ".join(p.spec + ("" if p.blocking else " (warn only)")
                           for p in info.preconditions) or "none"
    print(f"  requires {conditions}; dead-lettered after {info.policy.max_failures} failure(s)")
    print(f"  {info.status.upper()}: {info.state_text}")


def schedule_create(args: argparse.Namespace) -> int:
    site = _site(args)
    deploy_commands.confirm_actor(site, args)
    chosen = {} if args.max_failures is None else {"max_failures": args.max_failures}
    info = scheduler.create_schedule(
        site, args.promotion, at=args.at, window=args.window, actor=args.actor or "",
        requires=args.require, warns=args.warn, until=args.until, **chosen)
    if args.json:
        emit_json(info.to_json())
    else:
        print("schedule created:")
        _print_schedule(info)
    return 0


def schedule_list(args: argparse.Namespace) -> int:
    infos = scheduler.list_schedules(_site(args))
    if args.json:
        emit_json([i.to_json() for i in infos])
    elif not infos:
        print("no schedules (create one with: stella schedule create PROMOTION --at TIME "
              "--window 2h --as USER)")
    else:
        for info in infos:
            _print_schedule(info)
    return 0


def _print_attempt(attempt: scheduler.AttemptInfo) -> None:
    checks = f" ×{attempt.checks}" if attempt.checks > 1 else ""
    print(f"  {attempt.schedule_id} #{attempt.number} {attempt.status.upper()}{checks}  "
          f"slot {attempt.slot}  started {attempt.started_at}"
          + (f"  finished {attempt.finished_at}" if attempt.finished_at else ""))
    for line in attempt.diagnostics:
        print(f"      {line}")


def schedule_show(args: argparse.Namespace) -> int:
    site = _site(args)
    info = scheduler.get_schedule(site, args.schedule)
    runs = scheduler.attempts(site, args.schedule)
    if args.json:
        emit_json({**info.to_json(), "attempts_list": [a.to_json() for a in runs]})
        return 0
    _print_schedule(info)
    for attempt in runs:
        _print_attempt(attempt)
    return 0


def schedule_cancel(args: argparse.Namespace) -> int:
    site = _site(args)
    deploy_commands.confirm_actor(site, args)
    info = scheduler.cancel_schedule(site, args.schedule, args.actor or "", args.reason)
    print(f"{info.id}: cancelled; {info.state_text}")
    return 0


def schedule_run_now(args: argparse.Namespace) -> int:
    site = _site(args)
    who = deploy_commands.confirm_actor(site, args)  # signs the run.requested event
    info = scheduler.run_now(site, args.schedule, who, args.reason)
    if args.json:
        emit_json(info.to_json())
        return 0
    print(f"{info.id}: {info.cancel_reason}")
    print(f"{info.promotion_id}: run requested; the site agent starts it now "
          "(stella agent status)")
    return 0


def scheduler_tick_command(args: argparse.Namespace) -> int:
    registry = getattr(args, "registry", None) or default_registry()
    report = scheduler_tick.tick(_site(args), scheduler_tick.executor_runner(registry))
    if args.json:
        emit_json(report.to_json())
        return 0
    if not report.results:
        print(f"tick at {report.at}: no active schedules")
    for result in report.results:
        number = f" #{result.attempt}" if result.attempt else ""
        print(f"{result.schedule_id}{number} {result.promotion_id}: {result.action} → "
              f"{result.status.upper()} — {result.text}")
    return 0


def scheduler_runs(args: argparse.Namespace) -> int:
    runs = scheduler.attempts(_site(args), args.schedule, args.limit)
    if args.json:
        emit_json([a.to_json() for a in runs])
    elif not runs:
        print("no scheduler attempts yet")
    else:
        for attempt in runs:
            _print_attempt(attempt)
    return 0


def scheduler_dead_letter(args: argparse.Namespace) -> int:
    letters = scheduler.dead_letters(_site(args), include_retried=args.all)
    if args.json:
        emit_json([d.to_json() for d in letters])
    elif not letters:
        print("the dead-letter list is empty")
    else:
        for letter in letters:
            print(f"{letter.schedule_id}  {letter.promotion_id}  {letter.release} → "
                  f"{letter.to_env}  dead-lettered {letter.at}")
            print(f"  {letter.reason}")
            if not letter.open:
                print(f"  retried {letter.retried_at} by {letter.retried_by}: "
                      f"{letter.retry_reason}")
    return 0


def scheduler_retry(args: argparse.Namespace) -> int:
    site = _site(args)
    deploy_commands.confirm_actor(site, args)
    info = scheduler.retry_dead_letter(site, args.schedule, args.actor or "", args.reason)
    print(f"{info.id}: back in the schedule, new window {info.window.text()} "
          f"({duration_text(info.window.length)})")
    return 0
