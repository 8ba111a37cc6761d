"""What the verifier has established so far, handed from one group of checks to the next."""

from __future__ import annotations

from dataclasses import dataclass, field

from airgap_bundles.audit.report import VerifyReport
from airgap_bundles.audit.source import MemberData
from airgap_bundles.export.index import ExportIndex, IndexItem
from engine.crypto.keys import PublicKey
from engine.run.events import Event
from engine.tlog.checkpoint import VerifiedCheckpoint
from engine.tlog.keys import NoteVerifier


@dataclass
class Context:
    report: VerifyReport
    members: dict[str, MemberData]
    index: ExportIndex | None = None
    site_key: PublicKey | None = None
    keys: dict[str, tuple[PublicKey, tuple[str, ...]]] = field(default_factory=dict)
    good: set[str] = field(default_factory=set)
    """Paths whose bytes match their digest in the verified index."""
    log_key: NoteVerifier | None = None
    checkpoint: VerifiedCheckpoint | None = None
    checkpoint_text: str | None = None
    events: list[Event] | None = None

    def data(self, path: str) -> bytes | None:
        """The bytes of a digest-verified file, or ``None``."""
        if path not in self.good:
            return None
        member = self.members.get(path)
        return member.data if member else None

    def item(self, path: str) -> IndexItem | None:
        return self.index.item(path) if self.index else None
