"""The facts a scheduled job's preconditions are judged on, and the run's own state.

Gathered only for what the job asks (probing targets talks to every one of them):

- **feeds**: the newest snapshot per source and base ecosystem
  (:func:`app.services.feeds.newest`), by the time its data was taken;
- **SBOM rescans**: the promotion's latest gate verdict, if any, against the
  newest snapshot of each feed it read and the policy in force; a newer one
  means its findings were not rescanned. Replays of its verdicts still running
  count as rescans in progress;
- **integrations**: the target environment's deploy targets, asked through
  their drivers, and the secret providers (:mod:`app.services.health`).

A fact that cannot be gathered is reported as a problem of its precondition,
which then fails with that text rather than passing unchecked.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Sequence
from datetime import datetime

from app.context import Site
from app.drivers.process import pid_alive
from app.errors import StellaError
from app.executor import LEASE_TTL, ExecutionResult
from app.services import feeds, health, promotions
from engine import schedule as sched
from engine.clock import parse_rfc3339
from engine.run import lease
from engine.run.state import DONE_STATUSES, RunState
from engine.schedule import preconditions as pre
from models import leases

log = logging.getLogger(__name__)


def _problem(exc: Exception) -> str:
    if isinstance(exc, StellaError):
        return exc.message
    log.warning("gathering schedule facts failed", exc_info=exc)
    return f"{type(exc).__name__}: {exc}"


def gather(site: Site, promotion_id: str, to_env: str,
           preconditions: Sequence[sched.Precondition]) -> sched.Facts:
    kinds = {p.kind for p in preconditions}
    found: dict[str, object] = {}
    problems: dict[str, str] = {}
    for kind, gather_one in ((pre.FEEDS_FRESH, lambda: _feeds(site)),
                             (pre.SBOM_RESCANS, lambda: _rescans(site, promotion_id)),
                             (pre.INTEGRATIONS, lambda: _integrations(site, to_env))):
        if kind not in kinds:
            continue
        try:
            found[kind] = gather_one()
        except Exception as exc:  # a fact that cannot be read fails its check, loudly
            problems[kind] = _problem(exc)
    return sched.Facts(feeds=found.get(pre.FEEDS_FRESH, ()),  # type: ignore[arg-type]
                       rescans=found.get(pre.SBOM_RESCANS),  # type: ignore[arg-type]
                       integrations=found.get(pre.INTEGRATIONS, ()),  # type: ignore[arg-type]
                       problems=problems)


def _feeds(site: Site) -> tuple[sched.FeedFact, ...]:
    return tuple(sched.FeedFact(e.source, e.ecosystem, parse_rfc3339(e.snapshot))
                 for e in feeds.newest(site))


def _rescans(site: Site, promotion_id: str) -> sched.RescanFact:
    from app.services import gate, replay  # the gate pulls in the policy engine: only when asked
    from app.services.policies import newest_policy_row

    running = tuple(f"replay {r.request_id} of {r.verdict_id}"
                    for r in replay.requests(site, promotion_id) if r.status == replay.RUNNING)
    latest = gate.latest_verdict(site, promotion_id)
    if latest is None:
        return sched.RescanFact(None, (), running)
    newest = {(e.source, e.ecosystem): e for e in feeds.newest(site)}
    newer = []
    for used in latest.replay.get("feeds", []):
        now_newest = newest.get((used.get("source"), used.get("ecosystem")))
        if now_newest is not None and now_newest.digest != used.get("digest"):
            newer.append(f"{now_newest.source}/{now_newest.ecosystem} snapshot "
                         f"{now_newest.snapshot}")
    with site.db.read() as session:
        policy = newest_policy_row(session)
        if policy is not None and policy.digest != latest.record.base_policy_digest:
            newer.append(f"policy {policy.name} v{policy.version}")
    return sched.RescanFact(latest.record.evaluated_at, tuple(newer), running)


def _integrations(site: Site, to_env: str) -> tuple[sched.IntegrationFact, ...]:
    targets = [t for t in health.driver_probe(site) if t.scope == to_env]
    rows = [*targets, *health.secret_providers(site)]
    return tuple(sched.IntegrationFact(f"{r.scope}/{r.name}" if r.scope else r.name,
                                       r.status == health.OK, r.detail) for r in rows)


# -- the run ---------------------------------------------------------------------------
def run_blocker(site: Site, state: RunState, now: datetime) -> str | None:
    """Why the run cannot be advanced by a scheduled attempt now, if it cannot."""
    if state.paused:
        return "the run is paused by an operator"
    with site.db.read() as session:
        holder = leases.holder(session, state.promotion_id)
    if holder is None:
        return None
    if lease.is_alive(lease.Holder(holder.host, holder.pid, holder.heartbeat_at), now,
                      LEASE_TTL, socket.gethostname(), pid_alive):
        return (f"another executor is advancing the run (process {holder.pid} on "
                f"{holder.host})")
    return None


def run_state(site: Site, promotion_id: str) -> RunState:
    return promotions.load_run(site, promotion_id)[1]


def run_facts(state: RunState, result: ExecutionResult, until: str | None) -> sched.RunFacts:
    current = state.current
    reached = until is not None and until in {s.name for s in state.steps} \
        and state.step(until).status in DONE_STATUSES
    return sched.RunFacts(
        status=state.status, terminal=state.terminal, paused=state.paused,
        current_title=current.title if current else "",
        current_status=current.status if current else None,
        error=current.error if current else "", waiting_for=current.waiting_for if current else "",
        reached_until=reached, steps_run=result.steps_run, why=result.why)
