"""ORM tables. Run events are append-only: no code path updates or deletes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from models.utc import UtcDateTime  # every DateTime column: aware UTC in, aware UTC out


class Base(DeclarativeBase):
    pass


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    site_key_id: Mapped[str] = mapped_column(String(64))
    log_key_id: Mapped[str] = mapped_column(String(64))
    log_origin: Mapped[str] = mapped_column(String(300))


class Environment(Base):
    __tablename__ = "environments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    workflow: Mapped[str] = mapped_column(String(100))
    approvals_required: Mapped[int] = mapped_column(Integer, default=0)
    baseline: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Target(Base):
    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("environment_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    environment_id: Mapped[int] = mapped_column(ForeignKey("environments.id"))
    name: Mapped[str] = mapped_column(String(100))
    driver: Mapped[str] = mapped_column(String(50))
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(30))
    key_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    public_key_pem: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[str | None] = mapped_column(String(40), nullable=True)  # roster time


class Release(Base):
    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(71), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100))
    manifest: Mapped[bytes] = mapped_column(LargeBinary)
    bundle_digest: Mapped[str | None] = mapped_column(String(71), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Promotion(Base):
    __tablename__ = "promotions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"))
    from_env: Mapped[str | None] = mapped_column(String(100), nullable=True)
    to_env: Mapped[str] = mapped_column(String(100))
    requester: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RunEvent(Base):
    """One event of a run. ``(promotion_id, seq)`` is the key, so two writers that
    both read the same head can never both append: the database refuses the second."""

    __tablename__ = "run_events"
    __table_args__ = (UniqueConstraint("promotion_id", "prev_hash"),)

    promotion_id: Mapped[str] = mapped_column(ForeignKey("promotions.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(40))
    hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class RunSummary(Base):
    """What lists show of a run, written in the transaction of each append
    (models/run_summary.py), so a list never folds every event of every run. The
    ``verified_*`` columns are the background chain verifier's, not the append's."""

    __tablename__ = "run_summaries"

    promotion_id: Mapped[str] = mapped_column(ForeignKey("promotions.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(30), index=True)
    current_step: Mapped[str | None] = mapped_column(String(60), nullable=True)
    current_title: Mapped[str] = mapped_column(String(120), default="")
    head: Mapped[str] = mapped_column(String(64))
    event_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))
    ended_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    problem: Mapped[str | None] = mapped_column(Text, nullable=True)
    verified_count: Mapped[int] = mapped_column(Integer, default=0)
    verified_head: Mapped[str] = mapped_column(String(64), default="")
    verified_at: Mapped[str | None] = mapped_column(String(40), nullable=True)


class StepLog(Base):
    __tablename__ = "step_logs"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    promotion_id: Mapped[str] = mapped_column(ForeignKey("promotions.id"), index=True)
    step: Mapped[str] = mapped_column(String(60))
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[str] = mapped_column(String(40))
    line: Mapped[str] = mapped_column(Text)


class RunLease(Base):
    """Who is executing a run now. Operational, not part of the narrative."""

    __tablename__ = "run_leases"

    promotion_id: Mapped[str] = mapped_column(ForeignKey("promotions.id"), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EvidenceItem(Base):
    """One evidence envelope, stored as the exact canonical bytes that were logged.
    ``log_index`` is its leaf in the site transparency log."""

    __tablename__ = "evidence_items"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    promotion_id: Mapped[str] = mapped_column(ForeignKey("promotions.id"), index=True)
    step: Mapped[str] = mapped_column(String(60))
    attempt: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    predicate_type: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(71), index=True)
    envelope: Mapped[bytes] = mapped_column(LargeBinary)
    log_index: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[str] = mapped_column(String(40))


class TlogNode(Base):
    """A complete-subtree hash of the site log (see engine/tlog/store.py)."""

    __tablename__ = "tlog_nodes"

    key: Mapped[bytes] = mapped_column(LargeBinary(9), primary_key=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class TlogCheckpoint(Base):
    """Every signed checkpoint the site log key produced, by tree size."""

    __tablename__ = "tlog_checkpoints"

    size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))


class TrustRootRecord(Base):
    """Every trust root the site has accepted, by version (the highest is in force)."""

    __tablename__ = "trust_roots"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(71), unique=True)
    envelope: Mapped[bytes] = mapped_column(LargeBinary)
    expires: Mapped[str] = mapped_column(String(40))
    installed_at: Mapped[str] = mapped_column(String(40))
    installed_by: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(30))  # trust-on-first-use | rotation


class EnvironmentSettings(Base):
    """Deploy settings of one environment (health gates per stage, command templates,
    auto-continue), validated by ``app.deploy.config`` before they are stored."""

    __tablename__ = "environment_settings"

    environment_id: Mapped[int] = mapped_column(ForeignKey("environments.id"), primary_key=True)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(100))


class TargetRelease(Base):
    """The release this site last put on a target (by a deploy or a rollback): where a
    rollback returns a target whose driver cannot say what it ran before."""

    __tablename__ = "target_releases"

    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), primary_key=True)
    release_name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(71))
    promotion_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    step: Mapped[str | None] = mapped_column(String(60), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FeedSnapshot(Base):
    """One imported feed-snapshot bundle, kept by its bundle digest for as long as the site
    lives: a verdict names the snapshots it used, and a replay loads them by digest."""

    __tablename__ = "feed_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(71), unique=True)
    source: Mapped[str] = mapped_column(String(100))
    snapshot: Mapped[str] = mapped_column(String(40))  # RFC 3339 UTC: when the data was taken
    ecosystems: Mapped[list] = mapped_column(JSON, default=list)  # as feed.json declares them
    records: Mapped[int] = mapped_column(Integer)
    feed_json: Mapped[bytes] = mapped_column(LargeBinary)
    imported_at: Mapped[str] = mapped_column(String(40))


class FeedCoverage(Base):
    """The base ecosystems a snapshot covers: freshness is tracked per source and ecosystem."""

    __tablename__ = "feed_coverage"

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("feed_snapshots.id"), primary_key=True)
    ecosystem: Mapped[str] = mapped_column(String(60), primary_key=True)


class Advisory(Base):
    """One OSV record's exact bytes, by their SHA-256: snapshots share unchanged records."""

    __tablename__ = "advisories"

    digest: Mapped[str] = mapped_column(String(71), primary_key=True)
    osv_id: Mapped[str] = mapped_column(String(200), index=True)
    modified: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class FeedAdvisory(Base):
    """Which records a snapshot holds, and under which member path."""

    __tablename__ = "feed_advisories"

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("feed_snapshots.id"), primary_key=True)
    advisory_digest: Mapped[str] = mapped_column(ForeignKey("advisories.digest"),
                                                 primary_key=True)
    path: Mapped[str] = mapped_column(String(500))


class AdvisoryPackage(Base):
    """The packages a record names, as ``(base ecosystem, normalised name)`` — the key
    matching looks up; the primary key's column order makes it the lookup index."""

    __tablename__ = "advisory_packages"

    ecosystem: Mapped[str] = mapped_column(String(60), primary_key=True)
    name_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    advisory_digest: Mapped[str] = mapped_column(ForeignKey("advisories.digest"),
                                                 primary_key=True)


class GatePolicy(Base):
    """Every imported gate policy, by its policy digest; the newest import is in force."""

    __tablename__ = "gate_policies"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(71), unique=True)
    bundle_digest: Mapped[str | None] = mapped_column(String(71), nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100))
    document: Mapped[bytes] = mapped_column(LargeBinary)  # policy.json as signed
    imported_at: Mapped[str] = mapped_column(String(40))


class GateVerdict(Base):
    """A recorded gate verdict: the full verdict document, and what a replay needs that the
    sealed inputs hold only as digests (baseline and runtime observations, an override)."""

    __tablename__ = "gate_verdicts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    verdict_id: Mapped[str] = mapped_column(String(40), index=True)
    promotion_id: Mapped[str] = mapped_column(ForeignKey("promotions.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    decision_digest: Mapped[str] = mapped_column(String(71))
    outcome: Mapped[str] = mapped_column(String(30))
    evaluated_at: Mapped[str] = mapped_column(String(40))
    policy_digest: Mapped[str] = mapped_column(String(71))
    base_policy_digest: Mapped[str] = mapped_column(String(71))
    document: Mapped[bytes] = mapped_column(LargeBinary)  # RFC 8785 verdict document
    replay: Mapped[bytes] = mapped_column(LargeBinary)  # RFC 8785 replay material
    evidence_digest: Mapped[str | None] = mapped_column(String(71), nullable=True)
    created_at: Mapped[str] = mapped_column(String(40))


class ReplayRequest(Base):
    """One replay of a recorded verdict: who asked, why, and whether the digests matched."""

    __tablename__ = "replay_requests"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(20), unique=True)
    verdict_row_id: Mapped[int] = mapped_column(ForeignKey("gate_verdicts.id"), index=True)
    verdict_id: Mapped[str] = mapped_column(String(40))
    promotion_id: Mapped[str] = mapped_column(String(40), index=True)
    requested_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # running | completed | failed
    requested_at: Mapped[str] = mapped_column(String(40))
    finished_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    result: Mapped[str | None] = mapped_column(String(20), nullable=True)  # match | mismatch
    replayed_digest: Mapped[str | None] = mapped_column(String(71), nullable=True)
    diff: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class SiteSetting(Base):
    """Typed site settings (validated by the service that owns each key), e.g. the data
    health thresholds."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[str] = mapped_column(String(40))
    updated_by: Mapped[str] = mapped_column(String(100))


class Bundle(Base):
    """Every imported bundle; its verified files live in store/bundles/<digest hex>/."""

    __tablename__ = "bundles"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    manifest_digest: Mapped[str] = mapped_column(String(71), unique=True)
    signer_keyids: Mapped[list] = mapped_column(JSON)
    label: Mapped[str] = mapped_column(String(200), default="")
    created: Mapped[str] = mapped_column(String(40))
    expires: Mapped[str] = mapped_column(String(40))
    archive_size: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[str] = mapped_column(String(40))
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    overridden_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    report: Mapped[dict] = mapped_column(JSON)


class Schedule(Base):
    """A scheduled job: run a promotion (whole, or until a stage) inside a window, once
    its preconditions hold. ``window_start`` is the current slot; an operator's retry of
    a dead-lettered job moves it to a new one."""

    __tablename__ = "schedules"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    promotion_id: Mapped[str] = mapped_column(ForeignKey("promotions.id"), index=True)
    until_step: Mapped[str | None] = mapped_column(String(60), nullable=True)
    window_start: Mapped[str] = mapped_column(String(40))
    window_seconds: Mapped[int] = mapped_column(Integer)
    preconditions: Mapped[list] = mapped_column(JSON, default=list)
    max_failures: Mapped[int] = mapped_column(Integer)
    backoff_seconds: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    not_before: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[str] = mapped_column(String(40))
    cancelled_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class ScheduleAttempt(Base):
    """One attempt of a slot: waiting (why), running, succeeded or failed (why). The
    ``(schedule, slot, number)`` key is the claim: two ticks that read the same slot
    at once cannot both insert its next attempt, so they never both run it."""

    __tablename__ = "schedule_attempts"
    __table_args__ = (UniqueConstraint("schedule_id", "slot", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    schedule_id: Mapped[str] = mapped_column(ForeignKey("schedules.id"), index=True)
    slot: Mapped[str] = mapped_column(String(40))  # the window start
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # waiting | running | succeeded | failed
    started_at: Mapped[str] = mapped_column(String(40))
    checked_at: Mapped[str] = mapped_column(String(40))  # the latest tick that saw it
    checks: Mapped[int] = mapped_column(Integer, default=1)  # ticks coalesced into a wait
    finished_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    owner: Mapped[str] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    diagnostics: Mapped[list] = mapped_column(JSON, default=list)
    run_status: Mapped[str | None] = mapped_column(String(30), nullable=True)


class ScheduleDeadLetter(Base):
    """A job that failed for good, with why; an operator's retry (with a reason) is
    recorded on the same row and gives the job a new slot."""

    __tablename__ = "schedule_dead_letters"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    schedule_id: Mapped[str] = mapped_column(ForeignKey("schedules.id"), index=True)
    slot: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[str] = mapped_column(String(40))
    retried_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    retried_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    retry_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    retry_slot: Mapped[str | None] = mapped_column(String(40), nullable=True)


class RosterRecordRow(Base):
    """One record of the site roster (engine/roster): admin-signed DSSE envelope bytes,
    hash-chained; users, environments and targets rows are its projection."""

    __tablename__ = "roster_records"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[str] = mapped_column(String(40))
    by: Mapped[str] = mapped_column(String(100))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
