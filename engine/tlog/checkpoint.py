"""Checkpoints (c2sp.org/tlog-checkpoint): the signed tree head of the site log.

The body is three or more lines: origin, tree size in decimal, base64 root hash,
then optional non-empty extension lines. It is published as a signed note; the
log's key name should match the origin, and this log always makes them equal.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

from engine.tlog.errors import CheckpointError
from engine.tlog.hashing import HASH_SIZE
from engine.tlog.keys import NoteSigner, NoteVerifier, strict_b64decode
from engine.tlog.note import SignedNote, VerifiedNote, open_note, sign_note

MAX_TREE_SIZE = (1 << 64) - 1


def _no_controls(value: str) -> bool:
    return not any(ord(c) < 0x20 for c in value)


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: ``size`` leaves hashing to ``root_hash`` in the log named ``origin``."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or not _no_controls(self.origin):
            raise CheckpointError("checkpoint origin must be a non-empty single line",
                                  rule="origin")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not (
            0 <= self.size <= MAX_TREE_SIZE
        ):
            raise CheckpointError(f"checkpoint tree size {self.size!r} is not a 64-bit count",
                                  rule="tree-size")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"checkpoint root hash must be {HASH_SIZE} bytes",
                                  rule="root-hash")
        for ext in self.extensions:
            if not ext or not _no_controls(ext):
                raise CheckpointError("checkpoint extension lines must be non-empty single lines",
                                      rule="extension-line")

    def body(self) -> str:
        """The note text: origin, size, base64 root, extension lines, each ending in newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode("ascii"),
                 *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def from_body(cls, text: str) -> Checkpoint:
        """Parse a checkpoint body strictly (the text of a signed note, signatures removed)."""
        if not text.endswith("\n"):
            raise CheckpointError("checkpoint body must end with a newline", rule="final-newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("checkpoint needs origin, tree size and root hash lines",
                                  rule="too-few-lines")
        origin, size_text, root_text, *extensions = lines
        if not origin:
            raise CheckpointError("checkpoint origin line is empty", rule="origin")
        if not (size_text == "0" or (
            size_text[:1] in set("123456789") and all(c in "0123456789" for c in size_text)
        )):
            raise CheckpointError(
                f"checkpoint tree size {size_text!r} is not a decimal without leading zeros",
                rule="tree-size",
            )
        size = int(size_text)
        if size > MAX_TREE_SIZE:
            raise CheckpointError("checkpoint tree size does not fit in 64 bits", rule="tree-size")
        try:
            root = strict_b64decode(root_text)
        except ValueError as exc:
            raise CheckpointError(f"checkpoint root hash is {exc}", rule="root-hash") from exc
        if len(root) != HASH_SIZE:
            raise CheckpointError(
                f"checkpoint root hash is {len(root)} bytes, expected {HASH_SIZE}",
                rule="root-hash",
            )
        for ext in extensions:
            if not ext:
                raise CheckpointError("checkpoint extension lines must not be empty",
                                      rule="extension-line")
        return cls(origin=origin, size=size, root_hash=root, extensions=tuple(extensions))


@dataclass(frozen=True)
class VerifiedCheckpoint:
    """A checkpoint signed by the log key (and by ``witnesses``, if any were required)."""

    checkpoint: Checkpoint
    note: VerifiedNote
    witnesses: tuple[NoteVerifier, ...]

    @property
    def text(self) -> str:
        """The signed note text exactly as it was verified."""
        return self.note.note.to_text()


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner) -> str:
    """The checkpoint as a signed note. The signer's name must be the origin."""
    if signer.name != checkpoint.origin:
        raise CheckpointError(
            f"the log key is named {signer.name} but the checkpoint origin is "
            f"{checkpoint.origin}; they must match", rule="origin",
        )
    return sign_note(checkpoint.body(), [signer])


def verify_checkpoint(
    note: str | bytes | SignedNote,
    log_key: NoteVerifier,
    *,
    origin: str | None = None,
    accept_any_origin: bool = False,
    witnesses: Iterable[NoteVerifier] = (),
    witness_threshold: int = 0,
) -> VerifiedCheckpoint:
    """Verify a signed checkpoint: the log key's signature, the body, the origin, witnesses.

    ``origin`` defaults to the log key's name. ``accept_any_origin`` skips that check
    and is only for logs whose origin is not known in advance.
    Witness keys are checked like any trusted key; ``witness_threshold`` of them
    must have signed.
    """
    witness_keys = tuple(witnesses)
    opened = open_note(note, (log_key, *witness_keys))
    if log_key not in opened.verified_by:
        raise CheckpointError(
            f"the checkpoint is not signed by the log key {log_key.name}", rule="log-signature"
        )
    signed_witnesses = tuple(w for w in opened.verified_by if w in witness_keys and w != log_key)
    if len(signed_witnesses) < witness_threshold:
        raise CheckpointError(
            f"the checkpoint has {len(signed_witnesses)} valid witness signatures; "
            f"{witness_threshold} are required", rule="witness-threshold",
        )
    checkpoint = Checkpoint.from_body(opened.text)
    expected = log_key.name if origin is None else origin
    if not accept_any_origin and checkpoint.origin != expected:
        raise CheckpointError(
            f"the checkpoint is for log {checkpoint.origin!r}, expected {expected!r}",
            rule="origin",
        )
    return VerifiedCheckpoint(checkpoint=checkpoint, note=opened, witnesses=signed_witnesses)
