"""The site's own keys: the site signing key (signs evidence, seals, custody receipts)
and the log key (signs transparency-log checkpoints). Private keys stay in the home's
keys folder, mode 0600."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.crypto.keys import Ed25519Signer, load_private_key, save_private_key
from engine.tlog.keys import NoteSigner

SITE_KEY = "site.key"
LOG_KEY = "log.key"
EXECUTOR_KEY = "executor.key"  # signs the executor's run events; enrolled in the roster


@dataclass(frozen=True)
class SiteKeys:
    site_key_id: str
    log_key_id: str
    log_origin: str


def log_origin_for(site_name: str) -> str:
    return f"stella.local/{site_name}/log"


def create_site_keys(folder: Path, site_name: str) -> SiteKeys:
    site_key = Ed25519Signer.generate(secrets.token_bytes)
    log_key = Ed25519Signer.generate(secrets.token_bytes)
    save_private_key(site_key, folder / SITE_KEY)
    save_private_key(log_key, folder / LOG_KEY)
    return SiteKeys(site_key.keyid, log_key.keyid, log_origin_for(site_name))


def create_executor_key(folder: Path) -> Ed25519Signer:
    """The executor runs unattended, so its key (like the site key) has no passphrase;
    the roster enrols its public key and an admin can revoke it."""
    key = Ed25519Signer.generate(secrets.token_bytes)
    save_private_key(key, folder / EXECUTOR_KEY)
    return key


def executor_signer(folder: Path) -> Ed25519Signer | None:
    """The executor's key, or None on a site created before executor keys existed."""
    path = folder / EXECUTOR_KEY
    return load_private_key(path) if path.exists() else None


def site_signer(folder: Path) -> Ed25519Signer:
    return load_private_key(folder / SITE_KEY)


def log_signer(folder: Path, origin: str) -> NoteSigner:
    """The log key as a C2SP note signer named after the log's origin."""
    key = serialization.load_pem_private_key((folder / LOG_KEY).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{folder / LOG_KEY} is not an Ed25519 key")
    return NoteSigner.from_private_key(origin, key)
