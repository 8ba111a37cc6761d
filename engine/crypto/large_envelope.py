"""Reading a large DSSE envelope with bounded memory before it is authenticated.

``Envelope.from_bytes`` parses the whole envelope as JSON: for a 60 MB manifest that
is the raw bytes, a 60 MB payload string, its 45 MB base64 decoding and a 45 MB
pre-authentication encoding (PAE) — over 300 MB of peak memory spent on input no
trusted key has signed yet. Here only the envelope's other fields go through the JSON
parser (at most ``max_rest`` bytes: they are small in any real envelope), and the
payload, a base64 string, is decoded in 4 MiB steps straight into the one buffer
that becomes the PAE the signatures are checked over. The payload is then a view
into that buffer: one copy of it, not four.

The payload string must be plain base64 (standard or URL-safe alphabet, no JSON
escapes), which every producer writes; anything else is refused, and small
envelopes keep taking the ordinary path.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass

from engine.crypto.dsse import Envelope, Signature
from engine.crypto.errors import EnvelopeFormatError
from engine.crypto.strict_json import StrictJSONError, loads_strict

_PAYLOAD = re.compile(rb'"payload"\s*:\s*"')
_STEP = 4 << 20  # base64 characters decoded at a time (a multiple of 4)
_URL_SAFE = bytes.maketrans(b"-_", b"+/")


@dataclass(frozen=True)
class LargeEnvelope:
    """Like :class:`~engine.crypto.dsse.Envelope`, holding its payload inside its PAE."""

    payload_type: str
    signatures: tuple[Signature, ...]
    message: bytearray  # the PAE: b"DSSEv1 <n> <type> <n> " + payload
    payload_offset: int

    @property
    def payload(self) -> memoryview:
        return memoryview(self.message)[self.payload_offset:]

    def pae(self) -> bytearray:
        return self.message


def parse_large_envelope(data: bytearray, *, max_rest: int) -> LargeEnvelope:
    """Parse ``data`` as a DSSE envelope whose fields other than the payload take at
    most ``max_rest`` bytes. ``data`` is consumed: it becomes the PAE buffer, decoded
    in place (so the raw bytes and the payload never both sit in memory). Raises
    :class:`EnvelopeFormatError`."""
    found = _PAYLOAD.search(data)
    if found is None:
        raise EnvelopeFormatError("envelope lacks payload (as a base64 string)")
    start = found.end()
    end = data.find(b'"', start)
    if end < 0:
        raise EnvelopeFormatError("envelope payload string is not closed")
    if len(data) - (end - start) > max_rest:
        raise EnvelopeFormatError(f"the envelope's fields besides its payload take more than "
                                  f"{max_rest} bytes")
    view = memoryview(data)
    rest = bytes(view[: start - 1]) + b"0" + bytes(view[end + 1 :])
    view.release()
    try:
        fields = loads_strict(rest)
    except StrictJSONError as exc:
        raise EnvelopeFormatError(f"envelope is not JSON: {exc}") from None
    if not isinstance(fields, dict) or type(fields.get("payload")) is not int:
        raise EnvelopeFormatError("envelope payload is not a plain base64 string")
    shape = Envelope.from_json({**fields, "payload": ""})  # every other field checked
    offset = _decode_in_place(data, start, end, shape.payload_type)
    return LargeEnvelope(shape.payload_type, shape.signatures, data, offset)


def _decode_in_place(data: bytearray, start: int, end: int, payload_type: str) -> int:
    """Turn ``data`` into ``PAE(payload_type, base64decode(data[start:end]))``; returns
    where the payload begins. Each step's output ends before the next step's input
    begins (3 bytes out for 4 in, and the prefix is shorter than one step), so no
    base64 character is overwritten before it is read."""
    length = end - start
    if length == 0 or length % 4:
        raise EnvelopeFormatError("payload is empty or not valid base64 (length)")
    tail = bytes(data[max(start, end - 2) : end])
    size = length // 4 * 3 - (len(tail) - len(tail.rstrip(b"=")))
    type_bytes = payload_type.encode("utf-8")
    prefix = b"DSSEv1 %d %b %d " % (len(type_bytes), type_bytes, size)
    position = len(prefix)
    for first in range(start, end, _STEP):
        decoded = _decode(bytes(data[first : min(first + _STEP, end)]))
        if first == start:
            data[: len(prefix)] = prefix
        if position + len(decoded) > len(prefix) + size:
            raise EnvelopeFormatError("payload is not valid base64 (padding)")
        data[position : position + len(decoded)] = decoded
        position += len(decoded)
    if position != len(prefix) + size:
        raise EnvelopeFormatError("payload is not valid base64 (padding)")
    del data[position:]
    return len(prefix)


def _decode(chunk: bytes) -> bytes:
    try:
        return binascii.a2b_base64(chunk, strict_mode=True)
    except binascii.Error:
        pass
    try:  # DSSE also permits the URL-safe alphabet
        return binascii.a2b_base64(chunk.translate(_URL_SAFE), strict_mode=True)
    except binascii.Error:
        raise EnvelopeFormatError("payload is not valid base64") from None
