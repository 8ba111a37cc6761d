"""Preconditions of a scheduled job, judged from plain facts gathered by the caller.

Three kinds, each **blocking** (the job waits, and the attempt says why) or
**warn-only** (the job runs and the attempt records the warning):

- ``feeds-fresh<1h`` — the newest snapshot of every feed source and ecosystem
  was taken less than the threshold before now. No snapshot at all fails.
- ``sbom-rescans-complete`` — the release's SBOM findings are current: the
  promotion's recorded gate verdict (if any) used the newest snapshot of every
  feed it read and the policy in force, and no replay of its verdicts is still
  running. A promotion without a verdict yet holds: its gate scans against the
  newest data inside the run itself.
- ``integrations-healthy`` — every deploy target of the target environment
  answers healthy and the secret providers are usable.

Facts the caller could not gather are passed as ``problems`` and fail their
precondition with that text, never silently pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from engine.schedule.errors import DurationInvalid, PreconditionInvalid
from engine.schedule.window import duration_text, parse_duration

FEEDS_FRESH = "feeds-fresh"
SBOM_RESCANS = "sbom-rescans-complete"
INTEGRATIONS = "integrations-healthy"
KINDS = (FEEDS_FRESH, SBOM_RESCANS, INTEGRATIONS)
DEFAULT_FEED_AGE = timedelta(hours=1)

HELD = "held"
BLOCKED = "blocked"
WARNING = "warning"

_SPEC = re.compile(r"^([a-z-]+)(?:<(.+))?$")
_LABELS = {FEEDS_FRESH: "Feeds fresh", SBOM_RESCANS: "SBOM rescans complete",
           INTEGRATIONS: "Integrations healthy"}
_SHOWN = 3


@dataclass(frozen=True)
class Precondition:
    kind: str
    blocking: bool = True
    max_age: timedelta | None = None  # feeds-fresh only

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise PreconditionInvalid(f"unknown kind; use one of {', '.join(KINDS)}",
                                      spec=self.kind)
        if self.kind == FEEDS_FRESH:
            if self.max_age is None:
                object.__setattr__(self, "max_age", DEFAULT_FEED_AGE)
            elif self.max_age <= timedelta(0):
                raise PreconditionInvalid("the age limit must be positive", spec=self.spec)
        elif self.max_age is not None:
            raise PreconditionInvalid("only feeds-fresh takes a limit (<1h)", spec=self.spec)

    @classmethod
    def parse(cls, spec: str, *, blocking: bool = True) -> Precondition:
        """``feeds-fresh<1h``, ``feeds-fresh`` (1h), ``sbom-rescans-complete``,
        ``integrations-healthy``."""
        cleaned = (spec or "").strip().lower().replace(" ", "")
        match = _SPEC.match(cleaned)
        if match is None or match.group(1) not in KINDS:
            raise PreconditionInvalid(f"unknown; use one of {', '.join(KINDS)} "
                                      "(feeds-fresh takes a limit: feeds-fresh<1h)", spec=spec)
        kind, limit = match.groups()
        if limit is None:
            return cls(kind, blocking)
        if kind != FEEDS_FRESH:
            raise PreconditionInvalid("only feeds-fresh takes a limit (<1h)", spec=spec)
        try:
            return cls(kind, blocking, parse_duration(limit, field="feed age limit"))
        except DurationInvalid as exc:
            raise PreconditionInvalid(exc.message, spec=spec) from None

    @property
    def spec(self) -> str:
        if self.kind == FEEDS_FRESH and self.max_age is not None:
            return f"{self.kind}<{duration_text(self.max_age)}"
        return self.kind

    @property
    def label(self) -> str:
        label = _LABELS[self.kind]
        if self.kind == FEEDS_FRESH and self.max_age is not None:
            label += f" (< {duration_text(self.max_age)})"
        return label + ("" if self.blocking else " — warn only")

    def to_json(self) -> dict[str, Any]:
        return {"spec": self.spec, "blocking": self.blocking}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Precondition:
        if not isinstance(value, Mapping) or not isinstance(value.get("spec"), str):
            raise PreconditionInvalid("a stored precondition needs a spec", spec=str(value))
        return cls.parse(value["spec"], blocking=bool(value.get("blocking", True)))


# -- facts -----------------------------------------------------------------------------
@dataclass(frozen=True)
class FeedFact:
    """The newest snapshot of one feed source for one ecosystem."""

    source: str
    ecosystem: str
    taken_at: datetime


@dataclass(frozen=True)
class RescanFact:
    verdict_at: str | None  # when the promotion's latest gate verdict was evaluated
    newer_data: tuple[str, ...] = ()  # snapshots or policy newer than that verdict
    running: tuple[str, ...] = ()  # replay requests of its verdicts still running


@dataclass(frozen=True)
class IntegrationFact:
    name: str
    healthy: bool
    detail: str


@dataclass(frozen=True)
class Facts:
    feeds: tuple[FeedFact, ...] = ()
    rescans: RescanFact | None = None
    integrations: tuple[IntegrationFact, ...] = ()
    # kind -> why its facts could not be gathered
    problems: Mapping[str, str] = field(default_factory=dict)


# -- evaluation ------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    precondition: Precondition
    held: bool
    text: str

    @property
    def outcome(self) -> str:
        if self.held:
            return HELD
        return BLOCKED if self.precondition.blocking else WARNING

    @property
    def line(self) -> str:
        prefix = {HELD: "held", BLOCKED: "blocked",
                  WARNING: "warning (warn-only)"}[self.outcome]
        return f"{prefix}: {self.precondition.spec} — {self.text}"


@dataclass(frozen=True)
class Evaluation:
    checks: tuple[Check, ...]

    @property
    def blocked(self) -> bool:
        return any(c.outcome == BLOCKED for c in self.checks)

    @property
    def warnings(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.outcome == WARNING)

    @property
    def blockers(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.outcome == BLOCKED)

    def lines(self) -> tuple[str, ...]:
        """Blockers first, then warnings, then what held: why it waited comes first."""
        order = {BLOCKED: 0, WARNING: 1, HELD: 2}
        return tuple(c.line for c in sorted(self.checks, key=lambda c: order[c.outcome]))


def evaluate(preconditions: Sequence[Precondition], facts: Facts, now: datetime) -> Evaluation:
    checks = []
    for precondition in preconditions:
        problem = facts.problems.get(precondition.kind)
        if problem:
            checks.append(Check(precondition, False, f"could not be checked: {problem}"))
        elif precondition.kind == FEEDS_FRESH:
            checks.append(_feeds(precondition, facts.feeds, now))
        elif precondition.kind == SBOM_RESCANS:
            checks.append(_rescans(precondition, facts.rescans))
        else:
            checks.append(_integrations(precondition, facts.integrations))
    return Evaluation(tuple(checks))


def _some(items: Iterable[str]) -> str:
    items = list(items)
    shown = ", ".join(items[:_SHOWN])
    return shown + (f" +{len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def _age(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return "under a minute"
    return duration_text(timedelta(seconds=seconds - seconds % 60))


def _feeds(precondition: Precondition, feeds: Sequence[FeedFact], now: datetime) -> Check:
    limit = precondition.max_age or DEFAULT_FEED_AGE
    if not feeds:
        return Check(precondition, False, "no feed snapshot has been imported")
    ages = sorted(((now - f.taken_at, f) for f in feeds), key=lambda pair: (-pair[0], pair[1].source,
                                                                           pair[1].ecosystem))
    stale = [(age, f) for age, f in ages if age >= limit]
    if stale:
        return Check(precondition, False, "stale: " + _some(
            f"{f.source}/{f.ecosystem} {_age(age)} old" for age, f in stale)
            + f" (limit {duration_text(limit)})")
    oldest, _ = ages[0]
    return Check(precondition, True, f"{len(feeds)} feed(s) fresh, the oldest {_age(oldest)} "
                                     f"old (limit {duration_text(limit)})")


def _rescans(precondition: Precondition, fact: RescanFact | None) -> Check:
    if fact is None:
        return Check(precondition, False, "could not be checked: no rescan facts gathered")
    if fact.running:
        return Check(precondition, False, "still running: " + _some(fact.running))
    if fact.verdict_at is None:
        return Check(precondition, True, "no gate verdict yet: the run's gate scans the SBOMs "
                                         "against the newest feeds")
    if fact.newer_data:
        return Check(precondition, False, f"newer than the gate verdict of {fact.verdict_at}: "
                                          + _some(fact.newer_data)
                                          + "; the findings have not been rescanned")
    return Check(precondition, True, f"the gate verdict of {fact.verdict_at} used the newest "
                                     "feeds and policy")


def _integrations(precondition: Precondition, facts: Sequence[IntegrationFact]) -> Check:
    unhealthy = [f for f in facts if not f.healthy]
    if unhealthy:
        return Check(precondition, False, "unhealthy: " + _some(
            f"{f.name} ({f.detail})" for f in unhealthy))
    if not facts:
        return Check(precondition, True, "no integrations configured")
    return Check(precondition, True, f"{len(facts)} integration(s) healthy")
