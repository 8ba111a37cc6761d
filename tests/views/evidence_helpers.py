"""Runs with real evidence for the evidence screens' tests: a trust root installed
from fixed test keys, promotions advanced by the real executor with step doubles
(which record real signed, logged evidence at inputs and gate-eval, and the real
Seal Evidence step), and exports written by the real export service."""

from __future__ import annotations

import tarfile
from datetime import timedelta
from pathlib import Path

from app.executor import Executor
from app.services import promotions, trust
from engine.crypto.keys import Ed25519Signer
from engine.crypto.trust_root import sign_trust_root, trust_root_document
from tests.support.doubles import doubles_registry
from tests.support.factories import START, add_release, who

ROOT_KEY = Ed25519Signer.from_seed(bytes([7]) * 32)
RELEASE_KEY = Ed25519Signer.from_seed(bytes([8]) * 32)


def install_trust_root(site) -> None:
    document = trust_root_document(
        version=1, expires=START + timedelta(days=365),
        keys=[ROOT_KEY.public_key, RELEASE_KEY.public_key],
        roles={"root": ([ROOT_KEY.keyid], 1), "release": ([RELEASE_KEY.keyid], 1),
               "feeds": ([RELEASE_KEY.keyid], 1), "policy": ([RELEASE_KEY.keyid], 1)})
    trust.install_first(site, sign_trust_root(document, [ROOT_KEY]).to_bytes(), "alice",
                        confirmed=True)


def promotion(site, until: str | None = None) -> str:
    """A promotion into eu-stage (no approval needed), advanced ``until`` a stage or to
    the end (sealed and completed)."""
    add_release(site)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    Executor(site, pid, doubles_registry()).run(until=until)
    return pid


def finish(site, pid: str) -> None:
    Executor(site, pid, doubles_registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.status == "completed"


def extract(archive: Path, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


def flip_byte(path: Path, offset: int = 40) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
