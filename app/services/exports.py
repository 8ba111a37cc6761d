"""Exports to removable media (DESIGN §7): evidence packs and auditor bundles.

One export is: a consistent snapshot of the run read in one transaction (events,
evidence with receipts rebuilt under the latest checkpoint, step logs spooled to
the site's staging folder, keys, trust root, and each recorded gate verdict with
the sealed inputs it is re-evaluated from, :mod:`app.services.export_policy`),
the report rendered, the archive written to temporary names on the destination,
fsynced and read back, renamed into place, and then a signed chain-of-custody
receipt appended to the run's events as ``export.recorded`` (which changes no
step). If the receipt cannot be recorded the exported files are removed again:
an export is never unrecorded. A custody intent in the site home
(:mod:`app.services.export_intents`) is written before the first byte and, with the
signed receipt, before the rename, and removed after the event: a process killed
anywhere in between is resolved when the site is next opened.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from airgap_bundles import media as media_discovery
from airgap_bundles.export import (
    CustodyReceipt,
    EvidenceFile,
    ExportContent,
    ExportError,
    ExportFiles,
    ExportProgress,
    FileDigest,
    LogFile,
    ShippedKey,
    layout,
    plan_export,
    prepare_export,
    write_custody,
)
from airgap_bundles.export.archive import DEFAULT_LEVEL
from airgap_bundles.export.index import SealConsistency
from airgap_bundles.media import Medium
from app.context import Site
from app.errors import NotFound, NotNow, Rejected, UsageError
from app.leftovers import staging_prefix
from app.services import export_authority, export_intents, export_policy, site_roster
from app.services.identity import Identity
from app.services.roles import require_signer
from app.site_keys import LOG_KEY, log_signer, site_signer
from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.crypto.intoto import Statement
from engine.crypto.keys import PublicKey, Signer, load_private_key
from engine.crypto.trust_root import TrustRoot
from engine.evidence import statements
from engine.roster import sign_new_events
from engine.run import events as ev
from engine.run.stages import SEAL
from engine.run.state import SUCCEEDED, fold
from engine.tlog.checkpoint import Checkpoint
from engine.tlog.note import SignedNote
from engine.tlog.receipt import build_receipt
from engine.tlog.tree import LogTree
from models import run_store
from models.tables import EvidenceItem, Promotion, Release, StepLog, TrustRootRecord, User
from models.tlog_store import SqlNodeStore, latest_checkpoint, log_size

EVIDENCE = "evidence"
AUDITOR = "auditor"
KINDS = {EVIDENCE: layout.EVIDENCE_PACK, AUDITOR: layout.AUDITOR_BUNDLE}
EXPORTERS = ("operator", "release-manager", "approver", "auditor")
_SIZE = re.compile(r"\A(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\Z", re.IGNORECASE)
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str) -> int:
    """``4G``, ``700M``, ``1.5GiB``, ``65536`` → bytes (binary units)."""
    match = _SIZE.match(text.strip())
    if not match:
        raise UsageError(f"{text!r} is not a size (e.g. 4G, 700M, 65536)")
    size = int(float(match[1]) * _UNITS[match[2].upper()])
    if size < 1:
        raise UsageError("a split size is at least one byte")
    return size


@dataclass(frozen=True)
class ExportOutcome:
    promotion: str
    bundle: str
    partial: bool
    files: ExportFiles
    custody_event: int
    custody_file: Path | None
    warnings: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        f = self.files
        return {
            "promotion": self.promotion, "bundle": self.bundle, "partial": self.partial,
            "directory": str(f.directory),
            "archive": {"name": f.archive.name, "sha256": f.archive.sha256,
                        "size": f.archive.size},
            "parts": [{"name": p.name, "sha256": p.sha256, "size": p.size} for p in f.parts],
            "manifests": list(f.manifests), "index_sha256": f.index_sha256,
            "custody_event": self.custody_event,
            "custody_file": str(self.custody_file) if self.custody_file else None,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class _Snapshot:
    content: ExportContent
    head: str
    events: int


# --- the snapshot ---------------------------------------------------------------------


def _statement(envelope: bytes) -> Statement:
    return Statement.from_bytes(dsse.Envelope.from_bytes(envelope).payload)


def _keys(session, site: Site, envelopes: list[EvidenceItem], trust: TrustRoot | None,
          ) -> tuple[PublicKey, dict[str, ShippedKey]]:
    site_key = site_signer(site.paths.keys).public_key
    log_key = load_private_key(site.paths.keys / LOG_KEY).public_key
    roles: dict[str, tuple[PublicKey, list[str]]] = {
        site_key.keyid: (site_key, [layout.ROLE_SITE]),
    }
    roles.setdefault(log_key.keyid, (log_key, []))[1].append(layout.ROLE_LOG)
    if trust is not None:
        for name, role in sorted(trust.roles.items()):
            for keyid in role.keyids:
                entry = roles.setdefault(keyid, (trust.keys[keyid], []))
                entry[1].append(layout.TRUST_ROLE_PREFIX + name)
    users = {u.key_id: u for u in session.scalars(select(User).where(User.key_id.is_not(None)))}
    for row in envelopes:
        for signature in dsse.Envelope.from_bytes(row.envelope).signatures:
            signer = signature.keyid
            if signer in roles:
                continue
            user = users.get(signer)
            if signer is None or user is None or not user.public_key_pem:
                raise Rejected(f"evidence {row.name} of step {row.step} is signed by key "
                               f"{signer}, which this site does not know; it cannot be exported "
                               "verifiably")
            roles[signer] = (PublicKey.from_pem(user.public_key_pem),
                             [layout.USER_ROLE_PREFIX + user.name])
    return site_key, {k: ShippedKey(key, tuple(r)) for k, (key, r) in roles.items()}


def _spool_logs(session, promotion_id: str, steps: list[str], folder: Path) -> list[LogFile]:
    """Write each step's log to a spool file once, hashing as it goes. Raw cursor rows in
    batches and one write per step per batch keep this near the database's own speed."""
    handles: dict[str, Any] = {}
    digests: dict[str, Any] = {}
    sizes: dict[str, int] = {}
    result = session.connection().execution_options(stream_results=True).execute(
        select(StepLog.step, StepLog.attempt, StepLog.at, StepLog.line)
        .where(StepLog.promotion_id == promotion_id).order_by(StepLog.id))
    cursor = result.cursor  # plain DB-API tuples: these columns need no type processing
    try:
        while partition := cursor.fetchmany(20_000):
            chunks: dict[str, list[str]] = {}
            for step, attempt, at, line in partition:
                chunks.setdefault(step, []).append(f"{at} [{step}#{attempt}] {line}\n")
            for step, lines in chunks.items():
                if step not in handles:
                    name = layout.log_path(steps, step).rsplit("/", 1)[1]
                    handles[step] = open(folder / name, "wb")
                    digests[step], sizes[step] = hashlib.sha256(), 0
                data = "".join(lines).encode("utf-8")
                handles[step].write(data)
                digests[step].update(data)
                sizes[step] += len(data)
    finally:
        result.close()
        for handle in handles.values():
            handle.close()
    return [LogFile(step, Path(handles[step].name), sizes[step], digests[step].hexdigest())
            for step in handles]


def _snapshot(site: Site, promotion_id: str, bundle: str, who: Identity, allow_partial: bool,
              spool: Path) -> _Snapshot:
    row_site = site.row()
    with site.db.read() as session:
        # the site key signs what ships: never a roster replaced in the database
        site_roster.check_genesis(site.paths.keys, site_roster.load(session))
        require_signer(session, who, EXPORTERS, "export evidence", site.now())
        promotion = session.get(Promotion, promotion_id)
        if promotion is None:
            raise NotFound(f"no promotion {promotion_id}")
        release = session.get_one(Release, promotion.release_id)
        try:
            events = run_store.load_events(session, promotion_id)
        except ev.ChainError as exc:
            raise Rejected(f"the event chain of {promotion_id} is broken at {exc}; "
                           "nothing was exported") from None
        state = fold(events)
        rows = list(session.scalars(select(EvidenceItem).where(
            EvidenceItem.promotion_id == promotion_id).order_by(EvidenceItem.log_index)))
        seals = [r for r in rows if r.predicate_type == statements.PROOF_CHAIN]
        sealed = bool(seals) and state.step(SEAL).status == SUCCEEDED
        if bundle == layout.AUDITOR_BUNDLE and not sealed:
            raise NotNow(f"{promotion_id} is not sealed yet; an auditor bundle needs the proof "
                         "chain. Export an evidence pack with --partial instead")
        if not sealed and not allow_partial:
            raise NotNow(f"{promotion_id} is not sealed yet, so its evidence pack would be "
                         "partial; confirm with --partial")
        checkpoint = latest_checkpoint(session)
        if checkpoint is None:
            raise NotNow("the site log is empty: there is no evidence to export yet")
        tree = LogTree(SqlNodeStore(session), log_size(session))
        evidence = tuple(EvidenceFile(
            step=r.step, name=r.name, attempt=r.attempt, predicate_type=r.predicate_type,
            log_index=r.log_index, envelope=bytes(r.envelope),
            receipt=build_receipt(tree, r.log_index, checkpoint.note).to_bytes()) for r in rows)
        consistency = None
        if sealed:
            seal_note = _statement(bytes(seals[-1].envelope)).predicate["checkpoint"]
            sealed_size = Checkpoint.from_body(SignedNote.from_text(seal_note).text).size
            consistency = SealConsistency(sealed_size, checkpoint.size,
                                          tree.consistency_proof(sealed_size, checkpoint.size))
        trust_row = session.scalar(select(TrustRootRecord)
                                   .order_by(TrustRootRecord.version.desc()).limit(1))
        trust = (TrustRoot.from_envelope(dsse.Envelope.from_bytes(trust_row.envelope))
                 if trust_row else None)
        if trust is None and bundle == layout.AUDITOR_BUNDLE:
            raise NotNow("this site has no trust root installed; an auditor bundle ships the "
                         "trust root in force")
        site_key, keys = _keys(session, site, rows, trust)
        steps = list(events[0].data["steps"])
        logs = _spool_logs(session, promotion_id, steps, spool)
        verdicts = export_policy.verdict_rows(session, promotion_id, (r.digest for r in rows))
        gate_evals = tuple(export_policy.gate_eval_files(site, row) for row in verdicts)
        content = ExportContent(
            bundle=bundle, promotion=promotion_id,
            release={"name": release.name, "version": release.version, "digest": release.digest},
            partial=not sealed, site_name=row_site.name, site_key=site_key,
            log_key=log_signer(site.paths.keys, row_site.log_origin).verifier,
            checkpoint=checkpoint.note, checkpoint_size=checkpoint.size,
            seal_consistency=consistency,
            trust_root=bytes(trust_row.envelope) if trust_row else None, keys=keys,
            events=tuple(e.raw for e in events), evidence=evidence, logs=tuple(logs),
            gate_evals=gate_evals,
            run_log=export_authority.run_log(session, promotion_id, tree, checkpoint.size),
            roster=export_authority.roster_file(session))
        return _Snapshot(content, events[-1].hash, len(events))


# --- the export -------------------------------------------------------------------------


def archive_name(directory: Path, promotion_id: str, bundle: str) -> str:
    """``<promotion>-<kind>.tar.gz``, numbered ``-2``, ``-3``… when that name is taken."""
    taken = {p.name for p in directory.iterdir()} if directory.is_dir() else set()
    number = 1
    while True:
        suffix = "" if number == 1 else f"-{number}"
        name = f"{promotion_id}-{bundle}{suffix}.tar.gz"
        if not any(t == name or t.startswith((name + ".", "." + name + ".")) for t in taken):
            return name
        number += 1


ReportRenderer = Callable[[ExportContent], bytes]
"""Turns an export's content into ``report.pdf``. Injected by the edge (the GUI, the
``stella export`` command): this service has no Qt, the PDF renderer has."""


def export(site: Site, promotion_id: str, kind: str, destination: Path | str, who: Identity, *,
           split_size: int | None = None, allow_partial: bool = False,
           medium: Medium | None = None, level: int = DEFAULT_LEVEL,
           progress: Callable[[ExportProgress], None] | None = None,
           cancel: Callable[[], bool] | None = None,
           renderer: ReportRenderer) -> ExportOutcome:
    """Export ``promotion_id`` as an evidence pack (``kind="evidence"``) or an auditor bundle
    (``kind="auditor"``) into the folder ``destination``; see the module docstring.
    ``who`` (authenticated) signs the custody event; ``renderer`` makes ``report.pdf``."""
    actor = who.name
    if kind not in KINDS:
        raise UsageError(f"export kind must be one of {', '.join(KINDS)}")
    bundle = KINDS[kind]
    directory = Path(destination).expanduser()
    if not directory.is_dir():
        raise NotFound(f"{directory} is not a folder; insert the medium or create the folder")
    medium = medium or media_discovery.medium_of(directory)
    signer = site_signer(site.paths.keys)
    site.paths.staging.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=staging_prefix("export"),  # owner: see leftovers
                                     dir=site.paths.staging) as spool:
        snapshot = _snapshot(site, promotion_id, bundle, who, allow_partial, Path(spool))
        content = snapshot.content
        try:
            plan = plan_export(content, renderer(content), signer)
        except (ExportError, CryptoError) as exc:
            raise Rejected(f"export of {promotion_id} failed: {exc.message}") from None
        name = archive_name(directory, promotion_id, bundle)
        # Intent first: a crash from here on is resolved at the next start.
        try:
            intent = export_intents.Intent.begin(site.paths.custody, promotion_id, bundle,
                                                 actor, directory, name)
        except OSError as exc:
            raise Rejected(f"export of {promotion_id} failed: its custody intent could not be "
                           f"written in {site.paths.custody} ({exc.strerror or exc}); nothing "
                           "was written to the medium") from None
        try:
            prepared = prepare_export(plan, directory, name, signer, split_size=split_size,
                                      level=level, progress=progress, cancel=cancel)
        except (ExportError, CryptoError) as exc:
            export_intents.abandon(intent)
            raise Rejected(f"export of {promotion_id} failed: {exc.message}") from None
        except BaseException:
            export_intents.abandon(intent)
            raise
    files = ExportFiles(prepared.directory, prepared.archive, prepared.parts,
                        prepared.manifests, prepared.index_sha256)
    receipt = CustodyReceipt(
        promotion=promotion_id, bundle=bundle, release=content.release, exported_by=actor,
        exported_at=site.now(), destination=str(directory.resolve()),
        medium=medium.to_json() if medium else None,
        archive=FileDigest(files.archive.name, files.archive.sha256, files.archive.size),
        parts=tuple(FileDigest(p.name, p.sha256, p.size) for p in files.parts),
        index_sha256=files.index_sha256, partial=content.partial,
        event_head=snapshot.head, event_count=snapshot.events).sign(signer)
    data = _custody_data(files, receipt, content.partial, bundle, directory, medium)
    try:
        intent.ready(data, receipt, [{"name": f.name, "sha256": f.sha256, "size": f.size}
                                     for f in (files.parts or (files.archive,))],
                     list(files.manifests))
        files = prepared.commit()
    except (OSError, ExportError) as exc:
        prepared.abort()
        left = export_intents.abandon(intent)
        kept = f"; remove {', '.join(p.name for p in left)} by hand" if left else ""
        reason = exc.message if isinstance(exc, ExportError) else (exc.strerror or str(exc))
        raise Rejected(f"export of {promotion_id} failed: {reason}{kept}") from None
    except BaseException:
        prepared.abort()
        export_intents.abandon(intent)
        raise
    try:
        seq = append_custody_event(site, promotion_id, actor, data, who.signer)
    except Exception as exc:
        left = export_intents.abandon(intent)
        kept = (f"; could not remove {', '.join(p.name for p in left)}" if left
                else "; the exported files were removed")
        raise Rejected(f"the export of {promotion_id} could not be recorded in the run's "
                       f"events ({exc}){kept}") from None
    intent.done()
    warnings: list[str] = []
    custody_file = None
    try:
        custody_file = write_custody(files, receipt)
    except ExportError as exc:
        warnings.append(exc.message)
    return ExportOutcome(promotion_id, bundle, content.partial, files, seq, custody_file,
                         tuple(warnings))


def _custody_data(files: ExportFiles, receipt: bytes, partial: bool, bundle: str,
                  directory: Path, medium: Medium | None) -> dict[str, Any]:
    """The ``export.recorded`` event's data: the files and the signed receipt."""
    envelope = dsse.Envelope.from_bytes(receipt)
    return {
        "bundle": bundle, "partial": partial, "archive": files.archive.name,
        "sha256": files.archive.sha256, "size": files.archive.size,
        "parts": [p.name for p in files.parts], "destination": str(directory.resolve()),
        "medium": medium.name if medium else None,
        "receipt": envelope.to_json(), "receiptDigest": "sha256:" + hashlib.sha256(
            receipt).hexdigest(),
    }


def append_custody_event(site: Site, promotion_id: str, actor: str, data: dict[str, Any],
                         signer: Signer, reason: str | None = None) -> int:
    """Append ``export.recorded`` (the export's completion), signed by ``actor``'s key
    ``signer`` (the executor's for a record made at start-up); returns its sequence number."""
    with site.db.write() as session:
        seq, head = run_store.head_of(session, promotion_id)
        event = ev.NewEvent(ev.EXPORT_RECORDED, actor=actor, at=site.now(), reason=reason,
                            data=data)
        signed = sign_new_events(promotion_id, seq, head, [event], signer)
        appended = run_store.append(session, promotion_id, head, signed)
    return appended[0].seq
