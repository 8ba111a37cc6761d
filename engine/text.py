"""Untrusted text made safe to show on a terminal or in a widget.

A member name, a bundle field, a feed string, a log line or a user name may hold
control characters: ESC sequences that clear a screen or paint a fake green line,
a carriage return that overwrites what was printed, bidi overrides that reorder
what a person reads. :func:`terminal_safe` writes each of them as a visible escape
(``\\x1b``, ``\\u202e``) so the text reads exactly as it is and nothing in it acts.

Escaped: C0 (U+0000–U+001F, newline and tab included: one field is one line), DEL,
C1 (U+0080–U+009F), the bidi controls (U+061C, U+200E, U+200F, U+202A–U+202E,
U+2066–U+2069), the line and paragraph separators (U+2028, U+2029) and lone
surrogates (undecodable bytes of a file name), which no terminal can print.
"""

from __future__ import annotations

C0 = tuple(range(0x00, 0x20))
DEL = 0x7F
C1 = tuple(range(0x80, 0xA0))
BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
SEPARATORS = (0x2028, 0x2029)
SURROGATES = tuple(range(0xD800, 0xE000))
UNSAFE = frozenset((*C0, DEL, *C1, *BIDI, *SEPARATORS, *SURROGATES))


def _escape(code_point: int) -> str:
    return f"\\x{code_point:02x}" if code_point < 0x100 else f"\\u{code_point:04x}"


_FIELD = {cp: _escape(cp) for cp in UNSAFE}
# Whole output streams keep their own line breaks; fields never carry one (see above).
_STREAM = {cp: esc for cp, esc in _FIELD.items() if cp not in (0x0A, 0x09)}
_STREAM_TTY = {cp: esc for cp, esc in _STREAM.items() if cp != 0x0D}  # progress lines


def terminal_safe(text: object) -> str:
    """``text`` as one printable line: every unsafe code point written as an escape."""
    return str(text).translate(_FIELD)


def stream_safe(text: str, *, carriage_return: bool = False) -> str:
    """Text bound for an output stream: like :func:`terminal_safe` but line breaks and
    tabs stay (and carriage returns, for a terminal's progress line, when allowed)."""
    return text.translate(_STREAM_TTY if carriage_return else _STREAM)
