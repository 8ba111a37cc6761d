"""The last verification level: an auditor bundle ships every recorded gate verdict with
its sealed inputs, and the offline verifier evaluates the policy again and compares
decision digests.

The run here has a real gate on the real fixture feed: stale feeds block the first
attempt, an approver overrides, and the retried gate warns — so the bundle holds two
verdicts, one of them evaluated under the override.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest

from airgap_bundles.audit import verify_path
from airgap_bundles.audit.report import POLICY as POLICY_LEVEL
from airgap_bundles.export import GateEvalFiles, NamedFile
from app.context import Site
from app.executor import Executor
from app.services import export_policy, gate, promotions
from app.services.actions import act
from app.services.gate_inputs import release_root, release_row
from app.services.gate_override import override_stale_feeds
from app.site import SiteConfig
from engine.canonical import canonical_bytes
from engine.clock import FixedClock
from tests.exports.conftest import extract, install_trust_root
from tests.support import exporting
from tests.support.factories import START, make_site, who
from tests.support.gate_data import (
    POLICY,
    SHOP_SBOM,
    add_shop_release,
    gate_registry,
    store_feed,
    store_policy_doc,
)

STALE = "2026-02-17T06:00:00Z"  # 26.5 hours before the test clock; the policy allows 24
PASSPHRASE = "bob-passphrase"
FIRST, SECOND = "policy/03-gate-eval", "policy/03-gate-eval.attempt-2"


def _open(home) -> Site:
    return Site.open(SiteConfig.resolve(home=home, clock=FixedClock(START)))


@pytest.fixture(scope="module")
def _template(tmp_path_factory):
    """A sealed run whose gate blocked on stale feeds, was overridden and then warned."""
    home = tmp_path_factory.mktemp("policy-replay") / "home"
    site = make_site(home)
    install_trust_root(site)
    store_feed(site, STALE)
    store_policy_doc(site, {**POLICY, "rules": POLICY["rules"][2:]})  # feeds-fresh, unfixed
    pid = promotions.create_promotion(site, add_shop_release(site), "eu-stage", who(site, "alice"))
    Executor(site, pid, gate_registry()).run()
    override_stale_feeds(site, pid, "bob", "OSV mirror down; CR-5120", PASSPHRASE)
    act(site, pid, "retry", who(site, "olga"), "stale-feeds override recorded")
    Executor(site, pid, gate_registry()).run()
    assert promotions.load_run(site, pid)[1].status == "completed"
    site.close()
    return home, pid


@pytest.fixture
def site_copy(_template, tmp_path):
    home, pid = _template
    site = _open(shutil.copytree(home, tmp_path / "home"))
    yield site, pid
    site.close()


@pytest.fixture(scope="module")
def bundle(_template, tmp_path_factory):
    """The run exported once as an auditor bundle, archive and extracted folder."""
    home, pid = _template
    root = tmp_path_factory.mktemp("policy-bundle")
    site = _open(shutil.copytree(home, root / "home"))
    out = root / "out"
    out.mkdir()
    outcome = exporting.export(site, pid, "auditor", out, who(site, "audrey"))
    verdicts = [gate.stored_verdict(site, v.verdict_id) for v in gate.verdicts(site, pid)]
    site.close()
    archive = out / outcome.files.archive.name
    return {"archive": archive, "folder": extract(archive, root / "extracted"),
            "verdicts": verdicts}


def _export(site: Site, pid: str, directory) -> object:
    directory.mkdir()
    outcome = exporting.export(site, pid, "auditor", directory, who(site, "audrey"))
    return directory / outcome.files.archive.name


def _policy_checks(report, ok: bool | None = None) -> list:
    return [c for c in report.checks if c.level == POLICY_LEVEL and (ok is None or c.ok is ok)]


# -- what the bundle holds ----------------------------------------------------------------
def test_every_verdict_is_shipped_with_the_inputs_it_is_re_evaluated_from(bundle):
    folder = bundle["folder"]
    index = json.loads((folder / "index.json").read_bytes())
    kinds = {i["path"]: i for i in index["items"] if i["path"].startswith("policy/")}
    for path, stored in zip((FIRST, SECOND), bundle["verdicts"], strict=True):
        # The stored canonical bytes, exactly.
        assert (folder / path / "verdict.json").read_bytes() == canonical_bytes(stored.document)
        inputs = json.loads((folder / path / "inputs.json").read_bytes())
        assert inputs["replay"] == stored.replay
        assert inputs["verdict"]["decisionDigest"] == stored.record.decision_digest
        assert inputs["unavailable"] == []
        # Only the candidate records of the release's packages, each the one the verdict sealed.
        sealed = stored.document["inputs"]["advisories"]
        shipped = {r["name"]: r["digest"] for r in inputs["records"]}
        assert 0 < len(shipped) < 100 and set(sealed) <= set(shipped)
        assert all(shipped[rid] == digest for rid, digest in sealed.items())
        assert [s["name"] for s in inputs["sboms"]] == [f"sbom/{SHOP_SBOM}"]
        assert kinds[f"{path}/verdict.json"]["kind"] == "verdict"
        assert {kinds[f"{path}/{r['path']}"]["kind"] for r in inputs["records"]} == {
            "policy-input"}
        assert kinds[f"{path}/inputs.json"]["step"] == "gate-eval"
    first, second = (json.loads((folder / p / "inputs.json").read_bytes()) for p in (FIRST, SECOND))
    assert first["replay"]["override"] is None
    assert second["replay"]["override"]["approver"] == "bob"
    assert "policy/<NN>-gate-eval/" in (folder / "README.txt").read_text()


def test_the_bundle_verifies_with_every_verdict_re_evaluated(bundle):
    for target in (bundle["archive"], bundle["folder"]):
        report = verify_path(target)
        assert report.ok, report.text()
        messages = [c.message for c in _policy_checks(report, True)]
        for stored in bundle["verdicts"]:
            digest = stored.record.decision_digest
            assert any(m.startswith(f"policy re-evaluated: decision digest {digest} matches "
                                    "the recorded one") for m in messages), messages
        assert any("override by bob" in m for m in messages)
        assert sum("is the verdict signed in evidence/03-gate-eval/policy-decision" in m
                   for m in messages) == 2


def _policy_files(folder) -> list[str]:
    """Every file of the first folder; of the second, all but the middle records (the
    same kind of file as the first folder's, so they add time and no coverage)."""
    paths = sorted(p.relative_to(folder).as_posix() for p in (folder / "policy").rglob("*")
                   if p.is_file())
    records = [p for p in paths if p.startswith(f"{SECOND}/records/")]
    return [p for p in paths if p not in records[1:-1]]


def test_flipping_a_byte_of_any_policy_file_fails_and_names_it(bundle):
    folder = bundle["folder"]
    paths = _policy_files(folder)
    assert len([p for p in paths if p.startswith(f"{FIRST}/records/")]) > 20
    for path in paths:
        target = folder / path
        original = target.read_bytes()
        data = bytearray(original)
        data[len(data) // 2] ^= 0x01
        target.write_bytes(bytes(data))
        try:
            report = verify_path(folder)
        finally:
            target.write_bytes(original)
        assert not report.ok, f"{path}: a flipped byte went unnoticed"
        assert path in report.failing_items, (path, report.failing_items)
    assert verify_path(folder).ok


# -- re-evaluation catches what a signature cannot ------------------------------------------
def _withdraw_one_record(files: GateEvalFiles) -> tuple[GateEvalFiles, str]:
    """The same inputs with one matched advisory withdrawn (as if the site's store had
    been altered before the export was signed)."""
    document = json.loads(files.verdict)
    target = document["findings"][0]["advisories"][0]
    records = []
    for record in files.records:
        if record.name == target:
            obj = json.loads(record.data)
            obj["withdrawn"] = "2026-02-01T00:00:00Z"
            record = NamedFile(record.name, json.dumps(obj).encode())
        records.append(record)
    return replace(files, records=tuple(records)), target


def test_an_altered_advisory_record_is_a_mismatch_that_names_it(site_copy, tmp_path,
                                                                 monkeypatch):
    site, pid = site_copy
    real = export_policy.gate_eval_files
    altered: list[str] = []

    def tampered(site_, row):
        files = real(site_, row)
        if row.attempt == 2:
            files, target = _withdraw_one_record(files)
            altered.append(target)
        return files

    monkeypatch.setattr(export_policy, "gate_eval_files", tampered)
    report = verify_path(_export(site, pid, tmp_path / "out"))
    (target,) = altered
    record_file = f"{SECOND}/records/{target}.json"
    assert not report.ok
    assert set(report.failing_items) == {f"{SECOND}/verdict.json", record_file}
    assert all(c.level == POLICY_LEVEL for c in report.failures)  # signatures and digests all hold
    (mismatch,) = [c for c in report.failures if c.item == f"{SECOND}/verdict.json"]
    assert "policy re-evaluation gives decision digest" in mismatch.message
    assert f"input advisories/{target}:" in mismatch.message
    assert "finding removed" in mismatch.message
    assert record_file in mismatch.message
    (blame,) = [c for c in report.failures if c.item == record_file]
    assert f"advisories/{target}" in blame.message
    assert any(c.item == f"{FIRST}/verdict.json" for c in _policy_checks(report, True))


def test_a_verdict_swapped_between_attempts_is_caught(site_copy, tmp_path, monkeypatch):
    site, pid = site_copy
    real = export_policy.gate_eval_files
    first: list[bytes] = []

    def swapped(site_, row):
        files = real(site_, row)
        if row.attempt == 1:
            first.append(files.verdict)
            return files
        return replace(files, verdict=first[0])

    monkeypatch.setattr(export_policy, "gate_eval_files", swapped)
    report = verify_path(_export(site, pid, tmp_path / "out"))
    assert not report.ok
    failing = set(report.failing_items)
    # The attempt-2 decision is left without its verdict, and the attempt-1 verdict does
    # not follow from the override's inputs.
    assert "evidence/03-gate-eval/policy-decision.attempt-2.dsse.json" in failing
    assert f"{SECOND}/verdict.json" in failing
    assert f"{FIRST}/verdict.json" not in failing
    mismatch = next(c for c in report.failures if c.item == f"{SECOND}/verdict.json"
                    and "re-evaluation" in c.message)
    assert "rule feeds-fresh" in mismatch.message and "policy/digest" in mismatch.message


def test_inputs_the_site_lost_make_the_verdict_not_re_evaluable(site_copy, tmp_path):
    site, pid = site_copy
    digest = promotions.load_run(site, pid)[1].release["digest"]
    with site.db.read() as session:
        row = release_row(session, digest)
        root = release_root(site, row.digest, row.bundle_digest)
    (root / "sbom" / SHOP_SBOM).unlink()
    report = verify_path(_export(site, pid, tmp_path / "out"))
    assert not report.ok
    assert set(report.failing_items) == {f"{FIRST}/inputs.json", f"{SECOND}/inputs.json"}
    for check in report.failures:
        assert "cannot be re-evaluated" in check.message
        assert f"the SBOM sbom/{SHOP_SBOM} is not in the site store" in check.message


def test_a_policy_decision_shipped_without_its_inputs_fails(site_copy, tmp_path, monkeypatch):
    site, pid = site_copy
    monkeypatch.setattr(export_policy, "verdict_rows", lambda *args: [])
    report = verify_path(_export(site, pid, tmp_path / "out"))
    assert not report.ok
    assert set(report.failing_items) == {
        "evidence/03-gate-eval/policy-decision.dsse.json",
        "evidence/03-gate-eval/policy-decision.attempt-2.dsse.json"}
    assert all("cannot be re-evaluated" in c.message for c in report.failures)
