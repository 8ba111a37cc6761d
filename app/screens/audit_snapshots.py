"""Auditor mode: verify an export offline and hand the screen a per-item report.

Nothing here opens a site or imports the data layer: an auditor runs this on a
laptop with only the export (archive, extracted folder, or split parts). The
checks are :func:`airgap_bundles.audit.verify_path`'s, grouped by the file they are
about, so every item shows all of its checks together.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from airgap_bundles.audit import Check, VerifyReport, reassemble, verify_path
from airgap_bundles.audit.report import KEYS
from airgap_bundles.export.narrative import RunStory
from app.errors import Rejected
from app.screens.audit_story import story_of
from engine.crypto.atomic import atomic_write_bytes

KEY_FOLDER = "trust/keys/"


@dataclass(frozen=True)
class AuditItem:
    """One file (or the archive, or a part) with every check made on it."""

    name: str
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool | None:
        """False when any check failed, True when one passed, None for notes only."""
        if any(c.ok is False for c in self.checks):
            return False
        if any(c.ok for c in self.checks):
            return True
        return None


@dataclass(frozen=True)
class AuditResult:
    path: str
    ok: bool
    complete: bool
    items: tuple[AuditItem, ...]
    facts: tuple[tuple[str, str], ...]
    keys: tuple[tuple[str, str], ...]  # key id, what the export says it is for
    failing_items: tuple[str, ...]
    passed: int
    failed: int
    verdict: str
    text: str
    seconds: float
    story: RunStory | None = None  # from verified files only, when the export verified

    @property
    def split(self) -> bool:
        return any(name == "parts" for name, _ in self.facts)

    def item(self, name: str) -> AuditItem:
        for item in self.items:
            if item.name == name:
                return item
        raise KeyError(name)


def audit_bundle(path: str | Path, site_key: str | None = None) -> AuditResult:
    """Verify ``path`` (archive, folder or a part of a split export) with every check."""
    started = time.monotonic()
    report = verify_path(path, site_key=site_key or None)
    return result_of(report, time.monotonic() - started)


def result_of(report: VerifyReport, seconds: float = 0.0) -> AuditResult:
    order: dict[str, list[Check]] = {}
    for check in report.checks:
        order.setdefault(check.item, []).append(check)
    items = tuple(AuditItem(name, tuple(checks)) for name, checks in order.items())
    keys = tuple((c.item[len(KEY_FOLDER):].removesuffix(".pem"),
                  c.message.rpartition("; role ")[2] if "; role " in c.message else "")
                 for c in report.checks
                 if c.level == KEYS and c.ok and c.item.startswith(KEY_FOLDER))
    return AuditResult(
        path=report.path, ok=report.ok, complete=report.complete, items=items,
        facts=tuple((str(k), str(v)) for k, v in report.facts.items()), keys=keys,
        failing_items=tuple(report.failing_items),
        passed=sum(1 for c in report.checks if c.ok), failed=len(report.failures),
        verdict=report.text().rsplit("\n", 1)[-1], text=report.text(), seconds=seconds,
        story=story_of(report.verified) if report.ok and report.complete else None)


def reassemble_parts(path: str | Path, directory: str | Path) -> Path:
    """Write the whole archive of verified parts into ``directory`` (atomically)."""
    try:
        return reassemble(path, directory)
    except ValueError as exc:
        raise Rejected(f"cannot reassemble {Path(path).name}: {exc}") from None
    except OSError as exc:
        raise Rejected(f"cannot reassemble into {directory}: {exc.strerror or exc}") from None


def save_report(result: AuditResult, path: str | Path) -> Path:
    """The plain-text report (what ``stella verify`` prints), written atomically."""
    target = Path(path)
    atomic_write_bytes(target, (result.text + "\n").encode("utf-8"))
    return target
