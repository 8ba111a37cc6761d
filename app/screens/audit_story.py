"""The run's story in auditor mode, from a verified export alone
(airgap_bundles.export.narrative tells it).

Built only from files whose bytes matched the signed index during verification
(``VerifyReport.verified``) and only when the export verified; nothing here trusts
a file the verifier has not checked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from airgap_bundles.export import layout
from airgap_bundles.export.narrative import SECTIONS, RunStory, tell
from airgap_bundles.export.timeline import TimelineFormatError, decode_timeline
from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.crypto.intoto import Statement

__all__ = ["SECTIONS", "RunStory", "story_of"]  # the screens read the story from here


def story_of(files: Mapping[str, bytes]) -> RunStory | None:
    """The story of the verified files of one export, or None when it has no timeline."""
    raw = files.get(layout.TIMELINE)
    if raw is None:
        return None
    try:
        events = decode_timeline(raw)
    except TimelineFormatError:
        return None
    evidence: list[tuple[str, Statement]] = []
    verdicts: list[tuple[str, Mapping[str, Any]]] = []
    for path in sorted(files):
        if path.startswith("evidence/") and path.endswith(".dsse.json"):
            try:
                envelope = dsse.Envelope.from_bytes(files[path])
                evidence.append((path, Statement.from_bytes(envelope.payload)))
            except (CryptoError, ValueError):
                continue  # the verifier reported it; the story leaves it out
        elif path.startswith(layout.POLICY_DIR) and path.endswith("/" + layout.GATE_VERDICT):
            try:
                doc = json.loads(files[path])
            except ValueError:
                continue
            if isinstance(doc, dict):
                verdicts.append((path, doc))
    return tell(events, evidence, verdicts)
