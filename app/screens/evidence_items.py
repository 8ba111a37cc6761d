"""One evidence item in detail, and one step's artifacts, for the evidence screens.

An evidence packet is shown decoded (the in-toto statement, pretty-printed) with who
signed its envelope and whether each signature verifies; a receipt is rebuilt under
the latest checkpoint and its inclusion proof checked here, locally, exactly as an
auditor would check it offline. Everything runs in a worker and returns values.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.context import Site
from app.errors import NotFound
from app.services import evidence, promotions, releases, setup
from app.services.evidence import EvidenceRecord
from app.site_keys import log_signer, site_signer
from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.crypto.keys import PublicKey
from engine.tlog.errors import TlogError
from engine.tlog.receipt import verify_receipt

_DIGEST = re.compile(r"\A(?:sha256:)?[0-9a-f]{64}\Z")


@dataclass(frozen=True)
class SignatureCheck:
    keyid: str
    signer: str  # "site key", "user bob (approver)", "unknown key"
    ok: bool | None  # None: no key known to check it with


@dataclass(frozen=True)
class EvidencePacket:
    record: EvidenceRecord
    payload_type: str
    envelope_size: int
    signatures: tuple[SignatureCheck, ...]
    statement_text: str  # the decoded statement, pretty-printed

    @property
    def keyids(self) -> tuple[str, ...]:
        return tuple(s.keyid for s in self.signatures)


def _record(site: Site, promotion_id: str, evidence_id: int) -> EvidenceRecord:
    for record in evidence.list_evidence(site, promotion_id):
        if record.id == evidence_id:
            return record
    raise NotFound(f"no evidence item {evidence_id} in promotion {promotion_id}")


def _known_keys(site: Site) -> dict[str, tuple[str, PublicKey | None]]:
    site_key = site_signer(site.paths.keys).public_key
    known: dict[str, tuple[str, PublicKey | None]] = {site_key.keyid: ("site key", site_key)}
    for user in setup.list_users(site):
        if user.key_id and user.key_id not in known:
            key = PublicKey.from_pem(user.public_key_pem) if user.public_key_pem else None
            known[user.key_id] = (f"user {user.name} ({user.role})", key)
    return known


def load_packet(site: Site, promotion_id: str, evidence_id: int) -> EvidencePacket:
    """The item's envelope decoded, with each signature checked against the key it names."""
    record = _record(site, promotion_id, evidence_id)
    raw = evidence.envelope_bytes(site, evidence_id)
    envelope = dsse.Envelope.from_bytes(raw)
    known = _known_keys(site)
    checks = []
    for signature in envelope.signatures:
        who, key = known.get(signature.keyid or "", ("unknown key", None))
        ok = None
        if key is not None:
            ok = bool(dsse.valid_signers(dsse.Envelope(envelope.payload_type, envelope.payload,
                                                       (signature,)), {key.keyid: key}))
        checks.append(SignatureCheck(signature.keyid or "(no key id)", who, ok))
    try:
        text = json.dumps(json.loads(envelope.payload), indent=2, sort_keys=True,
                          ensure_ascii=False)
    except ValueError:
        text = envelope.payload.decode("utf-8", errors="replace")
    return EvidencePacket(record, envelope.payload_type, len(raw), tuple(checks), text)


@dataclass(frozen=True)
class ReceiptCheck:
    """A receipt rebuilt under the latest checkpoint and verified locally."""

    evidence_id: int
    log_index: int
    ok: bool
    message: str
    tree_size: int = 0
    log_origin: str = ""
    leaf_hash: str = ""  # base64, as in the receipt
    proof_length: int = 0
    checkpoint: str = ""


def verify_receipts(site: Site, items: Sequence[tuple[int, int]]) -> dict[int, ReceiptCheck]:
    """``(evidence id, log index)`` pairs → their checked receipts, by evidence id."""
    if not items:
        return {}
    _, receipts = evidence.receipts(site, [index for _, index in items])
    verifier = log_signer(site.paths.keys, site.row().log_origin).verifier
    checks = {}
    for (evidence_id, index), receipt in zip(items, receipts, strict=True):
        common: dict[str, Any] = dict(tree_size=receipt.tree_size, log_origin=receipt.log_origin,
                      leaf_hash=base64.b64encode(receipt.leaf_hash).decode("ascii"),
                      proof_length=len(receipt.inclusion_proof), checkpoint=receipt.checkpoint)
        try:
            verify_receipt(evidence.envelope_bytes(site, evidence_id), receipt, verifier)
        except (TlogError, CryptoError) as exc:
            checks[evidence_id] = ReceiptCheck(evidence_id, index, False, str(exc), **common)
            continue
        checks[evidence_id] = ReceiptCheck(
            evidence_id, index, True,
            f"entry {index} of {receipt.log_origin}: inclusion proof of "
            f"{len(receipt.inclusion_proof)} hash(es) verified under the checkpoint of "
            f"{receipt.tree_size} entries signed by the log key", **common)
    return checks


@dataclass(frozen=True)
class Artifact:
    name: str
    digest: str
    source: str  # where it comes from: the release manifest or a step output


@dataclass(frozen=True)
class StepArtifacts:
    promotion_id: str
    step: str
    release: releases.ReleaseManifest
    artifacts: tuple[Artifact, ...]

    @property
    def manifest_text(self) -> str:
        return json.dumps(self.release.manifest, indent=2, sort_keys=True, ensure_ascii=False)


def load_step_artifacts(site: Site, promotion_id: str, step: str) -> StepArtifacts:
    _, state = promotions.load_run(site, promotion_id)
    release = releases.release_manifest(site, str(state.release["digest"]))
    found = [Artifact("release.json", release.digest, "release manifest (RFC 8785 bytes)")]
    for component in release.manifest.get("components") or ():
        if isinstance(component, Mapping) and component.get("digest"):
            image = component.get("image") or component.get("name", "")
            found.append(Artifact(f"{component.get('name', '?')}: {image}",
                                  str(component["digest"]), "release component image"))
        if isinstance(component, Mapping) and component.get("sbom"):
            found.append(Artifact(f"{component.get('name', '?')}: SBOM", "",
                                  f"release bundle member {component['sbom']}"))
    found.extend(output_artifacts(state.step(step).outputs))
    return StepArtifacts(promotion_id, step, release, tuple(found))


def output_artifacts(outputs: Mapping[str, Any]) -> list[Artifact]:
    """Outputs that name content by digest: a digest string, or records carrying one."""
    found = []
    for key in sorted(outputs):
        value = outputs[key]
        if isinstance(value, str) and _DIGEST.match(value):
            found.append(Artifact(key, value, "step output"))
        elif isinstance(value, Mapping) and isinstance(value.get("digest"), str):
            found.append(Artifact(_label(key, value), value["digest"], "step output"))
        elif isinstance(value, list):
            for number, item in enumerate(value, 1):
                if isinstance(item, Mapping) and isinstance(item.get("digest"), str):
                    found.append(Artifact(_label(f"{key} #{number}", item), item["digest"],
                                          "step output"))
    return found


def _label(key: str, record: Mapping[str, Any]) -> str:
    name = record.get("name") or record.get("path")
    return f"{key}: {name}" if name else key
