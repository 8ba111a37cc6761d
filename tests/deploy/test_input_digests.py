"""Input digests are keyed with the site's input-digest key: stable within the site,
useless for guessing a short secret from an export."""

from __future__ import annotations

import hashlib
import stat
from types import SimpleNamespace

import pytest

from app.secrets import digest_key
from app.steps.inputs import InputsChanged, default_providers, materialised_inputs
from tests.support.deploy import add_demo_release

PIN = "4711"


def test_the_key_is_made_once_owner_only_and_reused(tmp_path):
    key = digest_key.load_or_create(tmp_path, entropy=lambda n: b"k" * n)
    assert key == b"k" * 32
    path = tmp_path / digest_key.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert digest_key.load_or_create(tmp_path) == key  # not replaced
    digest = digest_key.keyed_digest(key, PIN.encode())
    assert digest.startswith("hmac-sha256:") and len(digest) == len("hmac-sha256:") + 64
    assert hashlib.sha256(PIN.encode()).hexdigest() not in digest
    assert digest_key.keyed_digest(b"x" * 32, PIN.encode()) != digest


def test_a_damaged_key_file_is_refused(tmp_path):
    (tmp_path / digest_key.KEY_FILE).write_bytes(b"short")
    with pytest.raises(digest_key.InputDigestKeyError, match="5 bytes, 32 expected"):
        digest_key.load_or_create(tmp_path)


def _ctx(site, release_digest: str, recorded: str):
    step = SimpleNamespace(outputs={"inputs": [{"ref": "env:PIN", "digest": recorded}]})
    state = SimpleNamespace(release={"digest": release_digest}, step=lambda name: step)
    return SimpleNamespace(site=site, state=state)


def test_a_run_recorded_before_keying_still_deploys_the_same_value(site, monkeypatch):
    monkeypatch.setenv("PIN", PIN)
    release = add_demo_release(site, "1.3.0-rc1", artifacts=False, inputs=["env:PIN"])
    providers = default_providers
    legacy = "sha256:" + hashlib.sha256(PIN.encode()).hexdigest()
    assert materialised_inputs(_ctx(site, release, legacy), providers).resolved
    keyed = digest_key.keyed_digest(digest_key.load_or_create(site.paths.keys), PIN.encode())
    assert materialised_inputs(_ctx(site, release, keyed), providers).resolved
    monkeypatch.setenv("PIN", "4712")
    for recorded in (legacy, keyed):
        with pytest.raises(InputsChanged, match="changed since it was materialised"):
            materialised_inputs(_ctx(site, release, recorded), providers)
