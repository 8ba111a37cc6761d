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

import importlib
from typing import Any

# Names resolve on first use (PEP 562): importing one layer, say the tree for the site's
# node store, must not load the note keys and with them the cryptography library.
_WHERE = {
    "Checkpoint": "checkpoint",
    "VerifiedCheckpoint": "checkpoint",
    "sign_checkpoint": "checkpoint",
    "verify_checkpoint": "checkpoint",
    "BadKey": "errors",
    "CheckpointError": "errors",
    "ConsistencyProofError": "errors",
    "InclusionProofError": "errors",
    "InvalidSignature": "errors",
    "MalformedNote": "errors",
    "NoteError": "errors",
    "ProofError": "errors",
    "ReceiptError": "errors",
    "StoreCorrupt": "errors",
    "TlogError": "errors",
    "TreeError": "errors",
    "UnverifiedNote": "errors",
    "EMPTY_ROOT": "hashing",
    "HASH_SIZE": "hashing",
    "leaf_hash": "hashing",
    "merkle_root": "hashing",
    "node_hash": "hashing",
    "NoteSigner": "keys",
    "NoteVerifier": "keys",
    "NoteSignature": "note",
    "SignedNote": "note",
    "VerifiedNote": "note",
    "open_note": "note",
    "sign_note": "note",
    "Receipt": "receipt",
    "VerifiedReceipt": "receipt",
    "build_receipt": "receipt",
    "verify_receipt": "receipt",
    "MemoryNodeStore": "store",
    "NodeId": "store",
    "NodeStore": "store",
    "LogTree": "tree",
    "root_from_inclusion_proof": "verify",
    "verify_consistency": "verify",
    "verify_inclusion": "verify",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'engine.tlog' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"engine.tlog.{module}"), name)
    globals()[name] = value
    return value


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
