"""The Operations overview (seed §14.1 "Operations"): where each of its screens
stands, loaded in one worker call from the same services those screens use."""

from __future__ import annotations

from dataclasses import dataclass

from app.context import Site
from app.screens.scheduler_screens import orchestrator_screen, runs_screen
from app.services import health


@dataclass(frozen=True)
class OperationsItem:
    key: str  # the navigation key of the screen it summarises
    title: str
    status: str  # health.OK | WARN | FAIL
    text: str  # one line: where it stands


@dataclass(frozen=True)
class OperationsOverview:
    status: str
    items: tuple[OperationsItem, ...]
    checked_at: str


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def load_operations(site: Site) -> OperationsOverview:
    """Runs in a worker. Deploy targets are listed, not asked (Platform Health asks)."""
    now = site.clock.now()
    orchestrator = orchestrator_screen(site, now)
    runs = runs_screen(site, now)
    report = health.report(site, probe_targets=False)
    stale = [lease for lease in orchestrator.leases if lease.state != "live"]
    items = [OperationsItem(
        "orchestrator", "Orchestrator",
        health.WARN if stale else health.OK,
        f"{_plural(len(orchestrator.leases), 'run')} held by an executor"
        + (f", {len(stale)} stale or gone" if stale else "")
        + f"; {_plural(len(orchestrator.queued), 'job')} queued")]
    counts = runs.counts()
    open_letters = [d for d in runs.dead_letters if d.retried_at is None]
    items.append(OperationsItem(
        "scheduler-runs", "Scheduler Runs", health.OK,
        " · ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        or "no scheduled promotions"))
    items.append(OperationsItem(
        "dead-letter", "Dead Letter", health.WARN if open_letters else health.OK,
        f"{_plural(len(open_letters), 'job')} failed for good, to retry or dismiss"
        if open_letters else "no failed jobs"))
    feeds = report.section("feeds")
    feed_problems = [f"{f.source}/{f.ecosystem}: {f.detail}" if f.source else f.detail
                     for f in report.feeds if f.status != health.OK]
    items.append(OperationsItem(
        "feeds-airgap", "Feeds + AirGap Ops", feeds,
        "; ".join(feed_problems[:2]) + ("…" if len(feed_problems) > 2 else "")
        if feed_problems else f"{_plural(len(report.feeds), 'feed')}, all fresh"))
    items.append(OperationsItem(
        "platform-health", "Platform Health", report.status,
        " | ".join(report.problems) if report.problems
        else "feeds fresh, no failed jobs, integrations healthy"))
    return OperationsOverview(health.worst([i.status for i in items]), tuple(items),
                              report.checked_at)
