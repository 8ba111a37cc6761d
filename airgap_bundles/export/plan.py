"""Lay an export's content out as files and sign its index (DESIGN §7).

:func:`plan_export` is pure: the same content gives the same members, byte for
byte, in the same order — ``index.json`` first (so a streaming reader meets the
table of contents before anything else), then every other file sorted by path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airgap_bundles.export import layout
from airgap_bundles.export.content import ExportContent
from airgap_bundles.export.errors import ExportContentError
from airgap_bundles.export.gate_eval import gate_eval_members
from airgap_bundles.export.index import ExportIndex, IndexItem, KeyEntry, sort_items
from airgap_bundles.export.readme import readme_text
from airgap_bundles.export.timeline import encode_timeline
from engine.canonical import sha256_hex
from engine.crypto.keys import Signer
from engine.evidence import statements
from engine.run.events import ChainError, Event, verify_chain
from engine.run.state import fold
from engine.tlog.checkpoint import Checkpoint
from engine.tlog.errors import TlogError
from engine.tlog.note import SignedNote
from engine.tlog.receipt import Receipt


@dataclass(frozen=True)
class Member:
    """One file of the archive: its bytes in memory, or a spooled file on disk."""

    path: str
    size: int
    sha256: str
    data: bytes | None = None
    file: Path | None = None

    @classmethod
    def of_bytes(cls, path: str, data: bytes) -> Member:
        return cls(path=path, size=len(data), sha256=sha256_hex(data), data=data)


@dataclass(frozen=True)
class ExportPlan:
    index: ExportIndex
    members: tuple[Member, ...]

    @property
    def total_bytes(self) -> int:
        return sum(m.size for m in self.members)


def parse_events(raws: Sequence[bytes]) -> list[Event]:
    try:
        return verify_chain((raw, sha256_hex(raw)) for raw in raws)
    except ChainError as exc:
        raise ExportContentError(
            f"the run's event chain does not verify ({exc}); nothing was exported"
        ) from None


def _check_tlog(content: ExportContent) -> None:
    try:
        size = Checkpoint.from_body(SignedNote.from_text(content.checkpoint).text).size
    except TlogError as exc:
        raise ExportContentError(f"the site checkpoint is unreadable: {exc}") from None
    if size != content.checkpoint_size:
        raise ExportContentError("the checkpoint size does not match the one given")
    for item in content.evidence:
        try:
            receipt = Receipt.from_bytes(item.receipt)
        except TlogError as exc:
            raise ExportContentError(f"the receipt of {item.name} is unreadable: {exc}") from None
        if receipt.checkpoint != content.checkpoint or receipt.log_index != item.log_index:
            raise ExportContentError(
                f"the receipt of {item.name} is not under the export's checkpoint"
            )


def plan_export(content: ExportContent, report_pdf: bytes, signer: Signer) -> ExportPlan:
    """Every file of the export, ``index.json`` signed by ``signer`` (the site key)."""
    if signer.keyid != content.site_key.keyid:
        raise ExportContentError("the export must be signed by the site key it ships")
    _check_tlog(content)
    events = parse_events(content.events)
    state = fold(events)
    steps = list(events[0].data.get("steps", []))
    members: list[Member] = []
    items: list[IndexItem] = []

    def add(path: str, data: bytes, kind: str, **extra: Any) -> None:
        member = Member.of_bytes(path, data)
        members.append(member)
        items.append(
            IndexItem(path=path, sha256=member.sha256, size=member.size, kind=kind, **extra)
        )

    add(layout.README, readme_text(content), layout.K_README)
    if content.trust_root is not None:
        add(layout.TRUST_ROOT, content.trust_root, layout.K_TRUST_ROOT)
    for keyid, shipped in sorted(content.keys.items()):
        add(layout.key_path(keyid), shipped.key.to_pem().encode("ascii"), layout.K_KEY)
    add(layout.CHECKPOINT, content.checkpoint.encode("utf-8"), layout.K_CHECKPOINT)
    add(layout.LOG_KEY, (content.log_key.vkey + "\n").encode("ascii"), layout.K_LOG_KEY)
    add(layout.TIMELINE, encode_timeline(content.events), layout.K_TIMELINE)
    if content.run_log is not None:
        add(layout.RUN_LOG, content.run_log, layout.K_RUN_LOG)
    if content.roster is not None:
        add(layout.ROSTER, content.roster, layout.K_ROSTER)

    used: set[str] = set()
    seals = []
    for item in sorted(content.evidence, key=lambda e: e.log_index):
        stem = layout.evidence_stem(steps, item.step, item.name, item.attempt)
        if stem in used:
            stem = f"{stem}.{item.log_index}"
        used.add(stem)
        common = {
            "step": item.step,
            "log_index": item.log_index,
            "name": item.name,
            "attempt": item.attempt,
        }
        add(
            stem + ".dsse.json",
            item.envelope,
            layout.K_EVIDENCE,
            predicate_type=item.predicate_type,
            **common,
        )
        add(stem + ".receipt.json", item.receipt, layout.K_RECEIPT, **common)
        if item.predicate_type == statements.PROOF_CHAIN:
            seals.append(item)
    if content.bundle == layout.AUDITOR_BUNDLE and content.partial:
        raise ExportContentError("an auditor bundle is never partial: the run must be sealed")
    if not content.partial:  # a partial pack keeps an unfinished seal among the evidence only
        if not seals:
            raise ExportContentError("a sealed export needs the run's proof chain")
        seal = seals[-1]
        add(
            layout.PROOF_CHAIN,
            seal.envelope,
            layout.K_PROOF_CHAIN,
            step=seal.step,
            log_index=seal.log_index,
            name=seal.name,
            attempt=seal.attempt,
        )

    folders: set[str] = set()
    for number, gate_eval in enumerate(content.gate_evals, 1):
        folder = layout.gate_eval_folder(steps, gate_eval.step, gate_eval.attempt)
        if folder in folders:
            folder = f"{folder}.{number}"
        folders.add(folder)
        for file in gate_eval_members(folder, gate_eval):
            add(file.path, file.data, file.kind, step=gate_eval.step, attempt=gate_eval.attempt)

    for log in sorted(content.logs, key=lambda lf: layout.log_path(steps, lf.step)):
        path = layout.log_path(steps, log.step)
        members.append(Member(path=path, size=log.size, sha256=log.sha256, file=log.path))
        items.append(
            IndexItem(path=path, sha256=log.sha256, size=log.size, kind=layout.K_LOG, step=log.step)
        )
    add(layout.REPORT, report_pdf, layout.K_REPORT)

    index = ExportIndex(
        bundle=content.bundle,
        promotion=content.promotion,
        release=dict(content.release),
        partial=content.partial,
        site_name=content.site_name,
        site_key=content.site_key.keyid,
        log_origin=content.log_key.name,
        run_status=state.status,
        run_events=len(events),
        run_head=events[-1].hash,
        checkpoint_size=content.checkpoint_size,
        seal_consistency=content.seal_consistency,
        keys=tuple(
            KeyEntry(keyid, tuple(shipped.roles)) for keyid, shipped in sorted(content.keys.items())
        ),
        items=sort_items(items),
    )
    index_member = Member.of_bytes(layout.INDEX, index.sign(signer))
    ordered = sorted(members, key=lambda m: m.path)
    paths = [m.path for m in ordered]
    if len(set(paths)) != len(paths):
        raise ExportContentError("two files of the export would have the same path")
    return ExportPlan(index=index, members=(index_member, *ordered))


def file_sha256(path: Path, chunk: int = 1 << 20) -> tuple[int, str]:
    """Size and SHA-256 of a file, read once in large chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()
