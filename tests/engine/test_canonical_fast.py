"""canonical_bytes writes plain values with the C JSON encoder: it must agree byte for
byte with the RFC 8785 reference implementation on every value, and refuse what the
reference refuses."""

from __future__ import annotations

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.canonical import canonical_bytes

# Strings stress escapes and ordering: controls, quotes, DEL, line separators, the edges
# of the BMP, surrogates and astral characters (in keys too, where order matters).
text = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=12) \
    | st.sampled_from(["", "\x00\x1f\x7f", '"\\\\/', "\u2028\u2029", "\ud7ff\ue000\uffff",
                       "\U0001f600", "a\U00010000", "\ud800", "é", "Z", "a"])
scalars = (st.none() | st.booleans() | text
           | st.integers(min_value=-(2**60), max_value=2**60)
           | st.sampled_from([2**53 - 1, -(2**53 - 1), 2**53, 0])
           | st.floats(allow_nan=False, allow_infinity=False))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5)
                      | st.tuples(inner, inner)
                      | st.dictionaries(text, inner, max_size=5), max_leaves=30)


def _reference(value):
    try:
        return rfc8785.dumps(value)
    except Exception as exc:
        return type(exc)


def _ours(value):
    try:
        return canonical_bytes(value)
    except Exception as exc:
        return type(exc)


@settings(max_examples=3000, deadline=None)
@given(values)
def test_agrees_with_the_reference_on_every_value(value):
    assert _ours(value) == _reference(value)


def test_agrees_on_the_tricky_cases():
    for value in [{"b": 1, "a": 2, "é": 3, "Z": 4, "\ue000": 5, "\U0001f600": 6},
                  {"\U0001f600": 1, "\uffff": 2}, "\x00\x08\t\n\x0b\x0c\r\x1f\x7f",
                  [2**53 - 1, -(2**53 - 1)], [2**53], 1.0, -0.0, 1e21, {"a": (1, [True, None])},
                  {1: "a"}, "\ud800", {"k": float("1e-7")}]:
        assert _ours(value) == _reference(value), value
