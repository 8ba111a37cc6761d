"""Split exports: numbered parts with signed manifests, reassembled with verification."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from airgap_bundles.audit import reassemble, verify_path
from airgap_bundles.export.statements import PartManifest
from app.cli.main import main
from tests.support import exporting
from tests.support.factories import who

SPLIT = 16 << 10


@pytest.fixture
def split_export(sealed, tmp_path):
    site, pid = sealed
    out = tmp_path / "medium"
    out.mkdir()
    outcome = exporting.export(site, pid, "auditor", out, who(site, "audrey"), split_size=SPLIT)
    return out, outcome


def test_parts_have_signed_manifests_and_reassemble(split_export, tmp_path):
    out, outcome = split_export
    files = outcome.files
    assert len(files.parts) >= 3
    assert all(p.size <= SPLIT for p in files.parts)
    assert sum(p.size for p in files.parts) == files.archive.size
    names = sorted(p.name for p in out.iterdir())
    base = files.archive.name
    assert base not in names  # only parts, never a whole file that might look complete
    for number, part in enumerate(files.parts, start=1):
        assert part.name == f"{base}.part-{number:03d}"
        assert hashlib.sha256((out / part.name).read_bytes()).hexdigest() == part.sha256
        manifest = PartManifest.open((out / f"{part.name}.dsse.json").read_bytes())
        assert (manifest.index, manifest.count) == (number, len(files.parts))
        assert manifest.archive.sha256 == files.archive.sha256
    for path in (out / files.parts[0].name, out):
        report = verify_path(path)
        assert report.ok, report.text()
        assert sum(1 for c in report.checks if c.level == "parts" and c.ok) == len(files.parts)
    whole = reassemble(out / files.parts[0].name, tmp_path)
    assert hashlib.sha256(whole.read_bytes()).hexdigest() == files.archive.sha256
    assert verify_path(whole).ok


def test_a_missing_part_fails_and_is_named(split_export):
    out, outcome = split_export
    second = out / outcome.files.parts[1].name
    second.rename(second.with_name("elsewhere"))
    report = verify_path(out / outcome.files.parts[0].name)
    assert not report.ok and report.failing_items == [second.name]


def test_a_missing_last_part_is_found_from_the_manifests(split_export):
    out, outcome = split_export
    last = outcome.files.parts[-1].name
    (out / last).unlink()
    (out / f"{last}.dsse.json").unlink()
    report = verify_path(out)
    assert not report.ok and report.failing_items == [last]


def test_an_altered_part_fails_and_is_named(split_export):
    out, outcome = split_export
    part = out / outcome.files.parts[1].name
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0x01
    part.write_bytes(bytes(data))
    report = verify_path(out / outcome.files.parts[0].name)
    assert not report.ok
    assert part.name in report.failing_items


def test_parts_swapped_or_duplicated_fail(split_export, tmp_path):
    out, outcome = split_export
    first, second = (out / p.name for p in outcome.files.parts[:2])
    shutil.copy(first, second)  # part 1 under part 2's name
    report = verify_path(out)
    assert not report.ok and second.name in report.failing_items


def test_an_altered_manifest_fails_and_is_named(split_export):
    out, outcome = split_export
    manifest = out / f"{outcome.files.parts[0].name}.dsse.json"
    envelope = json.loads(manifest.read_bytes())
    envelope["signatures"][0]["sig"] = envelope["signatures"][0]["sig"][::-1]
    manifest.write_text(json.dumps(envelope))
    report = verify_path(out)
    assert not report.ok and report.failing_items == [manifest.name]


def test_cli_verifies_and_reassembles_parts(split_export, tmp_path, capsys):
    out, outcome = split_export
    target = tmp_path / "whole"
    target.mkdir()
    code = main(["verify", str(out / outcome.files.parts[0].name), "--reassemble-to",
                 str(target)])
    assert code == 0, capsys.readouterr()
    assert (target / outcome.files.archive.name).exists()
    assert "VERIFIED" in capsys.readouterr().out
