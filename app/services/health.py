"""Data health (DESIGN §5, seed §14.3): feed freshness, failed jobs, integrations.

- **Feeds**: per source and base ecosystem, the age of the newest snapshot now,
  against the site's thresholds (a site setting; default WARN from 6 h, FAIL
  from 24 h). No snapshot at all is FAIL: the gate cannot decide without one.
- **Jobs**: failed or interrupted steps of runs that have not ended (WARN), the
  scheduler's failed and dead-lettered jobs and broken event chains: the sources
  :func:`job_sources` names.
- **Integrations**: deploy targets, each asked for its health through its
  driver (a target that does not answer is WARN), and the secret providers
  (the site secrets folder must not be writable by others).

The overall status is the worst of them. Probing targets talks to them, so a
report with ``probe_targets`` belongs in a worker, never on the GUI thread.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.context import Site
from app.errors import UsageError
from app.services import feeds, promotions
from app.services.job_issues import JobIssue, JobSource
from app.services.roles import OPERATORS, require_role
from engine.clock import parse_rfc3339, rfc3339
from engine.run.status import RunStatus
from models.tables import Environment, SiteSetting, Target

log = logging.getLogger(__name__)

OK, WARN, FAIL = "OK", "WARN", "FAIL"
_RANK = {OK: 0, WARN: 1, FAIL: 2}
THRESHOLDS_KEY = "health.thresholds"
SECRETS_DIR = "secrets"


def worst(statuses: Sequence[str]) -> str:
    return max(statuses, key=_RANK.__getitem__, default=OK)


@dataclass(frozen=True)
class Thresholds:
    feed_warn_hours: float = 6.0
    feed_fail_hours: float = 24.0

    def __post_init__(self) -> None:
        if not 0 < self.feed_warn_hours < self.feed_fail_hours:
            raise UsageError("feed thresholds need 0 < warn < fail hours "
                             f"(got warn {self.feed_warn_hours:g}, fail {self.feed_fail_hours:g})")

    def status(self, age_hours: float) -> str:
        if age_hours >= self.feed_fail_hours:
            return FAIL
        return WARN if age_hours >= self.feed_warn_hours else OK

    def to_json(self) -> dict[str, float]:
        return {"feed_warn_hours": self.feed_warn_hours, "feed_fail_hours": self.feed_fail_hours}


def thresholds(site: Site) -> Thresholds:
    with site.db.read() as session:
        row = session.get(SiteSetting, THRESHOLDS_KEY)
        value = dict(row.value) if row is not None else {}
    return Thresholds(float(value.get("feed_warn_hours", 6.0)),
                      float(value.get("feed_fail_hours", 24.0)))


def set_thresholds(site: Site, warn_hours: float, fail_hours: float, actor: str) -> Thresholds:
    chosen = Thresholds(float(warn_hours), float(fail_hours))
    with site.db.write() as session:
        require_role(session, actor, OPERATORS, "change the data health thresholds")
        row = session.get(SiteSetting, THRESHOLDS_KEY)
        if row is None:
            row = SiteSetting(key=THRESHOLDS_KEY)
            session.add(row)
        row.value = chosen.to_json()
        row.updated_at = site.now()
        row.updated_by = actor
    return chosen


@dataclass(frozen=True)
class FeedFreshness:
    source: str | None
    ecosystem: str | None
    snapshot: str | None
    digest: str | None
    age_hours: float | None
    status: str
    detail: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class IntegrationHealth:
    kind: str  # deploy-target | secret-provider
    name: str
    status: str
    detail: str
    scope: str = ""  # the environment of a target

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class HealthReport:
    status: str
    checked_at: str
    thresholds: Thresholds
    feeds: tuple[FeedFreshness, ...]
    jobs: tuple[JobIssue, ...]
    integrations: tuple[IntegrationHealth, ...]
    targets_probed: bool = True
    problems: tuple[str, ...] = field(default=())

    @property
    def targets(self) -> tuple[IntegrationHealth, ...]:
        return tuple(i for i in self.integrations if i.kind == "deploy-target")

    def section(self, name: str) -> str:
        items: Sequence[Any] = {"feeds": self.feeds, "jobs": self.jobs,
                                "integrations": self.integrations}[name]
        if name == "jobs":
            return WARN if items else OK
        return worst([i.status for i in items])

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "checked_at": self.checked_at,
                "thresholds": self.thresholds.to_json(),
                "sections": {n: self.section(n) for n in ("feeds", "jobs", "integrations")},
                "feeds": [f.to_json() for f in self.feeds],
                "jobs": [j.to_json() for j in self.jobs],
                "integrations": [i.to_json() for i in self.integrations],
                "targets_probed": self.targets_probed, "problems": list(self.problems)}


# -- feeds -----------------------------------------------------------------------------
def age_text(hours: float) -> str:
    if hours < 1:
        return f"{max(0, int(hours * 60))}m"
    if hours < 48:
        return f"{hours:.0f}h"
    return f"{hours / 24:.0f}d"


def feed_freshness(site: Site, now: datetime, limits: Thresholds) -> list[FeedFreshness]:
    entries = feeds.newest(site)
    if not entries:
        return [FeedFreshness(None, None, None, None, None, FAIL,
                              "no feed snapshot has been imported")]
    rows = []
    for entry in entries:
        age = (now - parse_rfc3339(entry.snapshot)).total_seconds() / 3600.0
        if age < 0:
            status, detail = WARN, "the snapshot is dated after the site clock"
        else:
            status = limits.status(age)
            detail = {OK: f"fresh ({age_text(age)})", WARN: f"stale {age_text(age)}",
                      FAIL: f"stale {age_text(age)}, beyond {limits.feed_fail_hours:g}h"}[status]
        rows.append(FeedFreshness(entry.source, entry.ecosystem, entry.snapshot, entry.digest,
                                  round(age, 2), status, detail))
    return rows


# -- jobs ------------------------------------------------------------------------------
class ActiveRunFailures:
    """Steps that failed or were interrupted in runs that have not ended."""

    name = "runs"

    def failed_jobs(self, site: Site) -> list[JobIssue]:
        issues = []
        stuck = (RunStatus.FAILED, RunStatus.INTERRUPTED)
        for p in promotions.list_promotions(site, statuses=stuck):
            if p.status in stuck:  # chain-broken: BrokenChains says why
                issues.append(JobIssue(self.name, p.id, p.current_title or (p.current_step or ""),
                                       p.status, f"{p.release_name} {p.release_version} → "
                                                 f"{p.to_env}"))
        return sorted(issues, key=lambda j: j.subject)


def job_sources() -> tuple[JobSource, ...]:
    """Every source of failed jobs, named here once: steps of active runs, the scheduler's
    failed and dead-lettered jobs, runs the background chain verifier found broken. The
    sources import :mod:`app.services.job_issues`, never this module, so there is no cycle;
    imported when a report is made (the scheduler is not needed to start the GUI)."""
    from app.services.chain_verifier import BrokenChains
    from app.services.scheduler import SchedulerJobs

    return (ActiveRunFailures(), SchedulerJobs(), BrokenChains())


# -- integrations ----------------------------------------------------------------------
TargetProbe = Callable[[Site], list[IntegrationHealth]]


def _configured_targets(site: Site) -> list[tuple[str, str, str]]:
    with site.db.read() as session:
        rows = session.execute(select(Environment.name, Target.name, Target.driver)
                               .join(Target, Target.environment_id == Environment.id)
                               .order_by(Environment.name, Target.name)).all()
    return [(env, name, driver) for env, name, driver in rows]


def driver_probe(site: Site) -> list[IntegrationHealth]:
    """Each configured target's health, asked through its deploy driver."""
    configured = _configured_targets(site)
    if not configured:
        return []
    try:
        from app.deploy.drivers import DriverSet
        from app.deploy.targets import environment_targets
    except ImportError:
        return [IntegrationHealth("deploy-target", name, WARN, f"{driver} driver: this build "
                                  "cannot ask targets for their health", env)
                for env, name, driver in configured]
    drivers = DriverSet(site)
    out = []
    for env in sorted({env for env, _, _ in configured}):
        for target in environment_targets(site, env):
            try:
                sample = drivers.health(target)
            except Exception as exc:  # a probe must report, not crash the health page
                log.warning("health of %s/%s: %s", env, target.name, exc)
                out.append(IntegrationHealth("deploy-target", target.name, WARN,
                                             f"{target.driver}: {exc}", env))
                continue
            detail = (f"{target.driver}: healthy" + (f", running {sample.version}"
                                                     if sample.version else "")
                      if sample.healthy else f"{target.driver}: {sample.detail or 'unhealthy'}")
            out.append(IntegrationHealth("deploy-target", target.name,
                                         OK if sample.healthy else WARN, detail, env))
    return out


def listed_targets(site: Site) -> list[IntegrationHealth]:
    """Targets without asking them (a quick report)."""
    return [IntegrationHealth("deploy-target", name, OK, f"{driver}: not checked", env)
            for env, name, driver in _configured_targets(site)]


def secret_providers(site: Site) -> list[IntegrationHealth]:
    folder = site.paths.home / SECRETS_DIR
    out = [IntegrationHealth("secret-provider", "environment variables (env:)", OK,
                             "read from the app's process environment")]
    if not folder.exists():
        out.insert(0, IntegrationHealth("secret-provider", "site secrets folder (file:)", OK,
                                        f"not set up ({folder} does not exist)"))
        return out
    try:
        mode = stat.S_IMODE(folder.stat().st_mode)
    except OSError as exc:
        out.insert(0, IntegrationHealth("secret-provider", "site secrets folder (file:)", WARN,
                                        f"cannot read {folder}: {exc.strerror}"))
        return out
    if os.name == "posix" and mode & 0o022:
        status, detail = WARN, f"{folder} is writable by others (mode {mode:04o}): chmod 700"
    else:
        count = sum(1 for p in folder.iterdir() if p.is_file())
        status, detail = OK, f"{folder}: {count} secret file(s)"
    out.insert(0, IntegrationHealth("secret-provider", "site secrets folder (file:)", status,
                                    detail))
    return out


# -- the report ------------------------------------------------------------------------
def report(site: Site, *, probe_targets: bool = True, probe: TargetProbe = driver_probe,
           targets: Sequence[IntegrationHealth] | None = None,
           sources: Sequence[JobSource] | None = None) -> HealthReport:
    """The whole report. ``targets``: rows of an earlier probe to show again instead of
    asking the targets (a screen refreshing feeds and jobs often, targets seldom).
    ``sources``: where failed jobs come from (:func:`job_sources` unless given)."""
    now = site.clock.now()
    limits = thresholds(site)
    feed_rows = feed_freshness(site, now, limits)
    jobs = [issue for source in (job_sources() if sources is None else sources)
            for issue in source.failed_jobs(site)]
    if targets is not None:
        target_rows = list(targets)
    else:
        target_rows = probe(site) if probe_targets else listed_targets(site)
    integrations = target_rows + secret_providers(site)
    problems = _feed_problems(feed_rows)
    if jobs:
        first = jobs[0]
        problems.append(f"{first.subject} {first.job} {first.status}" if len(jobs) == 1
                        else f"{len(jobs)} failed jobs ({', '.join(j.subject for j in jobs[:3])}"
                             f"{'…' if len(jobs) > 3 else ''})")
    problems += _integration_problems(integrations)
    status = worst([f.status for f in feed_rows] + ([WARN] if jobs else [])
                   + [i.status for i in integrations])
    return HealthReport(status, rfc3339(now), limits, tuple(feed_rows), tuple(jobs),
                        tuple(integrations), probe_targets or targets is not None,
                        tuple(problems))


def problem_details(report: HealthReport) -> list[str]:
    """Every non-OK item with its full detail (the short ``problems`` name them only)."""
    lines = [f"{f.source}/{f.ecosystem}: {f.detail}" if f.source else f.detail
             for f in report.feeds if f.status != OK]
    lines += [f"{j.subject} {j.job}: {j.status} ({j.detail})" for j in report.jobs]
    lines += [f"{i.scope + '/' if i.scope else ''}{i.name}: {i.detail}"
              for i in report.integrations if i.status != OK]
    return lines


def _integration_problems(rows: Sequence[IntegrationHealth]) -> list[str]:
    """``eu-prod/eu-prod-02 degraded``; several in one environment: ``eu-prod: 5 targets
    degraded``; a secret provider: ``<name> needs attention``."""
    by_scope: dict[str, list[str]] = {}
    for row in rows:
        if row.status != OK and row.kind == "deploy-target":
            by_scope.setdefault(row.scope, []).append(row.name)
    out = [f"{scope + '/' if scope else ''}{names[0]} degraded" if len(names) == 1
           else f"{scope}: {len(names)} targets degraded"
           for scope, names in sorted(by_scope.items())]
    out += [f"{row.name} needs attention" for row in rows
            if row.status != OK and row.kind != "deploy-target"]
    return out


def _feed_problems(rows: Sequence[FeedFreshness]) -> list[str]:
    """One line per source and age: ``osv stale 7h (npm, PyPI +3)``."""
    grouped: dict[tuple[str | None, str], list[str]] = {}
    for feed in rows:
        if feed.status != OK:
            grouped.setdefault((feed.source, feed.detail), []).append(feed.ecosystem or "")
    out = []
    for (source, detail), ecosystems in grouped.items():
        if source is None:
            out.append(detail)
            continue
        shown = ", ".join(ecosystems[:2]) + (f" +{len(ecosystems) - 2}" if len(ecosystems) > 2
                                             else "")
        out.append(f"{source} {detail} ({shown})")
    return out
