"""Signed notes (c2sp.org/signed-note): parse strictly, sign, open with trusted keys.

A note is ``text`` (ending in a newline), a blank line, then one or more lines
``— <key name> <base64(4-byte key id || signature)>``. Opening a note follows the
spec and Go's ``sumdb/note.Open``: signatures by unknown keys are ignored, a
signature by a known key that fails to verify rejects the whole note, and at
least one known key must have signed.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engine.tlog.errors import BadKey, InvalidSignature, MalformedNote, UnverifiedNote
from engine.tlog.keys import NoteSigner, NoteVerifier, is_valid_key_name, strict_b64decode

SIGNATURE_PREFIX = "\u2014 "  # em dash, space
MAX_SIGNATURES = 100
"""More signature lines than this make a note malformed (the spec requires >= 16)."""


def _check_characters(text: str) -> None:
    for c in text:
        if ord(c) < 0x20 and c != "\n":
            raise MalformedNote(
                f"note contains the control character U+{ord(c):04X}", rule="control-character"
            )
        if 0xD800 <= ord(c) <= 0xDFFF:
            raise MalformedNote("note is not valid UTF-8", rule="utf-8")


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the signer's name, its 32-bit key id and the signature bytes."""

    name: str
    key_id: int
    signature: bytes

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise MalformedNote(f"signature key name {self.name!r} is not valid", rule="key-name")
        if not 0 <= self.key_id < 1 << 32:
            raise MalformedNote("signature key id must fit in 32 bits", rule="key-id")
        if not self.signature:
            raise MalformedNote(f"signature by {self.name} is empty", rule="signature")

    @property
    def line(self) -> str:
        blob = self.key_id.to_bytes(4, "big") + self.signature
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(blob).decode('ascii')}\n"

    @classmethod
    def from_line(cls, line: str) -> NoteSignature:
        """Parse one signature line, without its newline."""
        if not line.startswith(SIGNATURE_PREFIX):
            raise MalformedNote(
                "every line after the blank line must be a signature starting with '\u2014 '",
                rule="signature-line",
            )
        name, _, b64 = line[len(SIGNATURE_PREFIX):].partition(" ")
        if not is_valid_key_name(name):
            raise MalformedNote(f"signature key name {name!r} is not valid", rule="key-name")
        try:
            blob = strict_b64decode(b64)
        except ValueError as exc:
            raise MalformedNote(f"signature by {name} is {exc}", rule="signature") from exc
        if len(blob) < 5:
            raise MalformedNote(f"signature by {name} is too short", rule="signature")
        return cls(name=name, key_id=int.from_bytes(blob[:4], "big"), signature=blob[4:])


@dataclass(frozen=True)
class SignedNote:
    """A syntactically valid signed note. Its signatures are *not* verified: use ``open_note``."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def __post_init__(self) -> None:
        _check_characters(self.text)
        if not self.text.endswith("\n"):
            raise MalformedNote("note text must end with a newline", rule="text-newline")
        if not self.signatures:
            raise MalformedNote("note has no signature lines", rule="no-signatures")
        if len(self.signatures) > MAX_SIGNATURES:
            raise MalformedNote(
                f"note has more than {MAX_SIGNATURES} signatures", rule="too-many-signatures"
            )

    @classmethod
    def from_text(cls, note: str | bytes) -> SignedNote:
        """Parse a note strictly: UTF-8, no control characters, text, blank line, signatures."""
        if isinstance(note, bytes | bytearray):
            try:
                note = bytes(note).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise MalformedNote("note is not valid UTF-8", rule="utf-8") from exc
        _check_characters(note)
        split = note.rfind("\n\n")
        if split < 0:
            raise MalformedNote(
                "note has no blank line separating the text from the signatures",
                rule="no-signature-block",
            )
        text, block = note[: split + 1], note[split + 2 :]
        if not block:
            raise MalformedNote("note has no signature lines", rule="no-signatures")
        if not block.endswith("\n"):
            raise MalformedNote("the last signature line must end with a newline",
                                rule="final-newline")
        lines = block[:-1].split("\n")
        if len(lines) > MAX_SIGNATURES:
            raise MalformedNote(
                f"note has more than {MAX_SIGNATURES} signatures", rule="too-many-signatures"
            )
        return cls(text=text, signatures=tuple(NoteSignature.from_line(x) for x in lines))

    def to_text(self) -> str:
        return self.text + "\n" + "".join(s.line for s in self.signatures)


@dataclass(frozen=True)
class VerifiedNote:
    """A note whose text was signed by every key in ``verified_by`` (at least one)."""

    note: SignedNote
    verified_by: tuple[NoteVerifier, ...]

    @property
    def text(self) -> str:
        return self.note.text


def sign_note(text: str, signers: Sequence[NoteSigner]) -> str:
    """The signed note text for ``text`` signed by each of ``signers``, in order."""
    if not signers:
        raise MalformedNote("a note needs at least one signer", rule="no-signatures")
    body = text.encode("utf-8")
    sigs = tuple(
        NoteSignature(name=s.name, key_id=s.key_id, signature=s.sign(body)) for s in signers
    )
    return SignedNote(text=text, signatures=sigs).to_text()


def open_note(note: str | bytes | SignedNote, verifiers: Iterable[NoteVerifier]) -> VerifiedNote:
    """Parse ``note`` and verify it against trusted ``verifiers`` (c2sp.org/signed-note rules)."""
    parsed = note if isinstance(note, SignedNote) else SignedNote.from_text(note)
    known: dict[tuple[str, int], NoteVerifier] = {}
    for v in verifiers:
        other = known.setdefault((v.name, v.key_id), v)
        if other != v:
            raise BadKey(f"two different trusted keys share the name {v.name} and key id "
                         f"{v.key_id:08x}", rule="ambiguous")
    text = parsed.text.encode("utf-8")
    verified: list[NoteVerifier] = []
    seen: set[tuple[str, int]] = set()
    for sig in parsed.signatures:
        ident = (sig.name, sig.key_id)
        verifier = known.get(ident)
        if verifier is None or ident in seen:
            continue
        seen.add(ident)
        if not verifier.verify(text, sig.signature):
            raise InvalidSignature(
                f"the signature by {sig.name} ({verifier.type_name}, key {sig.key_id:08x}) "
                "does not match the note: it was altered or signed by another key",
                key_name=sig.name,
            )
        verified.append(verifier)
    if not verified:
        names = ", ".join(sorted({v.name for v in known.values()})) or "none given"
        raise UnverifiedNote(f"the note carries no signature by a trusted key ({names})")
    return VerifiedNote(note=parsed, verified_by=tuple(verified))
