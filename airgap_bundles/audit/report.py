"""The verification report: one line per check, each green or red in plain words.

Levels, in the order they are reported (DESIGN §7): the archive or its parts,
file digests, keys, DSSE signatures, RFC 6962 inclusion under the signed
checkpoint, the proof chain, the event hash chain, its completeness against the
site log, the approvals under the site roster, chain-of-custody receipts, and
the policy re-evaluation of every recorded verdict from its sealed inputs.
A check is ``ok`` (✓), failed (✗) or ``None`` — a fact worth showing that is
neither (e.g. "no custody receipt beside the archive"). The export verifies
only when no check failed and the table of contents itself was verified.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from engine.text import terminal_safe

ARCHIVE = "archive"
PARTS = "parts"
FILES = "files"
KEYS = "keys"
SIGNATURES = "signatures"
INCLUSION = "inclusion"
PROOF_CHAIN = "proof-chain"
EVENTS = "event-chain"
COMPLETENESS = "completeness"
APPROVALS = "approvals"
CUSTODY = "custody"
POLICY = "policy-replay"
LEVELS = (ARCHIVE, PARTS, FILES, KEYS, SIGNATURES, INCLUSION, PROOF_CHAIN, EVENTS, COMPLETENESS,
          APPROVALS, CUSTODY, POLICY)

_MARK = {True: "✓", False: "✗", None: "·"}


@dataclass(frozen=True)
class Check:
    level: str
    item: str
    ok: bool | None
    message: str

    def to_json(self) -> dict[str, Any]:
        status = {True: "pass", False: "fail", None: "info"}[self.ok]
        return {"level": self.level, "item": self.item, "status": status, "message": self.message}


@dataclass
class VerifyReport:
    """Every check done on one export, and the facts an auditor should compare."""

    path: str
    checks: list[Check] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    complete: bool = False
    """True once the verifier got as far as checking the signed index and its content."""
    verified: dict[str, bytes] = field(default_factory=dict)
    """The bytes of every file that matched its digest in the signed index, for the
    screens that tell the run's story from what was checked (app.screens.audit_story)."""

    def add(self, level: str, item: str, ok: bool | None, message: str) -> bool | None:
        self.checks.append(Check(level, item, ok, message))
        return ok

    def passed(self, level: str, item: str, message: str) -> None:
        self.add(level, item, True, message)

    def failed(self, level: str, item: str, message: str) -> None:
        self.add(level, item, False, message)

    def note(self, level: str, item: str, message: str) -> None:
        self.add(level, item, None, message)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.ok is False]

    @property
    def ok(self) -> bool:
        return self.complete and not self.failures

    @property
    def failing_items(self) -> list[str]:
        return sorted({c.item for c in self.failures})

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "ok": self.ok,
            "facts": dict(self.facts),
            "failing": self.failing_items,
            "checks": [c.to_json() for c in self.checks],
        }

    def text(self) -> str:
        # Member names, facts and messages come from the export: shown escaped, so
        # nothing in them can paint a line of its own (a fake "VERIFIED").
        lines = [f"Verifying {terminal_safe(self.path)}"]
        for key, value in self.facts.items():
            lines.append(f"  {terminal_safe(key):<16} {terminal_safe(value)}")
        for level in LEVELS:
            checks = [c for c in self.checks if c.level == level]
            if not checks:
                continue
            lines.append("")
            lines.append(level.replace("-", " ").capitalize())
            lines.extend(_grouped(checks))
        lines.append("")
        if self.ok:
            lines.append(f"VERIFIED — all {sum(1 for c in self.checks if c.ok)} checks hold.")
        elif not self.failures:
            lines.append("NOT VERIFIED — verification could not be completed.")
        else:
            lines.append(
                f"NOT VERIFIED — {len(self.failures)} check(s) failed, in: "
                + ", ".join(terminal_safe(item) for item in self.failing_items)
            )
        return "\n".join(lines)


def _grouped(checks: Iterable[Check]) -> list[str]:
    lines = []
    for check in checks:
        lines.append(f"  {_MARK[check.ok]} {terminal_safe(check.item)}: "
                     f"{terminal_safe(check.message)}")
    return lines
