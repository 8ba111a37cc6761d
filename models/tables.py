"""ORM tables. Run events are append-only: no code path updates or deletes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Target(Base):
    __tablename__ = "targets"
    __table_args__ = (UniqueConstraint("environment_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    environment_id: Mapped[int] = mapped_column(ForeignKey("environments.id"))
    name: Mapped[str] = mapped_column(String(100))
    driver: Mapped[str] = mapped_column(String(50))
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(30))
    key_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    public_key_pem: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Release(Base):
    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(71), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100))
    manifest: Mapped[bytes] = mapped_column(LargeBinary)
    bundle_digest: Mapped[str | None] = mapped_column(String(71), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Promotion(Base):
    __tablename__ = "promotions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"))
    from_env: Mapped[str | None] = mapped_column(String(100), nullable=True)
    to_env: Mapped[str] = mapped_column(String(100))
    requester: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


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
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


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
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
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
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
