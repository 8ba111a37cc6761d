"""What verification returns: a ✓/✗ list of checks and the verified metadata."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from engine.clock import rfc3339
from engine.text import terminal_safe

if TYPE_CHECKING:
    from airgap_bundles.kinds import KindContent


@dataclass(frozen=True)
class Check:
    """One line of the report. ``rule`` names the broken rule when ``passed`` is False."""

    name: str
    title: str
    passed: bool
    detail: str
    rule: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {"name": self.name, "title": self.title, "passed": self.passed, "detail": self.detail}
        if self.rule is not None:
            out["rule"] = self.rule
        return out


@dataclass(frozen=True)
class VerificationReport:
    """Every check in the order it ran; after a rejection, the failing check is last."""

    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failed(self) -> Check | None:
        return next((c for c in self.checks if not c.passed), None)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [c.to_json() for c in self.checks]}

    def lines(self) -> list[str]:
        """Plain text, one check per line, for the CLI."""
        return [f"{'✓' if c.passed else '✗'} {c.title}: {terminal_safe(c.detail)}"
                for c in self.checks]


@dataclass(frozen=True, slots=True)
class MemberInfo:
    path: str
    sha256: str  # lowercase hex
    size: int


@dataclass(frozen=True)
class VersionOverride:
    """Recorded when an older or equal version was accepted with ``AllowOlder``."""

    reason: str
    previous_version: int
    version: int


@dataclass(frozen=True)
class VerifiedBundle:
    """A bundle that passed every rule. If staged, its files are in the staging folder."""

    archive_path: str
    kind: str
    name: str
    version: int
    created: datetime
    expires: datetime
    producer: str
    description: str
    signer_keyids: tuple[str, ...]  # keys of the kind's role whose signatures verified
    manifest_digest: str  # "sha256:" of manifest.dsse.json as stored in the archive
    statement_digest: str  # "sha256:" of the signed statement (the DSSE payload)
    manifest_bytes: bytes  # empty above BundleLimits.max_preauth_json (consumed in place)
    compression: str
    archive_size: int
    members: tuple[MemberInfo, ...]  # sorted by path, manifest excluded
    content: KindContent
    override: VersionOverride | None
    report: VerificationReport
    staged: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "version": self.version,
            "created": rfc3339(self.created),
            "expires": rfc3339(self.expires),
            "producer": self.producer,
            "description": self.description,
            "signerKeyids": list(self.signer_keyids),
            "manifestDigest": self.manifest_digest,
            "statementDigest": self.statement_digest,
            "compression": self.compression,
            "archiveSize": self.archive_size,
            "members": [{"path": m.path, "sha256": m.sha256, "size": m.size} for m in self.members],
            "content": self.content.to_json(),
            "override": None
            if self.override is None
            else {
                "reason": self.override.reason,
                "previousVersion": self.override.previous_version,
                "version": self.override.version,
            },
            "report": self.report.to_json(),
        }
