"""Trust-root bundles: trust-root.dsse.json, the next trust root (DESIGN §4.2, §4.4).

The bundle is signed by the current root role; the envelope inside must also
be a valid rotation from the current root (old and new root thresholds,
strictly greater version, not expired). The predicate version must equal the
new root's version. Installing it is the importer's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airgap_bundles.errors import TrustRootContentInvalid
from airgap_bundles.kinds.base import Inspector, KindContent
from airgap_bundles.report import Check
from engine.clock import rfc3339
from engine.crypto.dsse import Envelope
from engine.crypto.errors import CryptoError
from engine.crypto.trust_root import TrustRoot

TRUST_ROOT_FILE = "trust-root.dsse.json"


@dataclass(frozen=True)
class TrustRootContent(KindContent):
    trust_root: TrustRoot  # verified as a successor of the root in force (when one was given)
    envelope_bytes: bytes  # the member's bytes, as signed

    def to_json(self) -> dict[str, Any]:
        return self.trust_root.summary()


class TrustRootInspector(Inspector):
    """``current`` is the root in force; None on the authoring side (shape checks only)."""

    def __init__(
        self, *args: Any, current: TrustRoot | None, now: datetime | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._current = current
        self._now = now

    def wants(self, path: str, size: int) -> bool:
        return path == TRUST_ROOT_FILE and self.document_fits(path, size)

    def finish(self) -> tuple[TrustRootContent, list[Check]]:
        data = self.held(TRUST_ROOT_FILE)
        if data is None:
            raise TrustRootContentInvalid(
                "a trust-root bundle must contain trust-root.dsse.json", member=TRUST_ROOT_FILE
            )
        try:
            envelope = Envelope.from_bytes(data)
            if self._current is None or self._now is None:
                root = TrustRoot.from_envelope(envelope)
                detail = f"trust root version {root.version} is well formed and self-signed"
            else:
                root = self._current.verify_successor(envelope, self._now)
                detail = (
                    f"version {self._current.version} -> {root.version}, signed by both root "
                    f"thresholds, valid until {rfc3339(root.expires)}"
                )
        except CryptoError as exc:
            raise TrustRootContentInvalid(
                f"{exc.message} [{exc.rule}]", member=TRUST_ROOT_FILE
            ) from None
        if root.version != self.manifest.predicate.version:
            raise TrustRootContentInvalid(
                f"holds trust root version {root.version} but the bundle version is "
                f"{self.manifest.predicate.version}",
                member=TRUST_ROOT_FILE,
            )
        check = Check("trust-root-rotation", "The new trust root is a valid rotation", True, detail)
        return TrustRootContent(trust_root=root, envelope_bytes=data), [check]
