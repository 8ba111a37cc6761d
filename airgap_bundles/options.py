"""What the caller tells the verifier: limits, import history, the older-version override."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30


@dataclass(frozen=True)
class BundleLimits:
    """Size limits (DESIGN §4.3). The defaults admit real bundles and stop bombs.

    ``max_compression_ratio`` applies once ``ratio_floor`` bytes are unpacked, so
    tiny archives (mostly tar padding) are not refused for compressing well.
    """

    max_member_size: int = 8 * GiB
    max_total_size: int = 32 * GiB
    max_members: int = 250_000
    max_compression_ratio: float = 200.0
    ratio_floor: int = 1 * MiB
    max_manifest_size: int = 64 * MiB
    max_preauth_json: int = 8 * MiB
    """JSON parsed before any signature is checked: a manifest above this size has only
    its fields besides the payload parsed (at most this much) and its payload decoded
    into the buffer the signatures are checked over (engine/crypto/large_envelope.py),
    so an unsigned manifest of any allowed size costs well under 150 MB."""
    max_document_size: int = 32 * MiB  # release.json, SBOMs, VEX, feed.json, policy
    max_record_size: int = 4 * MiB  # one OSV record
    max_buffered_size: int = 96 * MiB  # documents held at once for inspection
    max_clock_skew: timedelta = timedelta(days=1)
    """How far in the future a bundle's ``created`` (and a feed's ``snapshot``) may lie
    before it is refused: a clock that far wrong, or a date made up, is not trusted."""

    def max_stream_size(self) -> int:
        """Unpacked tar stream allowance: member data plus headers and padding."""
        return self.max_total_size + self.max_members * 3 * KiB + 1 * MiB


DEFAULT_LIMITS = BundleLimits()


class VersionHistory(Protocol):
    """The last imported version of each ``(kind, name)``; the database implements it."""

    def last_version(self, kind: str, name: str) -> int | None: ...


@dataclass(frozen=True)
class MemoryHistory:
    """A :class:`VersionHistory` over a plain mapping (tests, ``bundle verify`` without a site)."""

    versions: Mapping[tuple[str, str], int]

    def last_version(self, kind: str, name: str) -> int | None:
        return self.versions.get((kind, name))


NO_HISTORY = MemoryHistory({})


@dataclass(frozen=True)
class AllowOlder:
    """Operator override: accept a version not newer than the last import.

    Deliberately insecure-looking. It needs a reason, and the verified result
    records it (:class:`~airgap_bundles.report.VersionOverride`) so the import can
    be audited. It never lowers the trust root: rotations stay strictly increasing.
    """

    reason: str

    def __post_init__(self) -> None:
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise ValueError("allow_older needs a non-empty reason")
