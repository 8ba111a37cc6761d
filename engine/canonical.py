"""Canonical JSON (RFC 8785) and digests: the one place bytes-for-signing are made."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785


def canonical_bytes(value: Any) -> bytes:
    """RFC 8785 canonical JSON bytes of ``value`` (sorted keys, no whitespace)."""
    return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_digest(data: bytes) -> str:
    """``sha256:<hex>`` digest string, as used for releases, policies and evidence."""
    return "sha256:" + sha256_hex(data)


def canonical_digest(value: Any) -> str:
    return sha256_digest(canonical_bytes(value))
