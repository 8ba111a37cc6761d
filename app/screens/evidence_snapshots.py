"""What the evidence screens show, loaded in a worker and handed over as frozen values.

The Evidence Timeline (seed §14.7) and Step Detail's Evidence tab (§14.4) answer
"what evidence exists now, what is still pending, and what exactly was sealed
when". Captured items come from the site's evidence table; pending ones are what
each checkpoint records when it runs (:func:`expected_evidence`); exports come from
the run's ``export.recorded`` custody events. Which export buttons are enabled is
decided here, with the reason a disabled one gives.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.context import Site
from app.errors import NotFound
from app.screens.snapshots import NO_ACTOR
from app.services import evidence, promotions, trust
from app.services.evidence import EvidenceRecord
from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.evidence import statements
from engine.run import events as ev
from engine.run.stages import APPROVAL, GATE, INPUTS, SEAL, VERIFY, deploy_percent, step_title
from engine.run.state import (
    INTERRUPTED,
    PAUSED,
    PENDING,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    WAITING,
    RunState,
    display_status,
)

EVIDENCE_PACK = "evidence"
AUDITOR_BUNDLE = "auditor"
EXPORT_KINDS = {EVIDENCE_PACK: "evidence-pack", AUDITOR_BUNDLE: "auditor-bundle"}
NOT_DONE = (PENDING, RUNNING, WAITING, PAUSED, INTERRUPTED)
SEAL_TITLE = step_title(SEAL)
PENDING_SEAL = f"pending until “{SEAL_TITLE}”"
NOT_SEALED = (f"the run is not sealed yet: an auditor bundle needs the proof chain written at "
              f"“{SEAL_TITLE}”")
NO_TRUST_ROOT = "this site has no trust root installed; an auditor bundle ships the trust root"


def expected_evidence(step: str, approvals_required: int) -> tuple[tuple[str, str], ...]:
    """(name, predicate type) of what ``step`` records when it runs (DESIGN §6)."""
    if step == INPUTS:
        return (("resolved-inputs", statements.RESOLVED_INPUTS),)
    if step == GATE:
        return (("policy-decision", statements.POLICY_DECISION),)
    if step == APPROVAL:
        return (("approval", statements.APPROVAL),) if approvals_required > 0 else ()
    if deploy_percent(step) is not None:
        return ((f"deployment-{step}", statements.DEPLOYMENT),)
    if step == VERIFY:
        return (("runtime-reachability", statements.RUNTIME_REACHABILITY),)
    if step == SEAL:
        return (("proof-chain", statements.PROOF_CHAIN),)
    return ()


@dataclass(frozen=True)
class EvidenceEntry:
    """One line under a checkpoint: a captured item, one still pending, or an export."""

    step: str
    name: str
    kind: str  # the predicate type, or the export's bundle kind
    captured: bool
    note: str = ""
    digest: str = ""
    log_index: int | None = None
    attempt: int = 0
    created_at: str = ""
    evidence_id: int | None = None
    sealed: bool = False  # listed in the proof chain

    @property
    def is_export(self) -> bool:
        return self.kind in EXPORT_KINDS.values()

    @classmethod
    def of(cls, record: EvidenceRecord, sealed_digests: frozenset[str]) -> EvidenceEntry:
        sealed = record.digest in sealed_digests
        if record.predicate_type == statements.PROOF_CHAIN:
            note = "the seal: every digest above, signed by the site key"
        elif sealed:
            note = "sealed in the proof chain"
        elif sealed_digests:
            note = "captured after sealing: not in the proof chain"
        else:
            note = "in the site log; seals at finalize"
        return cls(record.step, record.name, record.predicate_type, True, note, record.digest,
                   record.log_index, record.attempt, record.created_at, record.id, sealed)


@dataclass(frozen=True)
class CheckpointEvidence:
    step: str
    title: str
    status: str
    entries: tuple[EvidenceEntry, ...]
    note: str = ""  # said when there are no entries

    @property
    def captured(self) -> tuple[EvidenceEntry, ...]:
        return tuple(e for e in self.entries if e.captured and not e.is_export)


@dataclass(frozen=True)
class ExportRecord:
    """One chain-of-custody receipt recorded in the run's events (``export.recorded``)."""

    promotion_id: str
    seq: int
    at: str
    actor: str
    bundle: str
    partial: bool
    archive: str
    sha256: str
    size: int
    parts: tuple[str, ...]
    destination: str
    medium: str | None
    receipt_digest: str

    @classmethod
    def of(cls, promotion_id: str, event: ev.Event) -> ExportRecord:
        data = event.data
        return cls(promotion_id, event.seq, event.at, event.actor, str(data.get("bundle", "")),
                   bool(data.get("partial")), str(data.get("archive", "")),
                   str(data.get("sha256", "")), int(data.get("size") or 0),
                   tuple(str(p) for p in data.get("parts") or ()),
                   str(data.get("destination", "")), data.get("medium"),
                   str(data.get("receiptDigest", "")))


@dataclass(frozen=True)
class EvidenceTimeline:
    promotion_id: str
    release: Mapping[str, Any]
    to_env: str
    status: str
    sealed: bool
    seal: EvidenceEntry | None
    checkpoints: tuple[CheckpointEvidence, ...]
    exports: tuple[ExportRecord, ...]
    refusals: Mapping[str, str | None] = field(default_factory=dict)  # export kind -> why not

    def checkpoint(self, step: str) -> CheckpointEvidence:
        for checkpoint in self.checkpoints:
            if checkpoint.step == step:
                return checkpoint
        raise KeyError(step)

    def refusal(self, kind: str) -> str | None:
        return self.refusals.get(kind, f"unknown export kind {kind!r}")

    @property
    def captured_count(self) -> int:
        return sum(len(c.captured) for c in self.checkpoints)

    @property
    def sealed_count(self) -> int:
        """Items the proof chain lists (the seal itself is not among them)."""
        return sum(1 for c in self.checkpoints for e in c.captured if e.sealed)


def load_evidence_timeline(site: Site, promotion_id: str, actor: str | None) -> EvidenceTimeline:
    events, state = promotions.load_run(site, promotion_id)
    records = evidence.list_evidence(site, promotion_id)
    seals = [r for r in records if r.predicate_type == statements.PROOF_CHAIN]
    sealed = bool(seals) and state.step(SEAL).status == SUCCEEDED
    sealed_digests = frozenset(_sealed_digests(site, seals[-1])) if seals else frozenset()
    exports = tuple(ExportRecord.of(promotion_id, e) for e in events
                    if e.type == ev.EXPORT_RECORDED)
    by_step: dict[str, list[EvidenceRecord]] = {}
    for record in records:
        by_step.setdefault(record.step, []).append(record)
    checkpoints = tuple(_checkpoint(state, view.name, by_step.get(view.name, []),
                                    sealed_digests, sealed, exports)
                        for view in state.steps)
    seal = EvidenceEntry.of(seals[-1], sealed_digests) if sealed else None
    return EvidenceTimeline(promotion_id, dict(state.release), state.to_env, state.status,
                            sealed, seal, checkpoints, exports,
                            _refusals(site, sealed, actor))


def _sealed_digests(site: Site, seal: EvidenceRecord) -> list[str]:
    try:
        payload = dsse.Envelope.from_bytes(evidence.envelope_bytes(site, seal.id)).payload
        items = json.loads(payload)["predicate"]["evidence"]
        return [str(item["digest"]) for item in items]
    except (CryptoError, ValueError, KeyError, TypeError):
        return []  # an unreadable seal seals nothing; the auditor's checks will say why


def _checkpoint(state: RunState, step: str, records: Sequence[EvidenceRecord],
                sealed_digests: frozenset[str], sealed: bool,
                exports: Sequence[ExportRecord]) -> CheckpointEvidence:
    view = state.step(step)
    status = display_status(state, view)
    entries = [EvidenceEntry.of(r, sealed_digests) for r in records]
    names = {r.name for r in records} | {r.predicate_type for r in records}
    if status in NOT_DONE:
        for name, predicate_type in expected_evidence(step, state.approvals_required):
            if name not in names and predicate_type not in names:
                note = PENDING_SEAL if step == SEAL else "captured when this step runs"
                entries.append(EvidenceEntry(step, name, predicate_type, False, note))
    if step == SEAL:
        entries.extend(_finalize_entries(exports, sealed))
    note = ""
    if not entries:
        if status == SKIPPED:
            note = f"skipped ({view.summary or 'not needed'}): nothing to capture"
        elif status in NOT_DONE:
            note = "nothing is captured at this checkpoint"
        else:
            note = "no evidence recorded at this checkpoint"
    return CheckpointEvidence(step, view.title, status, tuple(entries), note)


def _finalize_entries(exports: Sequence[ExportRecord], sealed: bool) -> list[EvidenceEntry]:
    """What finalizing adds besides the seal: the auditor bundle and a complete pack."""
    entries = []
    for kind, label in ((AUDITOR_BUNDLE, "auditor bundle"), (EVIDENCE_PACK, "evidence pack")):
        bundle = EXPORT_KINDS[kind]
        done = [e for e in exports if e.bundle == bundle and not e.partial]
        if done:
            last = done[-1]
            entries.append(EvidenceEntry(SEAL, last.archive, bundle, True,
                                         f"exported by {last.actor} to {last.destination}",
                                         "sha256:" + last.sha256, created_at=last.at))
        else:
            why = "not exported yet" if sealed else "exportable once the run is sealed"
            entries.append(EvidenceEntry(SEAL, f"{label} (.tar.gz)", bundle, False, why))
    return entries


def _refusals(site: Site, sealed: bool, actor: str | None) -> dict[str, str | None]:
    if not actor:
        return {EVIDENCE_PACK: NO_ACTOR, AUDITOR_BUNDLE: NO_ACTOR}
    auditor: str | None = None
    if not sealed:
        auditor = NOT_SEALED
    else:
        try:
            trust.in_force(site)
        except NotFound:
            auditor = NO_TRUST_ROOT
    return {EVIDENCE_PACK: None, AUDITOR_BUNDLE: auditor}
