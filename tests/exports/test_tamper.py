"""Flipping any single byte of any file of an auditor bundle — in the extracted folder,
in the compressed archive, or in a member inside the archive — makes verification fail
and name the file. So does adding, removing or renaming a file."""

from __future__ import annotations

import gzip
import io
import random
import shutil
import tarfile

import pytest

from airgap_bundles.audit import verify_path
from tests.exports.test_standard_tools import EXPECTED_MEMBERS

KEY_SLOTS = [f"trust/keys/#{n}" for n in range(4)]
MEMBERS = sorted(EXPECTED_MEMBERS) + KEY_SLOTS


def resolve(folder, member: str) -> str:
    if member.startswith("trust/keys/#"):
        keys = sorted(p.name for p in (folder / "trust" / "keys").iterdir())
        return "trust/keys/" + keys[int(member.rsplit("#", 1)[1])]
    return member


def flips(size: int, seed: str) -> list[tuple[int, int]]:
    """(position, xor mask): first, middle and last byte, one random byte, one full flip."""
    rng = random.Random(seed)
    spots = {0, size // 2, size - 1, rng.randrange(size)}
    return [(p, 0x01) for p in sorted(spots)] + [(rng.randrange(size), 0xFF)]


@pytest.fixture(scope="module")
def bundle(auditor_export, tmp_path_factory):
    """A private copy of the exported folder and archive, restored after each flip."""
    root = tmp_path_factory.mktemp("tamper")
    folder = shutil.copytree(auditor_export["folder"], root / "folder")
    archive_dir = root / "archive"
    archive_dir.mkdir()
    archive = archive_dir / auditor_export["archive"].name
    shutil.copy(auditor_export["archive"], archive)
    shutil.copy(str(auditor_export["archive"]) + ".custody.dsse.json", archive_dir)
    assert verify_path(folder).ok and verify_path(archive).ok
    return {"folder": folder, "archive": archive}


@pytest.mark.parametrize("member", MEMBERS)
def test_flipping_a_byte_of_any_extracted_file_fails_and_names_it(bundle, member):
    folder = bundle["folder"]
    path = resolve(folder, member)
    target = folder / path
    original = target.read_bytes()
    try:
        for position, mask in flips(len(original), path):
            data = bytearray(original)
            data[position] ^= mask
            target.write_bytes(bytes(data))
            report = verify_path(folder)
            assert not report.ok, f"{path}: byte {position} ^ {mask:#x} went unnoticed"
            assert path in report.failing_items, (path, position, report.failing_items)
    finally:
        target.write_bytes(original)
    assert verify_path(folder).ok


def test_flipping_a_byte_of_the_compressed_archive_fails_and_names_it(bundle):
    archive = bundle["archive"]
    original = archive.read_bytes()
    spots = {*range(10), *range(len(original) - 8, len(original)),
             *range(10, len(original) - 8, max(1, len(original) // 24))}
    try:
        for position in sorted(spots):
            data = bytearray(original)
            data[position] ^= 0x01
            archive.write_bytes(bytes(data))
            report = verify_path(archive)
            assert not report.ok, f"archive byte {position} went unnoticed"
            assert archive.name in report.failing_items, (position, report.failing_items)
    finally:
        archive.write_bytes(original)


def _rewrite_member(original: bytes, member: str, position: int) -> bytes:
    """Decompress, flip one byte of ``member``'s data, recompress the same way."""
    tar_bytes = bytearray(gzip.decompress(original))
    with tarfile.open(fileobj=io.BytesIO(bytes(tar_bytes))) as tar:
        info = tar.getmember(member)
        tar_bytes[info.offset_data + position] ^= 0x01
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=1, fileobj=out, mtime=0) as gz:
        gz.write(bytes(tar_bytes))
    return out.getvalue()


@pytest.mark.parametrize("member", MEMBERS)
def test_flipping_a_byte_of_a_member_inside_the_archive_names_the_member(bundle, member):
    archive = bundle["archive"]
    path = resolve(bundle["folder"], member)
    original = archive.read_bytes()
    size = (bundle["folder"] / path).stat().st_size
    try:
        archive.write_bytes(_rewrite_member(original, path, size // 2))
        report = verify_path(archive)
        assert not report.ok
        assert path in report.failing_items, report.failing_items
    finally:
        archive.write_bytes(original)


def test_added_removed_and_renamed_files_are_named(bundle):
    folder = bundle["folder"]
    extra = folder / "evidence" / "extra.dsse.json"
    extra.write_bytes(b"{}")
    try:
        report = verify_path(folder)
        assert not report.ok and report.failing_items == ["evidence/extra.dsse.json"]
    finally:
        extra.unlink()
    log = folder / "logs" / "03-gate-eval.log"
    moved = folder / "logs" / "03-gate-eval.txt"
    log.rename(moved)
    try:
        report = verify_path(folder)
        assert set(report.failing_items) == {"logs/03-gate-eval.log", "logs/03-gate-eval.txt"}
    finally:
        moved.rename(log)
    assert verify_path(folder).ok


def test_a_pinned_site_key_that_differs_fails(bundle, auditor_export):
    report = verify_path(bundle["folder"], site_key="ab" * 32)
    assert not report.ok and "index.json" in report.failing_items
    index_key = report.facts["site key"]
    assert verify_path(bundle["folder"], site_key=index_key).ok


def test_a_resigned_export_verifies_only_against_its_own_fingerprint(bundle, tmp_path):
    """Re-signing everything with another key is detected by pinning the published key."""
    import json

    import rfc8785

    from engine.crypto import dsse
    from engine.crypto.keys import Ed25519Signer

    folder = shutil.copytree(bundle["folder"], tmp_path / "resigned")
    index = json.loads((folder / "index.json").read_bytes())
    published = index["site"]["siteKey"]
    forger = Ed25519Signer.from_seed(bytes([9]) * 32)
    index.pop("signature")
    index["site"]["siteKey"] = forger.keyid
    index["keys"] = [k for k in index["keys"] if k["keyid"] != published] + [
        {"keyid": forger.keyid, "path": f"trust/keys/{forger.keyid}.pem", "roles": ["site"]}]
    (folder / "trust" / "keys" / f"{published}.pem").unlink()
    pem = forger.public_key.to_pem().encode()
    (folder / "trust" / "keys" / f"{forger.keyid}.pem").write_bytes(pem)
    import hashlib
    index["items"] = [i for i in index["items"] if i["path"] != f"trust/keys/{published}.pem"]
    index["items"].append({"path": f"trust/keys/{forger.keyid}.pem", "kind": "key",
                           "sha256": hashlib.sha256(pem).hexdigest(), "size": len(pem),
                           "step": None, "logIndex": None})
    index["items"].sort(key=lambda i: i["path"])
    body = rfc8785.dumps(index)
    signature = dsse.sign("application/vnd.stellaops.export-index+json", body, [forger])
    index["signature"] = signature.signatures[0].to_json()
    (folder / "index.json").write_bytes(rfc8785.dumps(index))
    forged = verify_path(folder)
    assert not forged.ok  # the evidence is still signed by the real site key
    assert verify_path(folder, site_key=published).failing_items == ["index.json"]
