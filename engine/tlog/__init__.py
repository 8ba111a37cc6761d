"""The site transparency log (DESIGN §6): RFC 6962 tree, proofs, C2SP checkpoints, receipts.

Layers, each usable alone:

- ``hashing``: leaf and node hashes, the reference ``merkle_root``;
- ``verify``: inclusion and consistency proof verification, no store needed
  (what an auditor runs);
- ``store`` + ``tree``: the append-only tree over a ``NodeStore`` (O(log n) reads
  per proof, O(log n) writes per append);
- ``keys`` + ``note``: c2sp.org/signed-note keys, parsing, signing, opening;
- ``checkpoint``: c2sp.org/tlog-checkpoint bodies, signing and verification;
- ``receipt``: the per-item receipt and its offline verification.
"""

from __future__ import annotations

from engine.tlog.checkpoint import (
    Checkpoint,
    VerifiedCheckpoint,
    sign_checkpoint,
    verify_checkpoint,
)
from engine.tlog.errors import (
    BadKey,
    CheckpointError,
    ConsistencyProofError,
    InclusionProofError,
    InvalidSignature,
    MalformedNote,
    NoteError,
    ProofError,
    ReceiptError,
    StoreCorrupt,
    TlogError,
    TreeError,
    UnverifiedNote,
)
from engine.tlog.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, merkle_root, node_hash
from engine.tlog.keys import NoteSigner, NoteVerifier
from engine.tlog.note import NoteSignature, SignedNote, VerifiedNote, open_note, sign_note
from engine.tlog.receipt import Receipt, VerifiedReceipt, build_receipt, verify_receipt
from engine.tlog.store import MemoryNodeStore, NodeId, NodeStore
from engine.tlog.tree import LogTree
from engine.tlog.verify import root_from_inclusion_proof, verify_consistency, verify_inclusion

__all__ = [
    "EMPTY_ROOT", "HASH_SIZE", "BadKey", "Checkpoint", "CheckpointError",
    "ConsistencyProofError", "InclusionProofError", "InvalidSignature", "LogTree",
    "MalformedNote", "MemoryNodeStore", "NodeId", "NodeStore", "NoteError", "NoteSignature",
    "NoteSigner", "NoteVerifier", "ProofError", "Receipt", "ReceiptError", "SignedNote",
    "StoreCorrupt", "TlogError", "TreeError", "UnverifiedNote", "VerifiedCheckpoint",
    "VerifiedNote", "VerifiedReceipt", "build_receipt", "leaf_hash", "merkle_root",
    "node_hash", "open_note", "root_from_inclusion_proof", "sign_checkpoint", "sign_note",
    "verify_checkpoint", "verify_consistency", "verify_inclusion", "verify_receipt",
]
