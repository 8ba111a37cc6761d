"""Re-evaluate a recorded verdict from its sealed inputs: the one code path shared by a
site's replay and the offline verifier of exported auditor bundles (DESIGN §5, §7).

A recorded verdict keeps, beside its document, the *replay material*
(``stellaops.gate-replay/v1``): the release digest, the environment, the
evaluation time, the SBOM and VEX files by path and digest, the feed snapshots,
the imported policy's digest, the stale-feeds override that applied (if any),
the baseline's content and the runtime observations. A site rebuilds the parsed
inputs from its store; an auditor from the files an export ships. Both then come
here: :meth:`SealedGate.from_replay` turns the replay material plus the parsed
documents into the exact values the gate evaluated, and :func:`reevaluate` runs
the gate on them, so a site replay and an offline check cannot drift apart.

The stale-feeds override is part of that: the policy a verdict names is the
imported policy with ``feeds-fresh`` lowered to ``warn`` and the override record
under :data:`OVERRIDE_EXTENSION` (:func:`apply_stale_feeds_override`), so the
derived policy, and with it the decision digest, is rebuilt from the imported
policy and the override record alone.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from engine.clock import parse_rfc3339
from engine.policy.errors import GateInputError
from engine.policy.gate import GateResult, run_gate
from engine.policy.inputs import Baseline, FeedSnapshot, Release
from engine.policy.model import BUILTIN_FEEDS_FRESH, FEEDS_FRESH, Policy
from engine.vuln.index import AdvisoryIndex
from engine.vuln.sbom import CycloneDxSbom
from engine.vuln.vex import VexDocument

REPLAY_SCHEMA = "stellaops.gate-replay/v1"
OVERRIDE_EXTENSION = "stellaopsOverride"
_OVERRIDE_TEXT = ("approver", "reason", "at", "event", "verdict_id")


# -- the stale-feeds override ------------------------------------------------------------
def override_record(obj: Any) -> dict[str, Any]:
    """The canonical form of a stale-feeds override record (what a verdict's replay
    material keeps): ``rule``, ``approver``, ``reason``, ``at``, ``event``,
    ``verdict_id``, ``feeds`` (snapshot digests) and ``evidence`` (or null)."""
    if not isinstance(obj, Mapping):
        raise GateInputError("must be an object", field="override")
    for key in _OVERRIDE_TEXT:
        if not isinstance(obj.get(key), str):
            raise GateInputError("must be a string", field=f"override.{key}")
    feeds = obj.get("feeds")
    if not isinstance(feeds, list | tuple) or not all(isinstance(f, str) for f in feeds):
        raise GateInputError("must be a list of snapshot digests", field="override.feeds")
    evidence = obj.get("evidence")
    if evidence is not None and not isinstance(evidence, str):
        raise GateInputError("must be a string or null", field="override.evidence")
    return {"rule": FEEDS_FRESH, "approver": obj["approver"], "reason": obj["reason"],
            "at": obj["at"], "event": obj["event"], "verdict_id": obj["verdict_id"],
            "feeds": list(feeds), "evidence": evidence}


def override_message(record: Mapping[str, Any]) -> str:
    """The message ``feeds-fresh`` carries once an approver overrode it."""
    return (f"OVERRIDDEN by {record['approver']} at {record['at']}: stale feed data "
            f"accepted — {record['reason']}")


def apply_stale_feeds_override(policy: Policy, record: Mapping[str, Any]) -> Policy:
    """``policy`` with ``feeds-fresh`` lowered to ``warn``, its message naming the
    approver, time and reason, and the override under :data:`OVERRIDE_EXTENSION`
    (with the imported policy's digest), so the derived policy has its own digest."""
    override = override_record(record)
    message = override_message(override)
    doc = copy.deepcopy(dict(policy.document))
    rules = list(doc.get("rules") or [])
    for i, rule in enumerate(rules):
        if isinstance(rule, dict) and rule.get("id") == FEEDS_FRESH:
            rules[i] = {**rule, "action": "warn", "message": message}
            break
    else:
        rules.insert(0, {**BUILTIN_FEEDS_FRESH.to_json(), "action": "warn", "message": message})
    doc["rules"] = rules
    doc[OVERRIDE_EXTENSION] = {**override, "basePolicy": policy.digest}
    return Policy.from_json(doc)


# -- re-evaluation -----------------------------------------------------------------------
class SealedInputs(Protocol):
    """What the gate evaluates, parsed (a site's ``GateMaterial`` or a :class:`SealedGate`)."""

    @property
    def release(self) -> Release: ...
    @property
    def environment(self) -> str: ...
    @property
    def evaluated_at(self) -> datetime: ...
    @property
    def sboms(self) -> Sequence[CycloneDxSbom]: ...
    @property
    def vex(self) -> Sequence[VexDocument]: ...
    @property
    def feeds(self) -> Sequence[FeedSnapshot]: ...
    @property
    def index(self) -> AdvisoryIndex: ...
    @property
    def policy(self) -> Policy: ...
    @property
    def baseline(self) -> Baseline | None: ...
    @property
    def observed(self) -> frozenset[str] | None: ...


def reevaluate(inputs: SealedInputs) -> GateResult:
    """Run the gate on sealed inputs (the recorded evaluation time, never the clock)."""
    return run_gate(inputs.policy, inputs.index, release=inputs.release,
                    environment=inputs.environment, evaluated_at=inputs.evaluated_at,
                    sboms=tuple(inputs.sboms), feeds=tuple(inputs.feeds), vex=tuple(inputs.vex),
                    baseline=inputs.baseline, observed=inputs.observed)


def _text(replay: Mapping[str, Any], key: str) -> str:
    value = replay.get(key)
    if not isinstance(value, str) or not value:
        raise GateInputError("must be a non-empty string", field=f"replay.{key}")
    return value


def feeds_of(replay: Mapping[str, Any]) -> tuple[FeedSnapshot, ...]:
    """The recorded feed snapshots, in the order the gate reads them."""
    raw = replay.get("feeds")
    if not isinstance(raw, list):
        raise GateInputError("must be a list", field="replay.feeds")
    feeds = []
    for i, feed in enumerate(raw):
        fields = ("source", "ecosystem", "snapshot", "digest")
        if not isinstance(feed, Mapping) or not all(isinstance(feed.get(k), str) for k in fields):
            raise GateInputError("needs source, ecosystem, snapshot and digest strings",
                                 field=f"replay.feeds[{i}]")
        feeds.append(FeedSnapshot(feed["source"], feed["ecosystem"], feed["snapshot"],
                                  feed["digest"]))
    return tuple(sorted(feeds, key=lambda f: (f.source, f.ecosystem, f.snapshot)))


def baseline_of(replay: Mapping[str, Any]) -> Baseline | None:
    raw = replay.get("baseline")
    if raw is None:
        return None
    if (not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str)
            or not isinstance(raw.get("known"), list)
            or not all(isinstance(k, str) for k in raw["known"])):
        raise GateInputError("must be null or name and a list of known findings",
                             field="replay.baseline")
    return Baseline(raw["name"], frozenset(raw["known"]))


def observed_of(replay: Mapping[str, Any]) -> frozenset[str] | None:
    raw = replay.get("observed")
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(o, str) for o in raw):
        raise GateInputError("must be null or a list of package URLs", field="replay.observed")
    return frozenset(raw)


@dataclass(frozen=True)
class SealedGate:
    """The inputs of one recorded verdict, rebuilt; build with :meth:`from_replay`."""

    release: Release
    environment: str
    evaluated_at: datetime
    sboms: tuple[CycloneDxSbom, ...]
    vex: tuple[VexDocument, ...]
    feeds: tuple[FeedSnapshot, ...]
    index: AdvisoryIndex
    base_policy: Policy
    override: Mapping[str, Any] | None
    policy: Policy  # as evaluated: the override applied
    baseline: Baseline | None
    observed: frozenset[str] | None

    @classmethod
    def from_replay(cls, replay: Mapping[str, Any], *, release: Release,
                    sboms: Sequence[CycloneDxSbom], vex: Sequence[VexDocument],
                    index: AdvisoryIndex, base_policy: Policy) -> SealedGate:
        """Combine replay material with the documents it names by digest.

        ``sboms`` and ``vex`` come in the order the replay material lists them;
        the release and policy must be the ones it names (checked here)."""
        if not isinstance(replay, Mapping) or replay.get("schema") != REPLAY_SCHEMA:
            raise GateInputError(f"must be a {REPLAY_SCHEMA} document", field="replay")
        if _text(replay, "release") != release.digest:
            raise GateInputError(f"names release {replay['release']}, not {release.digest}",
                                 field="replay.release")
        if _text(replay, "policy") != base_policy.digest:
            raise GateInputError(f"names policy {replay['policy']}, not {base_policy.digest}",
                                 field="replay.policy")
        try:
            evaluated_at = parse_rfc3339(_text(replay, "evaluated_at"))
        except ValueError as exc:
            raise GateInputError(str(exc), field="replay.evaluated_at") from None
        raw_override = replay.get("override")
        override = override_record(raw_override) if raw_override is not None else None
        policy = (apply_stale_feeds_override(base_policy, override) if override is not None
                  else base_policy)
        return cls(release=release, environment=_text(replay, "environment"),
                   evaluated_at=evaluated_at, sboms=tuple(sboms), vex=tuple(vex),
                   feeds=feeds_of(replay), index=index, base_policy=base_policy,
                   override=override, policy=policy, baseline=baseline_of(replay),
                   observed=observed_of(replay))

    def evaluate(self) -> GateResult:
        return reevaluate(self)
