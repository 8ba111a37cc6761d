"""Keyed digests of input values (DESIGN §4.5).

What a run records about a secret input is ``hmac-sha256:<hex>``: HMAC-SHA256 of the
value under the site's input-digest key, 32 random bytes in ``<home>/keys/inputs.key``
(0600) that never leave the site. A plain SHA-256 of a short secret (a PIN, a short
password) can be found from an export by trying candidates; without the key, a keyed
digest cannot. The site can still tell whether a value changed between two runs (the
same key gives the same digest), which is what the digest is for.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from pathlib import Path

KEY_FILE = "inputs.key"
KEY_BYTES = 32
PREFIX = "hmac-sha256:"


class InputDigestKeyError(Exception):
    """The key file exists but is not a key."""


def load_or_create(keys_folder: Path, entropy: Callable[[int], bytes] = secrets.token_bytes) -> bytes:
    """The site's input-digest key, created (0600, exclusively) on first use."""
    path = Path(keys_folder) / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    try:
        key = entropy(KEY_BYTES)
        os.write(fd, key)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        path.unlink()
        raise
    os.close(fd)
    return key


def _read(path: Path) -> bytes:
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise InputDigestKeyError(f"{path} is not an input-digest key ({len(key)} bytes, "
                                  f"{KEY_BYTES} expected)")
    return key


def keyed_digest(key: bytes, value: bytes) -> str:
    return PREFIX + hmac.new(key, value, hashlib.sha256).hexdigest()


def digester(keys_folder: Path) -> Callable[[bytes], str]:
    """The function that digests input values for this site."""
    key = load_or_create(keys_folder)
    return lambda value: keyed_digest(key, value)
