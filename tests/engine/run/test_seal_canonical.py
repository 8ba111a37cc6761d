"""Sealing does not re-check its own bytes: they must read back as stored events are
read (canonical form checked), to the same event, whatever the payload holds."""

from __future__ import annotations

import pytest

from engine.run import events as ev

ODD_DATA = [
    {"summary": "plain"},
    {"ratio": 0.1, "whole": 1.0, "tiny": 1e-7, "huge": 1e21},  # floats: the reference encoder
    {"big": 2**53 - 1, "negative": -(2**53 - 1)},  # the edges of safe integers
    {"text": "café 💥 \u2028 \"quoted\" \\ \x01"},  # astral, separators, escapes
    {"nested": [{"b": 1, "a": [True, None, "x"]}], "": "empty key", "é": "non-ASCII key"},
    {"tuple": (1, 2), "ordered": {"z": 1, "a": 2}},
]


@pytest.mark.parametrize("data", ODD_DATA)
def test_sealed_bytes_read_back_as_stored_bytes_do(data):
    sealed = ev.Event.seal(ev.NewEvent(ev.STEP_SUCCEEDED, actor="olga", at="2026-12-01T10:00:00Z",
                                       step="canary", data=data), seq=3, prev="ab" * 32)
    assert ev.Event.from_raw(sealed.raw) == sealed


def test_sealing_still_refuses_what_cannot_be_an_event():
    with pytest.raises(ValueError, match="unknown event type"):
        ev.Event.seal(ev.NewEvent("no.such.type", actor="olga", at="2026-12-01T10:00:00Z"),
                      seq=0, prev=ev.GENESIS)
