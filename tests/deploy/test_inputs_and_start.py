"""Inputs Materialized and Deploy Workflow Start in runs: what they record and refuse."""

from __future__ import annotations

import hashlib
import json
import os

from app.executor import Executor
from app.secrets import digest_key
from app.services import evidence, promotions
from app.steps.inputs import InputsStep, default_providers
from engine.crypto import dsse
from engine.evidence import statements
from tests.support.deploy import add_demo_release, add_environment, product_registry
from tests.support.factories import who

DB = "pw-for-the-db-0001"


def run_inputs(site, inputs, environ):
    add_demo_release(site, "1.3.0-rc1", artifacts=False, inputs=inputs)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    step = InputsStep(providers=lambda s: default_providers(s, environ))
    Executor(site, pid, product_registry(inputs_materialized=step)).run(until="inputs-materialized")
    return pid, promotions.load_run(site, pid)[1].step("inputs-materialized")


def predicate(site, pid):
    item = next(i for i in evidence.list_evidence(site, pid) if i.name == "resolved-inputs")
    body = json.loads(dsse.Envelope.from_bytes(evidence.envelope_bytes(site, item.id)).payload)
    assert body["predicateType"] == statements.RESOLVED_INPUTS
    return body["predicate"]


def test_resolved_inputs_are_recorded_as_digests(site):
    secrets = site.paths.home / "secrets"
    secrets.mkdir(mode=0o700)
    (secrets / "db").write_text(DB)
    os.chmod(secrets / "db", 0o600)
    pid, step = run_inputs(site, ["file:db", "env:REGION"], {"REGION": "eu-west-1"})
    assert (step.status, step.summary) == ("succeeded", "2 resolved, 0 missing")
    body = predicate(site, pid)
    assert [(i["ref"], i["status"], i["provider"]) for i in body["inputs"]] == [
        ("file:db", "resolved", f"site secrets folder {secrets}"),
        ("env:REGION", "resolved", "environment variables of the executor process")]
    assert DB not in json.dumps(body)
    # keyed: a short secret cannot be found from an export by hashing candidates
    assert body["inputs"][0]["digest"] == digest_key.keyed_digest(
        digest_key.load_or_create(site.paths.keys), DB.encode())
    assert hashlib.sha256(DB.encode()).hexdigest() not in json.dumps(body)


def test_a_missing_input_fails_the_step_with_the_list(site):
    pid, step = run_inputs(site, ["env:REGION", "file:db", "vault:secret/x"], {})
    assert step.status == "failed"
    assert step.error == (
        "3 of 3 input(s) missing: env:REGION (env:REGION: environment variable REGION is not set); "
        f"file:db (file:db: the site secrets folder {site.paths.home / 'secrets'} does not exist); "
        "vault:secret/x (no 'vault' secret provider is configured at this site (a Vault/OpenBao "
        "provider can be added to the site); configured: env, file)")
    assert predicate(site, pid)["missing"] == 3


def test_no_declared_inputs(site):
    _, step = run_inputs(site, [], {})
    assert (step.status, step.summary) == ("succeeded", "the release declares no inputs")


def test_demo_targets_need_the_release_artifacts(site):
    add_environment(site, "demo", ("d1",), "demo-fleet")
    add_demo_release(site, "1.3.0-rc1", artifacts=False)
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "demo", who(site, "alice"))
    Executor(site, pid, product_registry()).run()
    step = promotions.load_run(site, pid)[1].step("deploy-start")
    assert step.status == "failed"
    assert "has no artifacts folder" in step.error and "artifacts/<component>/app.json" in step.error
    assert step.outputs["plan"] == {"deploy-10": ["d1"], "deploy-50": ["d1"], "deploy-100": ["d1"]}


def test_deploy_start_fails_when_no_target_answers(site):
    add_environment(site, "demo", ("d1", "d2"), "demo-fleet")
    add_demo_release(site, "1.3.0-rc1")
    pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "demo", who(site, "alice"))
    Executor(site, pid, product_registry()).run()
    step = promotions.load_run(site, pid)[1].step("deploy-start")
    assert step.status == "failed" and step.error.startswith("no target of demo is healthy: d1: ")
