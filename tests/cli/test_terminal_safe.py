"""The one terminal-safe helper: every control and bidi code point is escaped, every
other character is left as it is."""

from __future__ import annotations

import io
import sys

import pytest

from app.cli.output import SafeStream, safe_streams
from engine.text import UNSAFE, stream_safe, terminal_safe

CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]


@pytest.mark.parametrize("code_point", CONTROLS + BIDI + [0x2028, 0x2029, 0xD800, 0xDCFF])
def test_every_control_and_bidi_code_point_is_escaped(code_point):
    text = f"a{chr(code_point)}b"
    shown = terminal_safe(text)
    assert chr(code_point) not in shown
    expected = f"\\x{code_point:02x}" if code_point < 0x100 else f"\\u{code_point:04x}"
    assert shown == f"a{expected}b"
    assert not any(ord(ch) in UNSAFE for ch in shown)
    shown.encode("utf-8")  # printable on any UTF-8 terminal, even from lone surrogates


def test_the_unsafe_set_is_exactly_controls_bidi_separators_and_surrogates():
    assert set(CONTROLS) | set(BIDI) | {0x2028, 0x2029} | set(range(0xD800, 0xE000)) == UNSAFE


def test_everything_else_passes_unchanged():
    safe = "".join(chr(c) for c in range(0x20, 0x3000) if c not in UNSAFE)
    assert terminal_safe(safe) == safe
    assert terminal_safe("release ✓ 1.3.0 — ü 東京 \\x1b literal") == "release ✓ 1.3.0 — ü 東京 \\x1b literal"


def test_streams_keep_line_breaks_but_nothing_else():
    assert stream_safe("a\nb\tc\x1b[2J\r") == "a\nb\tc\\x1b[2J\\x0d"
    assert stream_safe("50%\r", carriage_return=True) == "50%\r"
    assert terminal_safe("a\nb") == "a\\x0ab"  # one field is one line


def test_the_cli_guard_escapes_whatever_a_printer_forgot():
    inner = io.StringIO()
    guard = SafeStream(inner)
    print("\x1b[2J\x1b[32mimported release\u202e", file=guard)
    assert inner.getvalue() == "\\x1b[2J\\x1b[32mimported release\\u202e\n"


def test_safe_streams_restores_the_originals():
    before = sys.stdout, sys.stderr
    with safe_streams():
        assert isinstance(sys.stdout, SafeStream)
    assert (sys.stdout, sys.stderr) == before
