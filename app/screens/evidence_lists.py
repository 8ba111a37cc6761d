"""Site-wide lists for Evidence → Packets, Proof Chains and Export Center, and the
removable media an export can go to. Workers call these; screens get values."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from airgap_bundles import media
from airgap_bundles.media import Medium
from app.context import Site
from app.errors import StellaError
from app.screens.evidence_snapshots import ExportRecord
from app.services import evidence, promotions
from app.services.evidence import EvidenceRecord
from app.services.promotions import PromotionSummary
from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.evidence import statements
from engine.run import events as ev
from engine.tlog.checkpoint import Checkpoint
from engine.tlog.errors import TlogError
from engine.tlog.note import SignedNote


@dataclass(frozen=True)
class SiteEvidenceRow:
    promotion_id: str
    release: str  # "name version"
    to_env: str
    record: EvidenceRecord


def list_site_evidence(site: Site) -> list[SiteEvidenceRow]:
    """Every evidence item of the site, promotion by promotion, in log order."""
    rows = []
    for summary in promotions.list_promotions(site):
        for record in evidence.list_evidence(site, summary.id):
            rows.append(SiteEvidenceRow(summary.id, _release(summary), summary.to_env, record))
    return sorted(rows, key=lambda r: r.record.log_index)


def _release(summary: PromotionSummary) -> str:
    return f"{summary.release_name} {summary.release_version}"


@dataclass(frozen=True)
class SealedItem:
    name: str
    step: str
    digest: str
    log_index: int


@dataclass(frozen=True)
class ProofChainRow:
    promotion_id: str
    release: str
    status: str
    record: EvidenceRecord
    sealed_at: str
    event_head: str
    event_count: int
    checkpoint_size: int
    items: tuple[SealedItem, ...]


def list_proof_chains(site: Site) -> list[ProofChainRow]:
    """The proof chain of every sealed promotion, newest seal first."""
    rows = []
    for summary in promotions.list_promotions(site):
        for record in evidence.list_evidence(site, summary.id):
            if record.predicate_type == statements.PROOF_CHAIN:
                rows.append(_proof_chain(site, summary, record))
    return sorted(rows, key=lambda r: r.record.log_index, reverse=True)


def _proof_chain(site: Site, summary: PromotionSummary, record: EvidenceRecord) -> ProofChainRow:
    try:
        payload = dsse.Envelope.from_bytes(evidence.envelope_bytes(site, record.id)).payload
        predicate = json.loads(payload)["predicate"]
        items = tuple(SealedItem(str(i["name"]), str(i["step"]), str(i["digest"]),
                                 int(i["logIndex"])) for i in predicate["evidence"])
        chain = predicate["eventChain"]
        size = Checkpoint.from_body(SignedNote.from_text(predicate["checkpoint"]).text).size
        return ProofChainRow(summary.id, _release(summary), summary.status, record,
                             str(predicate["sealedAt"]), str(chain["head"]),
                             int(chain["events"]), size, items)
    except (CryptoError, TlogError, ValueError, KeyError, TypeError):
        return ProofChainRow(summary.id, _release(summary), summary.status, record,
                             record.created_at, "(unreadable seal)", 0, 0, ())


def list_exports(site: Site) -> list[ExportRecord]:
    """Every chain-of-custody receipt recorded in any run, newest first."""
    found: list[ExportRecord] = []
    for summary in promotions.list_promotions(site):
        try:
            events, _ = promotions.load_run(site, summary.id)
        except StellaError:
            continue  # a broken chain is shown as such on the promotions list
        found.extend(ExportRecord.of(summary.id, e) for e in events
                     if e.type == ev.EXPORT_RECORDED)
    return sorted(found, key=lambda r: (r.at, r.promotion_id, r.seq), reverse=True)


@dataclass(frozen=True)
class ExportedFile:
    """A recorded export and whether its files are still where they were written."""

    record: ExportRecord
    path: str  # the archive, or its first part for a split export
    present: bool


def list_export_files(site: Site) -> list[ExportedFile]:
    found = []
    for record in list_exports(site):
        folder = Path(record.destination)
        names = record.parts or (record.archive,)
        present = all((folder / name).is_file() for name in names)
        found.append(ExportedFile(record, str(folder / names[0]), present))
    return found


def promotion_ids(site: Site) -> list[tuple[str, str]]:
    """``(id, "id — release → env (status)")`` of every promotion, newest first."""
    return [(s.id, f"{s.id} — {_release(s)} → {s.to_env} ({s.status})")
            for s in promotions.list_promotions(site)]


def discover_media() -> list[Medium]:
    """Removable media mounted now (reads the OS's mount tables: run it in a worker)."""
    return media.discover()
