"""The analysis of one canary stage: samples in, a decision out, every value kept.

The contract, in order:

1. The first :meth:`CanaryAnalysis.observe` is the **baseline**: counters are
   recorded, nothing is judged, the window starts.
2. Every later observation is one **measurement** of the interval since the
   previous one, judged by the gate (successful / failed / inconclusive).
3. The decision after each observation:

   - ``breached`` as soon as failed measurements exceed ``failure_limit`` — the
     caller rolls back;
   - ``inconclusive`` as soon as inconclusive measurements exceed
     ``inconclusive_limit`` — the caller pauses for an operator, as Argo does;
   - ``passed`` once the judged measurements cover the window (at least
     ``window_seconds`` of observed time and ``required_measurements``
     measurements) within those limits;
   - otherwise ``measuring``, with the progress over the window.

   ``breached``, ``inconclusive`` and ``passed`` are final.
4. An observation more than ``gate.gap_seconds`` after the previous one (the
   run was paused, the app was closed) does not count: it becomes a new baseline
   and the unobserved time adds nothing to the window.

Refused, each with :class:`AnalysisStateError` and its ``rule``: observing after a
final decision (``finished``); an observation not later than the previous one
(``time-order``); an observation with no targets (``no-targets``); the same target
twice in one observation (``duplicate-target``).

Time comes from the injected clock; nothing here sleeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from engine.canary.errors import AnalysisStateError
from engine.canary.gate import HealthGate, duration
from engine.canary.health import HealthSample
from engine.canary.measure import Measurement, measure
from engine.clock import Clock, rfc3339

Status = Literal["measuring", "passed", "breached", "inconclusive"]
Cause = Literal["", "failures", "inconclusive", "errors", "window"]  # what decided
FINAL: frozenset[str] = frozenset({"passed", "breached", "inconclusive"})
_EPSILON = 1e-6
# re-baselines in a row that end the analysis: observations that always come more than
# the gap apart (sampling slower than the gap allows) would otherwise measure for ever
STALL_LIMIT = 3


class Measured(Protocol):
    """What a decision keeps of its last measurement, whoever measured (targets or a provider)."""

    @property
    def at(self) -> datetime: ...

    @property
    def breaches(self) -> tuple[str, ...]: ...

    @property
    def notes(self) -> tuple[str, ...]: ...

    def to_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Decision:
    """Where the analysis stands, and why, in words an operator can act on."""

    status: Status
    reason: str
    observed_seconds: float
    window_seconds: float
    measurements: int
    required_measurements: int
    failures: int
    failure_limit: int
    inconclusives: int
    inconclusive_limit: int
    last: Measured | None

    @property
    def final(self) -> bool:
        return self.status in FINAL

    @property
    def rollback(self) -> bool:
        """True when the gate asks for an automatic rollback."""
        return self.status == "breached"

    @property
    def progress(self) -> float:
        """0.0 … 1.0 of the window; 1.0 only once passed."""
        if self.status == "passed":
            return 1.0
        by_time = self.observed_seconds / self.window_seconds
        by_count = self.measurements / self.required_measurements
        return max(0.0, min(by_time, by_count, 0.999))

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "observedSeconds": self.observed_seconds,
            "windowSeconds": self.window_seconds,
            "progress": self.progress,
            "measurements": self.measurements,
            "requiredMeasurements": self.required_measurements,
            "failures": self.failures,
            "failureLimit": self.failure_limit,
            "inconclusives": self.inconclusives,
            "inconclusiveLimit": self.inconclusive_limit,
            "lastAt": None if self.last is None else rfc3339(self.last.at),
        }


class CanaryAnalysis:
    """Consumes fleet observations for one stage; see the module docstring for the order."""

    def __init__(self, gate: HealthGate, clock: Clock) -> None:
        self._gate = gate
        self._clock = clock
        self._records: list[Measurement] = []
        self._previous: dict[str, HealthSample] | None = None
        self._previous_at: datetime | None = None
        self._started_at: datetime | None = None
        self._observed = 0.0
        self._judged = self._failures = self._inconclusives = 0
        self._stalls = 0  # re-baselines in a row
        self._decision = self._decide(None)

    @property
    def gate(self) -> HealthGate:
        return self._gate

    @property
    def decision(self) -> Decision:
        return self._decision

    @property
    def measurements(self) -> tuple[Measurement, ...]:
        """Every record so far, baselines included, oldest first."""
        return tuple(self._records)

    @property
    def started_at(self) -> datetime | None:
        return self._started_at

    def observe(self, samples: Sequence[HealthSample]) -> Decision:
        """Take one observation of every target in scope; return the new decision."""
        if self._decision.final:
            raise AnalysisStateError(
                f"the analysis already {self._decision.status}; start a new one to measure again",
                rule="finished",
            )
        if not samples:
            raise AnalysisStateError("an observation needs at least one target", rule="no-targets")
        names = [s.target for s in samples]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise AnalysisStateError(
                f"target {twice[0]!r} appears twice in one observation", rule="duplicate-target"
            )
        now = self._clock.now()
        if self._previous_at is not None and now <= self._previous_at:
            raise AnalysisStateError(
                f"observation at {rfc3339(now)} is not after the previous one at "
                f"{rfc3339(self._previous_at)}",
                rule="time-order",
            )
        index = len(self._records)
        if self._previous is None or self._previous_at is None:
            record = measure(index=index, at=now, seconds=0.0, previous=None, current=samples, gate=self._gate)
            self._started_at = now
        else:
            seconds = (now - self._previous_at).total_seconds()
            if seconds > self._gate.gap_seconds + _EPSILON:
                note = (
                    f"re-baselined: {duration(seconds)} since the previous observation "
                    f"exceeds the {duration(self._gate.gap_seconds)} gap allowed"
                )
                record = measure(
                    index=index, at=now, seconds=seconds, previous=None, current=samples,
                    gate=self._gate, note=note,
                )
                self._stalls += 1
            else:
                record = measure(
                    index=index, at=now, seconds=seconds, previous=self._previous,
                    current=samples, gate=self._gate,
                )
                self._observed += seconds
                self._judged += 1
                self._stalls = 0
                self._failures += record.phase == "failed"
                self._inconclusives += record.phase == "inconclusive"
        self._records.append(record)
        self._previous = {s.target: s for s in samples}
        self._previous_at = now
        self._decision = self._decide(record)
        return self._decision

    def _decide(self, last: Measurement | None) -> Decision:
        status, _, reason = window_verdict(self._gate, failures=self._failures,
                                           inconclusives=self._inconclusives, observed=self._observed,
                                           judged=self._judged, last=last)
        gate = self._gate
        if status == "measuring" and self._stalls >= STALL_LIMIT:
            status = "inconclusive"
            reason = (f"inconclusive: {self._stalls} observations in a row came more than "
                      f"{duration(gate.gap_seconds)} apart, so none could be judged — sampling the "
                      "targets takes longer than the gate's max_gap_seconds allows; raise it (or the "
                      "interval), an operator decides")
        return Decision(
            status=status,
            reason=reason,
            observed_seconds=self._observed,
            window_seconds=gate.window_seconds,
            measurements=self._judged,
            required_measurements=gate.required_measurements,
            failures=self._failures,
            failure_limit=gate.failure_limit,
            inconclusives=self._inconclusives,
            inconclusive_limit=gate.inconclusive_limit,
            last=last,
        )

    def to_json(self) -> dict[str, object]:
        """The whole analysis as evidence: policy, decision and every measurement."""
        return {
            "policy": self._gate.summary,
            "gate": self._gate.to_dict(),
            "startedAt": None if self._started_at is None else rfc3339(self._started_at),
            "decision": self._decision.to_json(),
            "measurements": [m.to_json() for m in self._records],
        }


def window_verdict(gate: HealthGate, *, failures: int, inconclusives: int, observed: float, judged: int,
                   last: Measured | None) -> tuple[Status, Cause, str]:
    """``(status, cause, reason)`` by the gate's rule over the judged measurements, for every
    analysis (the targets' own or a metrics provider's): failures past the limit roll back,
    inconclusives past theirs ask an operator, a covered window passes, else measuring."""
    if failures > gate.failure_limit:
        why = "; ".join(last.breaches) if last and last.breaches else "limits breached"
        return "breached", "failures", (f"roll back: {failures} failed measurement(s), more than the "
                                        f"{gate.failure_limit} tolerated — {why}")
    if inconclusives > gate.inconclusive_limit:
        why = "; ".join(last.notes) if last and last.notes else "not measurable"
        return "inconclusive", "inconclusive", (
            f"inconclusive: {inconclusives} measurement(s) could not be judged, more than "
            f"the {gate.inconclusive_limit} tolerated — {why}; an operator decides")
    if observed + _EPSILON >= gate.window_seconds and judged >= gate.required_measurements:
        return "passed", "window", (f"criteria held for {duration(observed)}: {judged} measurements, "
                                    f"{failures} failed (limit {gate.failure_limit})")
    return "measuring", "", (f"measuring: {duration(observed) if observed else '0s'} of "
                             f"{duration(gate.window_seconds)} observed, {judged} of "
                             f"{gate.required_measurements} measurements, {failures} failed "
                             f"(limit {gate.failure_limit})")
