"""Runs with real evidence for the evidence screens' tests: a trust root installed
from fixed test keys, promotions advanced by the real executor with step doubles
(which record real signed, logged evidence at inputs and gate-eval, and the real
Seal Evidence step), and exports written by the real export service."""

from __future__ import annotations

import tarfile
from pathlib import Path

from app.executor import Executor
from app.services import promotions
from devkit import sealed_site
from engine.crypto.keys import Ed25519Signer
from tests.support.doubles import doubles_registry
from tests.support.factories import add_release, who

ROOT_KEY = Ed25519Signer.from_seed(bytes([7]) * 32)
RELEASE_KEY = Ed25519Signer.from_seed(bytes([8]) * 32)


def install_trust_root(site) -> None:
    sealed_site.install_trust_root(site, ROOT_KEY, RELEASE_KEY)


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


flip_byte = sealed_site.flip_byte
