"""Keep secret values out of everything a run records: a command that echoes an input
it was given (on stdout, or on stderr that ends up in an error message) must not
write it into the run's narrative — neither as it is nor in the encodings a command
is likely to print it in.

Each secret is also looked for as base64 and base64url (with and without padding,
and the part that stays the same whatever bytes come before it in the encoded
stream), lowercase and uppercase hex, percent-encoding (``%2F`` and ``%2f``, ``+``
for spaces) and a JSON string body. What this cannot catch is written down in
DESIGN §4.8: other encodings, encryption or compression, a value split across
lines (``base64`` wraps at 76 columns), and a part of a secret on its own.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.parse
from collections.abc import Callable, Iterable

REDACTED = "[redacted]"
# A base64 fragment shorter than this is too likely to occur by chance to be hidden.
MIN_FRAGMENT = 8
_HEX = re.compile(r"[0-9a-fA-F]+")


def _b64_forms(raw: bytes) -> set[str]:
    forms = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(raw).decode("ascii")
        forms |= {whole, whole.rstrip("=")}
        # Inside a longer stream the secret starts at byte 0, 1 or 2 of a 3-byte group:
        # the groups that hold only its bytes encode the same way every time.
        for skip in range(3):
            core = raw[skip:]
            core = core[:len(core) - len(core) % 3]
            text = encode(core).decode("ascii")
            if len(text) >= MIN_FRAGMENT:
                forms.add(text)
    return forms


def encoded_forms(secret: str) -> set[str]:
    """``secret`` and every spelling of it this redactor hides (hex and percent-escapes
    are also matched in the other letter case)."""
    raw = secret.encode("utf-8")
    hexed = binascii.hexlify(raw).decode("ascii")
    forms = {secret, hexed, hexed.upper(), json.dumps(secret)[1:-1],
             json.dumps(secret, ensure_ascii=False)[1:-1]}
    forms |= {urllib.parse.quote(secret, safe=""), urllib.parse.quote(secret),
              urllib.parse.quote_plus(secret)}
    forms |= _b64_forms(raw)
    return {f for f in forms if f}


def _pattern(form: str) -> str:
    """A form as a regular expression: hex digits and %XX escapes in either case."""
    if _HEX.fullmatch(form) or "%" in form:
        return "(?i:" + re.escape(form) + ")"
    return re.escape(form)


class Redactor:
    """Replaces every occurrence of any of ``values``, in any of their encoded forms,
    longest first (no partial leftovers)."""

    def __init__(self, values: Iterable[bytes | str] = ()) -> None:
        secrets = {v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v
                   for v in values if v}
        forms = set().union(*(encoded_forms(s) for s in secrets)) if secrets else set()
        ordered = sorted(forms, key=lambda f: (-len(f), f))  # longest wins at a position
        self._pattern = re.compile("|".join(_pattern(f) for f in ordered)) if ordered else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(REDACTED, text)

    def sink(self, sink: Callable[[str], None]) -> Callable[[str], None]:
        """A log sink that redacts each line before passing it on."""
        if self._pattern is None:
            return sink
        return lambda line: sink(self(line))
