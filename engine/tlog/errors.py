"""Errors of the transparency log, one base class, subclasses by cause.

Every message is written for the person reading a verification report: it says
what was checked and what was wrong, never how the code got there.
"""

from __future__ import annotations


class TlogError(Exception):
    """Base of every transparency-log error; ``str()`` is the user-facing message."""


class ProofError(TlogError):
    """An inclusion or consistency proof does not prove what it claims."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind  # "inclusion" or "consistency"


class InclusionProofError(ProofError):
    def __init__(self, message: str) -> None:
        super().__init__(message, kind="inclusion")


class ConsistencyProofError(ProofError):
    def __init__(self, message: str) -> None:
        super().__init__(message, kind="consistency")


class TreeError(TlogError):
    """A request the log tree cannot answer (index or size out of range)."""


class StoreCorrupt(TreeError):
    """The node store lacks or contradicts a node the tree needs."""

    def __init__(self, message: str, *, level: int, index: int) -> None:
        super().__init__(message)
        self.level = level
        self.index = index


class NoteError(TlogError):
    """A signed note could not be parsed or verified."""


class MalformedNote(NoteError):
    """The note text breaks a rule of c2sp.org/signed-note; ``rule`` names it."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


class BadKey(NoteError):
    """A verifier or signer key string is invalid; ``rule`` names the broken rule."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


class InvalidSignature(NoteError):
    """A signature by a trusted key is present but does not verify."""

    def __init__(self, message: str, *, key_name: str) -> None:
        super().__init__(message)
        self.key_name = key_name


class UnverifiedNote(NoteError):
    """No signature from a trusted key verified (unknown signatures are ignored)."""


class CheckpointError(TlogError):
    """A checkpoint body or its signatures do not meet c2sp.org/tlog-checkpoint."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


class ReceiptError(TlogError):
    """A receipt is malformed or does not prove its item; ``check`` names the failed check."""

    def __init__(self, message: str, *, check: str) -> None:
        super().__init__(message)
        self.check = check
