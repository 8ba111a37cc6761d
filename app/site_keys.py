"""The site's own keys: the site signing key (seals evidence) and the log key (signs
transparency-log checkpoints). Private keys never leave the home's keys folder."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SITE_KEY = "site.key"
LOG_KEY = "log.key"


@dataclass(frozen=True)
class SiteKeys:
    site_key_id: str
    log_key_id: str
    log_origin: str


def _key_id(private: Ed25519PrivateKey) -> str:
    der = private.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def _write_private(path: Path, private: Ed25519PrivateKey) -> None:
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def create_site_keys(folder: Path, site_name: str) -> SiteKeys:
    site_key = Ed25519PrivateKey.generate()
    log_key = Ed25519PrivateKey.generate()
    _write_private(folder / SITE_KEY, site_key)
    _write_private(folder / LOG_KEY, log_key)
    return SiteKeys(_key_id(site_key), _key_id(log_key), f"stella.local/{site_name}/log")
