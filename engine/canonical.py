"""Canonical JSON (RFC 8785) and digests: the one place bytes-for-signing are made."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785

_SAFE_INTEGER = 2**53 - 1  # RFC 8785 numbers are IEEE doubles


def canonical_bytes(value: Any) -> bytes:
    """RFC 8785 canonical JSON bytes of ``value`` (sorted keys, no whitespace).

    Values made only of str-keyed dicts, lists, strings, booleans, null and safe
    integers, with no character outside the Basic Multilingual Plane, are written by
    the C JSON encoder: for them its compact, key-sorted, non-ASCII output is byte for
    byte RFC 8785 (same escapes, and code point order is UTF-16 order in the BMP), at
    a tenth of the cost. Anything else (floats, big integers, astral characters, other
    types) goes through the reference implementation."""
    if _plain(value):
        try:
            fast = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                              allow_nan=False).encode("utf-8")
        except (UnicodeEncodeError, RecursionError, ValueError):  # lone surrogates, depth
            fast = b""
        if fast and max(fast) < 0xF0:  # no 4-byte UTF-8 sequence: nothing astral
            return fast
    return rfc8785.dumps(value)


def _plain(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_SAFE_INTEGER <= value <= _SAFE_INTEGER)
    if kind is dict:
        return all(type(key) is str for key in value) and all(_plain(v) for v in value.values())
    if kind is list or kind is tuple:
        return all(_plain(v) for v in value)
    return False


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_digest(data: bytes) -> str:
    """``sha256:<hex>`` digest string, as used for releases, policies and evidence."""
    return "sha256:" + sha256_hex(data)


def canonical_digest(value: Any) -> str:
    return sha256_digest(canonical_bytes(value))
