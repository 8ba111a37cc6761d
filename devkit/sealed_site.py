"""A site with a trust root and a promotion run to completion with real evidence and seal."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from app.context import Site
from app.executor import Executor
from app.services import promotions, trust
from devkit.doubles import doubles_registry
from devkit.factories import START, add_release, who
from engine.crypto.keys import Ed25519Signer
from engine.crypto.trust_root import sign_trust_root, trust_root_document

ROOT_KEY = Ed25519Signer.from_seed(bytes([1]) * 32)
RELEASE_KEY = Ed25519Signer.from_seed(bytes([2]) * 32)


def install_trust_root(site: Site, root: Ed25519Signer = ROOT_KEY,
                       release: Ed25519Signer = RELEASE_KEY) -> None:
    """Installs (by alice, confirmed) a trust root of ``root``, with ``release`` signing
    releases, feeds and policies."""
    document = trust_root_document(
        version=1, expires=START + timedelta(days=365),
        keys=[root.public_key, release.public_key],
        roles={"root": ([root.keyid], 1), "release": ([release.keyid], 1),
               "feeds": ([release.keyid], 1), "policy": ([release.keyid], 1)})
    trust.install_first(site, sign_trust_root(document, [root]).to_bytes(), "alice",
                        confirmed=True)


def sealed_promotion(site: Site) -> str:
    """A promotion into eu-stage run to completion by the real executor (step doubles)."""
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    Executor(site, pid, doubles_registry()).run()
    _, state = promotions.load_run(site, pid)
    if state.status != "completed":
        raise RuntimeError(f"the sealed promotion ended {state.status}, not completed")
    return pid


def flip_byte(path: Path, offset: int = 40) -> None:
    """Tampers with a file: one bit of the byte at ``offset`` flipped."""
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
