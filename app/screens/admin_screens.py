"""What Approvals, Release Control, Integrations and Security show, loaded in one
call each and handed over as frozen rows.

These screens only read: approving happens in a promotion's run view, changing
environments and targets with ``stella env`` / ``stella target``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from app.context import Site
from app.deploy.config import DeployConfigError
from app.deploy.settings import deploy_config
from app.deploy.targets import environment_targets, known_releases
from app.errors import StellaError
from app.screens.gate_screens import SEVERITY_RANK, FindingRow, detail_of
from app.services import gate, health, setup, site_status, trust
from app.services.promotions import list_promotions, load_run
from engine.clock import rfc3339
from engine.run.stages import APPROVAL, GATE, Workflow, WorkflowError
from engine.run.state import WAITING


# -- Approvals -------------------------------------------------------------------------
@dataclass(frozen=True)
class ApprovalRow:
    promotion_id: str
    release: str  # name version
    release_digest: str
    from_env: str | None
    to_env: str
    requester: str
    gate_outcome: str  # "" when the run has no verdict
    findings: int | None
    approvals: tuple[str, ...]
    required: int
    waiting_since: str | None


def approvals_waiting(site: Site) -> list[ApprovalRow]:
    """Promotions whose approval step waits for a decision, oldest wait first."""
    rows = []
    for summary in list_promotions(site):
        if summary.current_step != APPROVAL or summary.status != WAITING:
            continue
        _, state = load_run(site, summary.id)
        step = state.step(APPROVAL)
        gate_out = state.step(GATE).outputs if GATE in [s.name for s in state.steps] else {}
        findings = gate_out.get("findings")
        rows.append(ApprovalRow(
            summary.id, f"{summary.release_name} {summary.release_version}",
            summary.release_digest, summary.from_env, summary.to_env, summary.requester,
            str(gate_out.get("outcome") or ""), int(findings) if findings is not None else None,
            tuple(state.approvals),
            int(step.waiting_detail.get("required", state.approvals_required) or 1),
            step.started_at))
    return sorted(rows, key=lambda r: (r.waiting_since or "", r.promotion_id))


# -- Release Control -------------------------------------------------------------------
@dataclass(frozen=True)
class StageGate:
    stage: str  # deploy-10, …
    policy: str  # "proceed if 95% healthy for 5m, error rate < 1%"
    detail: str  # plus how it is measured and when it rolls back


@dataclass(frozen=True)
class TargetRow:
    name: str
    driver: str
    release: str | None  # what the site last put on it: "name version"
    release_digest: str | None


@dataclass(frozen=True)
class EnvironmentRow:
    name: str
    workflow: str
    approvals_required: int
    baseline: str
    gates: tuple[StageGate, ...]
    auto_continue: bool
    driver_commands: bool  # command-driver templates configured
    targets: tuple[TargetRow, ...]
    problem: str = ""  # settings stored by an older build that no longer parse


def release_control(site: Site) -> list[EnvironmentRow]:
    out = []
    for env in setup.list_environments(site):
        problem = ""
        try:
            percents = Workflow.parse(env.workflow).percents
        except WorkflowError as exc:
            percents, problem = (), str(exc)
        gates: tuple[StageGate, ...] = ()
        auto, commands = False, False
        try:
            config = deploy_config(site, env.name)
            gates = tuple(StageGate(f"deploy-{p}", config.gate_for(f"deploy-{p}").summary,
                                    config.gate_for(f"deploy-{p}").describe())
                          for p in percents)
            auto, commands = config.auto_continue, config.commands is not None
        except DeployConfigError as exc:
            problem = f"deploy settings do not parse: {exc}"
        known = known_releases(site, env.name)
        targets = tuple(TargetRow(t.name, t.driver,
                                  f"{known[t.name].name} {known[t.name].version}"
                                  if t.name in known else None,
                                  known[t.name].digest if t.name in known else None)
                        for t in environment_targets(site, env.name))
        out.append(EnvironmentRow(env.name, env.workflow, env.approvals_required,
                                  env.baseline or "", gates, auto, commands, targets, problem))
    return out


# -- Integrations ----------------------------------------------------------------------
@dataclass(frozen=True)
class DatabaseInfo:
    url: str  # any password masked
    kind: str  # "SQLite (WAL journal)" or the SQLAlchemy dialect
    status: str
    detail: str


@dataclass(frozen=True)
class LogInfo:
    origin: str
    size: int
    checkpoint_size: int | None
    checkpoint_at: str | None
    status: str
    detail: str


@dataclass(frozen=True)
class IntegrationsScreen:
    checked_at: str
    targets: tuple[health.IntegrationHealth, ...]
    secrets: tuple[health.IntegrationHealth, ...]
    database: DatabaseInfo
    log: LogInfo


def masked_url(url: str) -> str:
    """The database URL without its password (``postgresql://u:***@host/db``)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def _database(site: Site) -> DatabaseInfo:
    url = site.config.db_url
    mode = site_status.sqlite_journal_mode(site)
    if mode is not None:
        status = health.OK if mode.lower() == "wal" else health.WARN
        detail = ("write-ahead log: readers do not block the executor" if status == health.OK
                  else f"journal mode {mode}: readers may block writers")
        return DatabaseInfo(masked_url(url), f"SQLite ({mode.upper()} journal)", status, detail)
    return DatabaseInfo(masked_url(url), urlsplit(url).scheme, health.OK, "connected")


def _log(site: Site) -> LogInfo:
    log = site_status.log_status(site)
    origin, size = log.origin, log.size
    if log.checkpoint_size is None:
        status = health.OK if size == 0 else health.FAIL
        detail = "no entries yet" if size == 0 else f"{size} entries but no signed checkpoint"
        return LogInfo(origin, size, None, None, status, detail)
    if log.checkpoint_size < size:
        status, detail = health.WARN, f"{size - log.checkpoint_size} entries after the last checkpoint"
    else:
        status, detail = health.OK, "every entry is under a signed checkpoint"
    return LogInfo(origin, size, log.checkpoint_size, log.checkpoint_at, status, detail)


def integrations_screen(site: Site, *, probe_targets: bool = True) -> IntegrationsScreen:
    """Asks every deploy target through its driver (slow): call it in a worker."""
    targets = health.driver_probe(site) if probe_targets else health.listed_targets(site)
    return IntegrationsScreen(rfc3339(site.clock.now()), tuple(targets),
                              tuple(health.secret_providers(site)), _database(site), _log(site))


# -- Security --------------------------------------------------------------------------
@dataclass(frozen=True)
class ReleaseFindings:
    release: str  # name version
    release_digest: str
    environment: str
    promotion_id: str
    verdict_id: str
    outcome: str
    evaluated_at: str
    findings: tuple[FindingRow, ...]  # most severe first

    def counts(self) -> dict[str, int]:
        """Open (not VEX-suppressed) findings per severity."""
        return dict(Counter(f.severity for f in self.findings if not f.suppressed))

    @property
    def suppressed(self) -> int:
        return sum(1 for f in self.findings if f.suppressed)


@dataclass(frozen=True)
class UserRow:
    name: str
    role: str
    key_id: str | None


@dataclass(frozen=True)
class TrustRow:
    version: int
    expires: str
    expired: bool
    digest: str
    installed_at: str
    installed_by: str
    method: str
    roles: tuple[tuple[str, int, int], ...]  # role, threshold, keys


@dataclass(frozen=True)
class SecurityScreen:
    releases: tuple[ReleaseFindings, ...]  # newest verdict first
    users: tuple[UserRow, ...]
    trust: TrustRow | None
    trust_problem: str


def _findings(site: Site) -> list[ReleaseFindings]:
    by_promotion = {p.id: p for p in list_promotions(site)}
    latest: dict[tuple[str, str], gate.RecordedVerdict] = {}
    for verdict in gate.verdicts(site):  # in recording order: the last one wins
        promotion = by_promotion.get(verdict.promotion_id)
        if promotion is not None:
            latest[(promotion.release_digest, promotion.to_env)] = verdict
    out = []
    for verdict in sorted(latest.values(), key=lambda v: v.row_id, reverse=True):
        promotion = by_promotion[verdict.promotion_id]
        detail = detail_of(gate.stored_verdict(site, verdict.verdict_id), None, None)
        findings = sorted(detail.findings, key=lambda f: (
            f.suppressed, -SEVERITY_RANK.get(f.severity, -1), f.package, f.id))
        out.append(ReleaseFindings(
            f"{promotion.release_name} {promotion.release_version}", promotion.release_digest,
            promotion.to_env, promotion.id, verdict.verdict_id, verdict.outcome,
            verdict.evaluated_at, tuple(findings)))
    return out


def _trust(site: Site, now: datetime) -> tuple[TrustRow | None, str]:
    try:
        current = trust.in_force(site)
    except StellaError as exc:  # NotFound: none installed yet
        return None, str(exc)
    root = current.root
    roles = tuple((name, role.threshold, len(role.keyids))
                  for name, role in sorted(root.roles.items()))
    return TrustRow(root.version, rfc3339(root.expires), root.expires <= now, root.digest,
                    current.installed_at, current.installed_by, current.method, roles), ""


def security_screen(site: Site) -> SecurityScreen:
    users = tuple(UserRow(u.name, u.role, u.key_id) for u in setup.list_users(site))
    root, problem = _trust(site, site.clock.now())
    return SecurityScreen(tuple(_findings(site)), users, root, problem)
