"""Receipts (DESIGN §6): what proves one evidence item is in the site log.

``{"logOrigin", "logIndex", "treeSize", "leafHash", "inclusionProof", "checkpoint"}``
with hashes in standard base64 and the checkpoint as its signed note text. A
receipt is self-contained: with the item's bytes and the log's verifier key an
auditor checks it offline, with this code or any RFC 6962 / signed-note tool.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.canonical import canonical_bytes
from engine.tlog.checkpoint import Checkpoint, VerifiedCheckpoint, verify_checkpoint
from engine.tlog.errors import CheckpointError, NoteError, ProofError, ReceiptError, TlogError
from engine.tlog.hashing import HASH_SIZE, leaf_hash
from engine.tlog.keys import NoteVerifier, strict_b64decode
from engine.tlog.note import SignedNote
from engine.tlog.tree import LogTree
from engine.tlog.verify import verify_inclusion

_FIELDS = ("logOrigin", "logIndex", "treeSize", "leafHash", "inclusionProof", "checkpoint")


def _format_error(message: str) -> ReceiptError:
    return ReceiptError(f"receipt is malformed: {message}", check="format")


def _hash_from_b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise _format_error(f"{what} must be a base64 string")
    try:
        raw = strict_b64decode(value)
    except ValueError as exc:
        raise _format_error(f"{what} is {exc}") from exc
    if len(raw) != HASH_SIZE:
        raise _format_error(f"{what} is {len(raw)} bytes, expected {HASH_SIZE}")
    return raw


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@dataclass(frozen=True)
class Receipt:
    """A structurally valid receipt; its checkpoint signature and proof are checked by
    ``verify_receipt``."""

    log_origin: str
    log_index: int
    tree_size: int
    leaf_hash: bytes
    inclusion_proof: tuple[bytes, ...]
    checkpoint: str

    def __post_init__(self) -> None:
        if not _is_count(self.log_index) or not _is_count(self.tree_size):
            raise _format_error("logIndex and treeSize must be non-negative integers")
        if self.log_index >= self.tree_size:
            raise _format_error(f"logIndex {self.log_index} is not below treeSize "
                                f"{self.tree_size}")
        if not isinstance(self.log_origin, str) or not isinstance(self.checkpoint, str):
            raise _format_error("logOrigin and checkpoint must be strings")
        if not all(isinstance(h, bytes) and len(h) == HASH_SIZE
                   for h in (self.leaf_hash, *self.inclusion_proof)):
            raise _format_error(f"every hash must be {HASH_SIZE} bytes")
        try:
            body = Checkpoint.from_body(SignedNote.from_text(self.checkpoint).text)
        except TlogError as exc:
            raise _format_error(f"checkpoint: {exc}") from exc
        if body.origin != self.log_origin or body.size != self.tree_size:
            raise _format_error(
                f"the checkpoint is for {body.origin!r} at size {body.size}, but the receipt "
                f"says {self.log_origin!r} at size {self.tree_size}"
            )

    def to_json(self) -> dict[str, Any]:
        return {
            "logOrigin": self.log_origin,
            "logIndex": self.log_index,
            "treeSize": self.tree_size,
            "leafHash": base64.b64encode(self.leaf_hash).decode("ascii"),
            "inclusionProof": [base64.b64encode(p).decode("ascii") for p in self.inclusion_proof],
            "checkpoint": self.checkpoint,
        }

    def to_bytes(self) -> bytes:
        """RFC 8785 canonical JSON: the bytes stored and exported as ``*.receipt.json``."""
        return canonical_bytes(self.to_json())

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Receipt:
        if not isinstance(obj, Mapping) or set(obj) != set(_FIELDS):
            keys = sorted(obj) if isinstance(obj, Mapping) else type(obj).__name__
            raise _format_error(f"expected exactly the fields {', '.join(_FIELDS)}; got {keys}")
        proof = obj["inclusionProof"]
        if not isinstance(proof, list):
            raise _format_error("inclusionProof must be a list")
        return cls(
            log_origin=obj["logOrigin"],
            log_index=obj["logIndex"],
            tree_size=obj["treeSize"],
            leaf_hash=_hash_from_b64(obj["leafHash"], "leafHash"),
            inclusion_proof=tuple(
                _hash_from_b64(p, f"inclusionProof[{i}]") for i, p in enumerate(proof)
            ),
            checkpoint=obj["checkpoint"],
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Receipt:
        try:
            obj = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _format_error(f"not UTF-8 JSON ({exc})") from exc
        return cls.from_json(obj)


@dataclass(frozen=True)
class VerifiedReceipt:
    receipt: Receipt
    checkpoint: VerifiedCheckpoint


def build_receipt(tree: LogTree, index: int, signed_checkpoint: str) -> Receipt:
    """The receipt for entry ``index`` under ``signed_checkpoint`` (a checkpoint of ``tree``)."""
    try:
        body = Checkpoint.from_body(SignedNote.from_text(signed_checkpoint).text)
    except TlogError as exc:
        raise ReceiptError(f"cannot build a receipt: checkpoint: {exc}",
                           check="checkpoint") from exc
    if body.size > tree.size or tree.root_at(body.size) != body.root_hash:
        raise ReceiptError(
            f"cannot build a receipt: the checkpoint (size {body.size}) is not a tree head "
            f"of this log (size {tree.size})", check="checkpoint",
        )
    if not 0 <= index < body.size:
        raise ReceiptError(
            f"cannot build a receipt: entry {index} is not covered by the checkpoint of "
            f"size {body.size}; sign a newer checkpoint first", check="checkpoint",
        )
    return Receipt(
        log_origin=body.origin,
        log_index=index,
        tree_size=body.size,
        leaf_hash=tree.leaf_hash(index),
        inclusion_proof=tree.inclusion_proof(index, body.size),
        checkpoint=signed_checkpoint,
    )


def verify_receipt(
    leaf_data: bytes, receipt: Receipt, log_key: NoteVerifier, *, origin: str | None = None
) -> VerifiedReceipt:
    """Check that ``leaf_data`` is entry ``logIndex`` of the log under a checkpoint signed
    by ``log_key``: leaf hash, checkpoint signature and origin, then the inclusion proof.

    ``origin`` defaults to the log key's name. Raises ``ReceiptError`` whose ``check``
    is ``leaf-hash``, ``checkpoint`` or ``inclusion``.
    """
    if leaf_hash(leaf_data) != receipt.leaf_hash:
        raise ReceiptError("the item's bytes do not hash to the receipt's leafHash: "
                           "the item was changed or belongs to another receipt",
                           check="leaf-hash")
    try:
        verified = verify_checkpoint(receipt.checkpoint, log_key, origin=origin)
    except (NoteError, CheckpointError) as exc:
        raise ReceiptError(f"the receipt's checkpoint is not valid: {exc}",
                           check="checkpoint") from exc
    cp = verified.checkpoint
    try:
        verify_inclusion(receipt.leaf_hash, receipt.log_index, cp.size,
                         receipt.inclusion_proof, cp.root_hash)
    except ProofError as exc:
        raise ReceiptError(f"entry {receipt.log_index} is not proven to be in the log: {exc}",
                           check="inclusion") from exc
    return VerifiedReceipt(receipt=receipt, checkpoint=verified)
