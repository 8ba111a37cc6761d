"""Secret values never reach anything the site stores or exports: run events, step
logs, evidence envelopes (payloads decoded), checkpoints, the database files as a
whole, and an exported evidence pack — while their digests are recorded and the
values did reach the deployment commands."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tarfile

import pytest
from sqlalchemy import select

from app.executor import Executor
from app.secrets import digest_key
from app.services import actions, promotions
from app.services.logs import step_logs
from models.tables import EvidenceItem, RunEvent, StepLog, TlogCheckpoint
from tests.support import exporting
from tests.support.deploy import add_demo_release, product_registry
from tests.support.factories import who

from .test_command_run import DB_PASSWORD, REGION, command_site

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the commands are POSIX shell")
SECRETS = (DB_PASSWORD, REGION)
INPUTS = ["file:db-password", "env:PLATFORM_REGION", "vault:secret/platform/api-token"]


def forms(secret: str) -> list[bytes]:
    """The secret as it could appear: raw, in JSON, in base64 (as inside a DSSE payload),
    and its plain SHA-256 (which would let a short secret be guessed)."""
    raw = secret.encode()
    return [raw, json.dumps(secret).encode(), base64.b64encode(raw), base64.urlsafe_b64encode(raw),
            hashlib.sha256(raw).hexdigest().encode()]


def assert_clean(blob: bytes, where: str) -> None:
    for secret in SECRETS:
        for form in forms(secret):
            assert form not in blob, f"{where} contains a secret value"


def decoded_payloads(blob: bytes) -> list[bytes]:
    """Every DSSE payload found in a JSON document, decoded."""
    try:
        document = json.loads(blob)
    except ValueError:
        return []
    found = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("payload"), str):
                found.append(base64.b64decode(node["payload"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return found


def test_secret_values_never_appear_anywhere_stored_or_exported(live_site, tmp_path, monkeypatch):
    site = live_site
    command_site(site, tmp_path, monkeypatch, auto_continue=False)
    # 1) a release whose vault input cannot be resolved: the step fails listing it
    add_demo_release(site, "1.2.9", artifacts=False, inputs=INPUTS)
    failed = promotions.create_promotion(site, "platform@1.2.9", "cmd-prod", who(site, "alice"))
    Executor(site, failed, product_registry()).run()
    _, state = promotions.load_run(site, failed)
    step = state.step("inputs-materialized")
    assert step.status == "failed" and step.outputs["missing"] == ["vault:secret/platform/api-token"]
    assert "no 'vault' secret provider is configured" in step.error
    # 2) deployments that hand the secrets to commands, then a rollback that does too
    add_demo_release(site, "1.2.0", artifacts=False, inputs=INPUTS[:2])
    first = promotions.create_promotion(site, "platform@1.2.0", "cmd-prod", who(site, "alice"))
    Executor(site, first, product_registry()).run()
    for _ in range(3):
        actions.act(site, first, "continue", who(site, "olga"))
        Executor(site, first, product_registry()).run()
    assert promotions.load_run(site, first)[1].status == "completed"
    # a command that fails with the secret in its error output
    monkeypatch.setenv("STELLA_TEST_FAIL_ON", "c1")
    broken = promotions.create_promotion(site, "platform@1.2.0", "cmd-prod", who(site, "alice"))
    Executor(site, broken, product_registry()).run()
    assert "login [redacted]" in promotions.load_run(site, broken)[1].step("deploy-10").error
    monkeypatch.setenv("STELLA_TEST_FAIL_ON", "")
    add_demo_release(site, "1.3.0-rc1", artifacts=False, inputs=INPUTS[:2])
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "cmd-prod", who(site, "alice"))
    Executor(site, pid, product_registry()).run()
    (tmp_path / "c1.received").unlink()
    actions.act(site, pid, "rollback", who(site, "olga"), "rehearsal", scope="full")
    Executor(site, pid, product_registry()).run()
    _, state = promotions.load_run(site, pid)
    assert state.status == "rolled-back"
    assert (tmp_path / "c1.received").read_text() == DB_PASSWORD  # the rollback command got it too
    rollback_log = [line for step, attempt, _, line in step_logs(site, pid) if attempt == 0]
    assert "[c1] deploying 1.2.0 to c1" in rollback_log and "[c1] db password: [redacted]" in rollback_log

    key = digest_key.load_or_create(site.paths.keys)
    digests = {digest_key.keyed_digest(key, s.encode()) for s in SECRETS}
    seen_digests = set()
    with site.db.read() as session:
        for raw in session.scalars(select(RunEvent.raw)):
            assert_clean(bytes(raw), "a run event")
        for line in session.scalars(select(StepLog.line)):
            assert_clean(line.encode(), "a step log line")
        for envelope in session.scalars(select(EvidenceItem.envelope)):
            assert_clean(bytes(envelope), "an evidence envelope")
            for payload in decoded_payloads(bytes(envelope)):
                assert_clean(payload, "an evidence payload")
                seen_digests |= {d for d in digests if d.encode() in payload}
        for note in session.scalars(select(TlogCheckpoint.note)):
            assert_clean(note.encode(), "a checkpoint")
    assert seen_digests == digests  # the evidence does record them, as digests
    site.db.dispose()  # flush the WAL so the database files hold everything
    for path in site.paths.home.glob("stella.db*"):
        assert_clean(path.read_bytes(), path.name)

    pytest.importorskip("app.services.exports")
    out = tmp_path / "medium"
    out.mkdir()
    outcome = exporting.export(site, pid, "evidence", out, who(site, "olga"), allow_partial=True,
                             renderer=lambda content: b"%PDF-1.4 test report\n")
    archives = list(out.glob("*.tar.gz"))
    assert archives, outcome
    for archive in archives:
        with tarfile.open(archive, "r:gz") as tar:
            members = [m for m in tar.getmembers() if m.isfile()]
            assert any(m.name.endswith(".dsse.json") for m in members)
            for member in members:
                data = tar.extractfile(member).read()
                assert_clean(data, f"exported {member.name}")
                for payload in decoded_payloads(data):
                    assert_clean(payload, f"a payload in exported {member.name}")
    for path in out.rglob("*"):
        if path.is_file() and not path.name.endswith(".tar.gz"):
            assert_clean(path.read_bytes(), f"exported {path.name}")
    assert_clean(io.BytesIO(archives[0].read_bytes()).getvalue(), "the archive bytes")
