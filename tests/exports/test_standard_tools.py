"""An auditor bundle checked with standard tools only: securesystemslib for DSSE, an
RFC 6962 inclusion check written here from the RFC's definitions, Ed25519 for the
C2SP checkpoint note, and SHA-256 over timeline lines. No code of this project is used
to verify (only to produce the bundle)."""

from __future__ import annotations

import base64
import hashlib
import json

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey

EXPECTED_MEMBERS = {
    "index.json", "README.txt", "timeline.json", "report.pdf", "proof-chain.dsse.json",
    "trust/trust-root.dsse.json", "trust/roster.json", "tlog/checkpoint", "tlog/log-key.vkey",
    "tlog/run-events.json",
    "evidence/02-inputs-materialized/resolved-inputs.dsse.json",
    "evidence/02-inputs-materialized/resolved-inputs.receipt.json",
    "evidence/03-gate-eval/policy-decision.dsse.json",
    "evidence/03-gate-eval/policy-decision.receipt.json",
    "evidence/10-seal-evidence/proof-chain.dsse.json",
    "evidence/10-seal-evidence/proof-chain.receipt.json",
    "logs/02-inputs-materialized.log", "logs/03-gate-eval.log", "logs/05-deploy-start.log",
    "logs/06-deploy-10.log", "logs/07-deploy-50.log", "logs/08-deploy-100.log",
    "logs/09-post-deploy-verify.log", "logs/10-seal-evidence.log",
}


def members(folder):
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def sslib_key(folder, keyid):
    pem = (folder / "trust" / "keys" / f"{keyid}.pem").read_bytes()
    return SSlibKey.from_crypto(load_pem_public_key(pem), keyid=keyid)


# --- RFC 6962 from its definitions (section 2.1), not from any code of ours -------------

def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def root_from_path(leaf: bytes, m: int, n: int, path: list[bytes]) -> bytes:
    """MTH implied by PATH(m, D[n]) (bottom-up list) for leaf hash ``leaf``."""
    if n == 1:
        assert not path, "a path in a one-leaf tree is empty"
        return leaf
    assert path, "path too short"
    *rest, top = path
    k = _k(n)
    if m < k:
        return _h(b"\x01" + root_from_path(leaf, m, k, rest) + top)
    return _h(b"\x01" + top + root_from_path(leaf, m - k, n - k, rest))


def open_checkpoint(note: str, vkey: str) -> tuple[int, bytes]:
    """C2SP signed note with an Ed25519 key: verify and return (size, root)."""
    name, key_id_hex, key_b64 = vkey.strip().split("+", 2)
    key = base64.b64decode(key_b64)
    assert key[0] == 1
    assert hashlib.sha256(name.encode() + b"\n" + key).digest()[:4].hex() == key_id_hex
    text, _, signatures = note.partition("\n\n")
    text += "\n"
    line = next(s for s in signatures.splitlines() if s.startswith(f"\u2014 {name} "))
    blob = base64.b64decode(line.split(" ")[2])
    assert blob[:4].hex() == key_id_hex
    Ed25519PublicKey.from_public_bytes(key[1:]).verify(blob[4:], text.encode())
    origin, size, root = text.splitlines()[:3]
    assert origin == name
    return int(size), base64.b64decode(root)


def test_layout_is_exactly_the_designed_one(auditor_export):
    folder = auditor_export["folder"]
    keys = {p for p in members(folder) if p.startswith("trust/keys/")}
    assert members(folder) - keys == EXPECTED_MEMBERS
    index = json.loads((folder / "index.json").read_bytes())
    assert {i["path"] for i in index["items"]} == members(folder) - {"index.json"}
    assert index["promotion"] == auditor_export["pid"] and index["partial"] is False
    for item in index["items"]:
        data = (folder / item["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == item["sha256"]
        assert set(item) >= {"path", "sha256", "kind", "step", "logIndex"}
    roles = {k["keyid"]: k["roles"] for k in index["keys"]}
    assert {p.removeprefix("trust/keys/").removesuffix(".pem") for p in keys} == set(roles)
    assert roles[index["site"]["siteKey"]] == ["site"]


def test_dsse_envelopes_verify_with_securesystemslib(auditor_export):
    folder = auditor_export["folder"]
    index = json.loads((folder / "index.json").read_bytes())
    site_key = sslib_key(folder, index["site"]["siteKey"])
    assert (folder / "index.json").read_bytes() == rfc8785.dumps(index)  # canonical bytes
    envelopes = [i["path"] for i in index["items"] if i["path"].endswith(".dsse.json")
                 and i["kind"] in ("evidence", "proof-chain")]
    assert len(envelopes) == 4
    for path in envelopes:
        envelope = Envelope.from_dict(json.loads((folder / path).read_bytes()))
        assert site_key.keyid in envelope.verify([site_key], 1)
        statement = json.loads(envelope.payload)
        assert statement["subject"][0]["digest"]["sha256"] == \
            index["release"]["digest"].removeprefix("sha256:")

    # the trust root is self-signed by its root key
    root_env = Envelope.from_dict(json.loads((folder / "trust/trust-root.dsse.json").read_bytes()))
    root_doc = json.loads(root_env.payload)
    root_keys = [sslib_key(folder, k) for k in root_doc["roles"]["root"]["keyids"]]
    assert root_env.verify(root_keys, root_doc["roles"]["root"]["threshold"])

    # index.json: its embedded signature is a DSSE signature over its canonical body
    body = json.loads((folder / "index.json").read_bytes())
    signature = body.pop("signature")
    rebuilt = Envelope.from_dict({"payloadType": "application/vnd.stellaops.export-index+json",
                                  "payload": base64.b64encode(rfc8785.dumps(body)).decode(),
                                  "signatures": [signature]})
    assert rebuilt.verify([site_key], 1)


def test_inclusion_proofs_verify_with_an_independent_rfc6962_check(auditor_export):
    folder = auditor_export["folder"]
    size, root = open_checkpoint((folder / "tlog/checkpoint").read_text(),
                                 (folder / "tlog/log-key.vkey").read_text())
    receipts = sorted(folder.glob("evidence/*/*.receipt.json"))
    assert len(receipts) == 3
    for receipt_path in receipts:
        receipt = json.loads(receipt_path.read_bytes())
        envelope = receipt_path.with_name(receipt_path.name.replace(".receipt.json",
                                                                     ".dsse.json")).read_bytes()
        leaf = _h(b"\x00" + envelope)
        assert base64.b64decode(receipt["leafHash"]) == leaf
        assert receipt["treeSize"] == size
        assert receipt["checkpoint"] == (folder / "tlog/checkpoint").read_text()
        path = [base64.b64decode(p) for p in receipt["inclusionProof"]]
        assert root_from_path(leaf, receipt["logIndex"], size, path) == root
        # and a wrong index or a changed envelope does not reach the root
        assert _h(b"\x00" + envelope + b" ") != leaf


def test_every_event_is_a_log_entry_proven_with_the_independent_rfc6962_check(auditor_export):
    """Completeness, checked by hand: each timeline event is an entry of the site log
    (leaf = RFC 8785 bytes of {type, promotion, seq, event}) under the signed checkpoint,
    and the log holds no event of this promotion that the timeline lacks."""
    folder = auditor_export["folder"]
    size, root = open_checkpoint((folder / "tlog/checkpoint").read_text(),
                                 (folder / "tlog/log-key.vkey").read_text())
    run_log = json.loads((folder / "tlog/run-events.json").read_bytes())
    assert run_log["treeSize"] == size and run_log["promotion"] == auditor_export["pid"]
    lines = (folder / "timeline.json").read_bytes().split(b"\n")[1:-2]
    hashes = [hashlib.sha256(line.removesuffix(b",")).hexdigest() for line in lines]
    entries = run_log["entries"]
    assert [(e["seq"], e["event"]) for e in entries] == list(enumerate(hashes))
    for entry in entries:
        leaf = _h(b"\x00" + rfc8785.dumps({"type": "stellaops.run-event.v1",
                                          "promotion": run_log["promotion"],
                                          "seq": entry["seq"], "event": entry["event"]}))
        path = [base64.b64decode(p) for p in entry["inclusionProof"]]
        assert root_from_path(leaf, entry["logIndex"], size, path) == root


def test_timeline_hashes_are_sha256_of_its_lines_and_seal_points_into_it(auditor_export):
    folder = auditor_export["folder"]
    lines = (folder / "timeline.json").read_bytes().split(b"\n")
    assert lines[0] == b"[" and lines[-2] == b"]" and lines[-1] == b""
    raws = [line.removesuffix(b",") for line in lines[1:-2]]
    prev = "0" * 64
    hashes = []
    for raw in raws:
        event = json.loads(raw)
        assert event["prev"] == prev
        assert rfc8785.dumps(event) == raw
        prev = hashlib.sha256(raw).hexdigest()
        hashes.append(prev)
    seal = json.loads(Envelope.from_dict(json.loads(
        (folder / "proof-chain.dsse.json").read_bytes())).payload)["predicate"]
    assert hashes[seal["eventChain"]["events"] - 1] == seal["eventChain"]["head"]
    index = json.loads((folder / "index.json").read_bytes())
    evidence = sorted((i for i in index["items"] if i["kind"] == "evidence"),
                      key=lambda i: i["logIndex"])
    assert [e["digest"] for e in seal["evidence"]] == \
        ["sha256:" + i["sha256"] for i in evidence[:-1]]


def test_the_app_verifier_agrees(auditor_export):
    from airgap_bundles.audit import verify_path

    for path in (auditor_export["archive"], auditor_export["folder"]):
        report = verify_path(path)
        assert report.ok, report.text()
        assert not report.failures
