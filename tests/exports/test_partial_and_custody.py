"""Partial evidence packs mid-run, and the chain-of-custody receipt every export records."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey

from airgap_bundles.audit import verify_path
from app.errors import NotNow
from app.executor import Executor
from app.services import promotions
from engine.canonical import canonical_bytes
from engine.evidence import statements
from engine.run import events as ev
from tests.exports.conftest import extract
from tests.support import exporting
from tests.support.doubles import doubles_registry
from tests.support.factories import add_release, who


@pytest.fixture
def mid_run(trusted_site):
    add_release(trusted_site)
    pid = promotions.create_promotion(trusted_site, "platform@1.3.0-rc1", "eu-stage", who(trusted_site, "alice"))
    Executor(trusted_site, pid, doubles_registry()).run(until="gate-eval")
    return trusted_site, pid


def test_mid_run_evidence_pack_is_marked_partial_and_verifies(mid_run, tmp_path):
    site, pid = mid_run
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(NotNow, match="--partial"):
        exporting.export(site, pid, "evidence", out, who(site, "olga"))
    with pytest.raises(NotNow, match="not sealed"):
        exporting.export(site, pid, "auditor", out, who(site, "olga"))
    outcome = exporting.export(site, pid, "evidence", out, who(site, "olga"), allow_partial=True)
    assert outcome.partial and outcome.bundle == "evidence-pack"
    folder = extract(out / outcome.files.archive.name, tmp_path / "x")
    index = json.loads((folder / "index.json").read_bytes())
    assert index["partial"] is True and index["bundle"] == "evidence-pack"
    assert index["run"]["status"] != "completed"
    assert not (folder / "proof-chain.dsse.json").exists()
    assert "PARTIAL" in (folder / "README.txt").read_text()
    assert [i["name"] for i in index["items"] if i["kind"] == "evidence"] == \
        ["resolved-inputs", "policy-decision"]
    report = verify_path(out / outcome.files.archive.name)
    assert report.ok, report.text()
    assert any(c.level == "proof-chain" and c.ok is None and "partial" in c.message
               for c in report.checks)

    Executor(site, pid, doubles_registry()).run()
    sealed = exporting.export(site, pid, "evidence", out, who(site, "olga"))
    assert not sealed.partial
    assert sealed.files.archive.name == f"{pid}-evidence-pack-2.tar.gz"
    report = verify_path(out / sealed.files.archive.name)
    assert report.ok and report.facts["export"] == "evidence-pack"


def test_a_partial_flag_on_a_sealed_export_is_detected(sealed, tmp_path):
    """index.json is signed, so flipping 'partial' is caught as an altered index."""
    site, pid = sealed
    out = tmp_path / "out"
    out.mkdir()
    outcome = exporting.export(site, pid, "auditor", out, who(site, "audrey"))
    folder = extract(out / outcome.files.archive.name, tmp_path / "x")
    raw = (folder / "index.json").read_bytes()
    (folder / "index.json").write_bytes(raw.replace(b'"partial":false', b'"partial":true '))
    assert verify_path(folder).failing_items == ["index.json"]


def test_custody_event_is_recorded_without_changing_any_step(sealed, tmp_path):
    site, pid = sealed
    before, state_before = promotions.load_run(site, pid)
    out = tmp_path / "out"
    out.mkdir()
    outcome = exporting.export(site, pid, "auditor", out, who(site, "audrey"))

    events, state = promotions.load_run(site, pid)  # verifies the whole chain
    assert len(events) == len(before) + 1 and events[:-1] == before
    custody = events[-1]
    assert custody.type == ev.EXPORT_RECORDED and custody.seq == outcome.custody_event
    assert custody.actor == "audrey" and custody.step is None
    assert [(s.name, s.status, s.attempt) for s in state.steps] == \
        [(s.name, s.status, s.attempt) for s in state_before.steps]
    assert state.status == "completed"

    # the receipt in the event is a DSSE envelope any tool verifies against the site key
    folder = extract(out / outcome.files.archive.name, tmp_path / "x")
    index = json.loads((folder / "index.json").read_bytes())
    keyid = index["site"]["siteKey"]
    key = SSlibKey.from_crypto(load_pem_public_key(
        (folder / "trust" / "keys" / f"{keyid}.pem").read_bytes()), keyid=keyid)
    receipt = json.loads(json.dumps(custody.data["receipt"]))
    envelope = Envelope.from_dict(receipt)
    assert envelope.verify([key], 1)
    statement = json.loads(envelope.payload)
    assert statement["predicateType"] == statements.CUSTODY
    predicate = statement["predicate"]
    assert predicate["promotion"] == pid and predicate["exportedBy"] == "audrey"
    assert predicate["archive"]["sha256"] == outcome.files.archive.sha256
    assert predicate["destination"]["path"] == str(out.resolve())
    assert predicate["index"]["sha256"] == outcome.files.index_sha256
    assert statement["subject"][0]["digest"]["sha256"] == outcome.files.archive.sha256
    assert outcome.custody_file.read_bytes() == canonical_bytes(custody.data["receipt"])

    # the next export carries the first one's custody event, and it verifies
    again = exporting.export(site, pid, "auditor", out, who(site, "audrey"))
    report = verify_path(out / again.files.archive.name)
    assert report.ok, report.text()
    custody_checks = [c for c in report.checks if c.level == "custody" and c.ok]
    assert any(f"event #{custody.seq}" in c.message for c in custody_checks)


def test_a_custody_receipt_that_does_not_match_its_event_fails(sealed, tmp_path):
    """Even with the chain and index rebuilt by the site key itself, a custody event whose
    actor differs from the one in its signed receipt is refused."""
    import hashlib

    from app.site_keys import site_signer
    from engine.canonical import sha256_hex
    from engine.run.events import Event

    site, pid = sealed
    out = tmp_path / "out"
    out.mkdir()
    exporting.export(site, pid, "auditor", out, who(site, "audrey"))
    second = exporting.export(site, pid, "auditor", out, who(site, "audrey"))
    folder = extract(out / second.files.archive.name, tmp_path / "x")
    lines = (folder / "timeline.json").read_bytes().split(b"\n")
    raws = [line.removesuffix(b",") for line in lines[1:-2]]
    last = json.loads(raws[-1])
    assert last["type"] == ev.EXPORT_RECORDED
    last["actor"] = "mallory"
    raws[-1] = canonical_bytes(last)
    Event.from_raw(raws[-1])
    timeline = b"[\n" + b",\n".join(raws) + b"\n]\n"
    (folder / "timeline.json").write_bytes(timeline)
    index = json.loads((folder / "index.json").read_bytes())
    index.pop("signature")
    index["run"]["head"] = sha256_hex(raws[-1])
    for item in index["items"]:
        if item["path"] == "timeline.json":
            item["sha256"] = hashlib.sha256(timeline).hexdigest()
            item["size"] = len(timeline)
    from engine.crypto import dsse

    signed = dsse.sign("application/vnd.stellaops.export-index+json", canonical_bytes(index),
                       [site_signer(site.paths.keys)])
    index["signature"] = signed.signatures[0].to_json()
    (folder / "index.json").write_bytes(canonical_bytes(index))
    report = verify_path(folder)
    assert report.failing_items == ["timeline.json"]
    assert any(c.level == "custody" and c.ok is False for c in report.checks)
