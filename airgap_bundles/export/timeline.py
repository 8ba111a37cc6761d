"""``timeline.json``: the run's events exactly as stored, so the hash chain verifies.

The file is a JSON array with one event per line, and each line (without its
trailing comma) is byte for byte the event's stored RFC 8785 canonical JSON::

    [
    {"action":...,"prev":"0000…","seq":0,"type":"run.created",...},
    {...,"prev":"<sha256 of the line above>","seq":1,...}
    ]

An event's hash is the SHA-256 of its line, and each event's ``prev`` is the hash
of the line above it (64 zeros for the first), so the chain can be checked with
nothing but ``sha256sum`` — or by re-canonicalising each parsed object with any
RFC 8785 library, which gives the same bytes. A reader accepts only this exact
byte form.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.canonical import canonical_bytes, sha256_hex
from engine.crypto.strict_json import StrictJSONError, loads_strict
from engine.run.events import ChainError, Event, verify_chain


class TimelineFormatError(ValueError):
    """``timeline.json`` is not in the documented form or its chain does not verify."""


def encode_timeline(raws: Sequence[bytes]) -> bytes:
    """The file bytes for events given as their stored canonical bytes, in order."""
    if not raws:
        raise ValueError("a run has at least one event")
    for raw in raws:
        if b"\n" in raw:
            raise ValueError("canonical event bytes never contain a newline")
    return b"[\n" + b",\n".join(raws) + b"\n]\n"


def decode_timeline(data: bytes) -> list[Event]:
    """Parse and verify ``timeline.json``; raise ``TimelineFormatError`` saying what is wrong."""
    try:
        parsed = loads_strict(data)
    except StrictJSONError as exc:
        raise TimelineFormatError(f"not JSON: {exc}") from None
    if not isinstance(parsed, list) or not parsed:
        raise TimelineFormatError("must be a non-empty JSON array of events")
    try:
        raws = [canonical_bytes(item) for item in parsed]
    except (ValueError, TypeError, OverflowError) as exc:
        raise TimelineFormatError(f"an event cannot be canonicalised: {exc}") from None
    if encode_timeline(raws) != bytes(data):
        raise TimelineFormatError(
            "is not one canonical event per line (the file was edited after export)"
        )
    try:
        return verify_chain((raw, sha256_hex(raw)) for raw in raws)
    except ChainError as exc:
        raise TimelineFormatError(f"the event hash chain is broken at {exc}") from None
