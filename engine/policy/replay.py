"""Replay: compare a recorded verdict with a re-evaluated one, and say what differs.

Both sides are verdict documents (:meth:`Verdict.to_json`). Decision digests
equal means ``match``; otherwise the diff names every sealed input that
changed (``section`` such as ``advisories``, ``packages``, ``baseline``,
``policy``, with the ``key`` inside it), every rule whose outcome or
definition changed, and the findings added, removed or changed — so "which
advisory / component / rule / baseline made the difference" is answered by
the diff itself, from the two documents alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_FINDING_COMPARED = ("severity", "score", "fixed_version", "reachable", "suppressed",
                     "vex_status", "justification", "new", "aliases", "advisories")


@dataclass(frozen=True)
class InputChange:
    section: str  # a key of the sealed inputs, or "policy"
    key: str | None  # the entry inside that section, None when the section is one value
    before: Any
    after: Any

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class RuleChange:
    id: str
    before: str | None  # outcome in the recorded verdict (None: the rule was absent)
    after: str | None
    definition_changed: bool

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class FindingChange:
    key: str
    fields: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "fields": list(self.fields)}


@dataclass(frozen=True)
class VerdictDiff:
    recorded: str  # decision digests
    replayed: str
    outcome: tuple[str, str] | None
    inputs: tuple[InputChange, ...]
    rules: tuple[RuleChange, ...]
    findings_added: tuple[str, ...]
    findings_removed: tuple[str, ...]
    findings_changed: tuple[FindingChange, ...]

    @property
    def match(self) -> bool:
        return self.recorded == self.replayed

    @property
    def status(self) -> str:
        return "match" if self.match else "mismatch"

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "recorded": self.recorded,
            "replayed": self.replayed,
            "outcome": list(self.outcome) if self.outcome else None,
            "inputs": [c.to_json() for c in self.inputs],
            "rules": [r.to_json() for r in self.rules],
            "findings_added": list(self.findings_added),
            "findings_removed": list(self.findings_removed),
            "findings_changed": [f.to_json() for f in self.findings_changed],
        }


def _input_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[InputChange]:
    changes = []
    for section in sorted(set(before) | set(after)):
        a, b = before.get(section), after.get(section)
        if a == b:
            continue
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            for key in sorted(set(a) | set(b)):
                if a.get(key) != b.get(key):
                    changes.append(InputChange(section, key, a.get(key), b.get(key)))
        else:
            changes.append(InputChange(section, None, a, b))
    return changes


def _rule_changes(before: list[Mapping[str, Any]], after: list[Mapping[str, Any]]
                  ) -> list[RuleChange]:
    old = {r["id"]: r for r in before}
    new = {r["id"]: r for r in after}
    order = [r["id"] for r in after] + [r["id"] for r in before if r["id"] not in new]
    changes = []
    for rid in order:
        a, b = old.get(rid), new.get(rid)
        if a == b:
            continue
        changes.append(RuleChange(
            id=rid,
            before=a["outcome"] if a else None,
            after=b["outcome"] if b else None,
            definition_changed=(a or {}).get("definition") != (b or {}).get("definition"),
        ))
    return changes


def diff_verdicts(recorded: Mapping[str, Any], replayed: Mapping[str, Any]) -> VerdictDiff:
    """What differs between two verdict documents (module docstring)."""
    inputs = _input_changes(recorded.get("inputs", {}), replayed.get("inputs", {}))
    if recorded.get("policy") != replayed.get("policy"):
        for key in ("name", "version", "digest"):
            a, b = recorded.get("policy", {}).get(key), replayed.get("policy", {}).get(key)
            if a != b:
                inputs.append(InputChange("policy", key, a, b))
    old = {f["key"]: f for f in recorded.get("findings", [])}
    new = {f["key"]: f for f in replayed.get("findings", [])}
    changed = []
    for key in sorted(set(old) & set(new)):
        fields = tuple(f for f in _FINDING_COMPARED if old[key].get(f) != new[key].get(f))
        if fields:
            changed.append(FindingChange(key, fields))
    outcome_a, outcome_b = recorded.get("outcome"), replayed.get("outcome")
    return VerdictDiff(
        recorded=str(recorded.get("decision_digest")),
        replayed=str(replayed.get("decision_digest")),
        outcome=(str(outcome_a), str(outcome_b)) if outcome_a != outcome_b else None,
        inputs=tuple(inputs),
        rules=tuple(_rule_changes(recorded.get("rules", []), replayed.get("rules", []))),
        findings_added=tuple(sorted(set(new) - set(old))),
        findings_removed=tuple(sorted(set(old) - set(new))),
        findings_changed=tuple(changed),
    )
