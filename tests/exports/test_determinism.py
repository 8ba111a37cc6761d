"""The same run state gives the same bytes: archive, index, evidence, report.

Two real exports of a sealed run differ only by what the first one added to the run:
its custody event (in timeline.json, and so in the report and in index.json's digests of
those two files) and, since every event is an entry of the site log, the log's newer
checkpoint and the receipts proven under it. Everything else — evidence, keys, trust
root, README, logs — is byte-identical, and the same snapshot always gives the same archive.
"""

from __future__ import annotations

import gzip
import json
import tarfile

from airgap_bundles.export import build_report, parse_events, plan_export, prepare_export
from app.qt.report_pdf import render_pdf
from app.site_keys import site_signer
from tests.exports.conftest import extract
from tests.support import exporting
from tests.support.factories import who

CHANGED_BY_THE_FIRST_EXPORT = {"timeline.json", "report.pdf"}


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


def test_two_exports_differ_only_by_the_first_exports_custody_event(sealed, tmp_path):
    site, pid = sealed
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        out.mkdir()
        outcome = exporting.export(site, pid, "auditor", out, who(site, "audrey"))
        outs.append(_files(extract(out / outcome.files.archive.name, tmp_path / f"x{name}")))
    a, b = outs
    assert a.keys() == b.keys()
    log = {p for p in a if p == "tlog/checkpoint" or p.endswith(".receipt.json")
           or p == "tlog/run-events.json"}
    differing = {path for path in a if a[path] != b[path]}
    assert differing == CHANGED_BY_THE_FIRST_EXPORT | log | {"index.json"}
    index_a, index_b = json.loads(a["index.json"]), json.loads(b["index.json"])
    items_a = {i["path"]: i for i in index_a["items"]}
    items_b = {i["path"]: i for i in index_b["items"]}
    assert {p for p in items_a if items_a[p] != items_b[p]} == CHANGED_BY_THE_FIRST_EXPORT | log
    for key in ("bundle", "promotion", "release", "partial", "site", "keys"):
        assert index_a[key] == index_b[key]
    assert index_b["run"]["events"] == index_a["run"]["events"] + 1
    assert b["timeline.json"].startswith(a["timeline.json"][:-3])  # one event appended
    assert b"export.recorded" in b["timeline.json"].rsplit(b"\n", 3)[1]


def test_the_same_snapshot_gives_a_byte_identical_archive(sealed, tmp_path):
    site, pid = sealed
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    signer = site_signer(site.paths.keys)

    def renderer(content):
        document = build_report(content, parse_events(content.events))
        pdf = render_pdf(document)
        assert render_pdf(document) == pdf
        plan = plan_export(content, pdf, signer)
        assert plan_export(content, pdf, signer) == plan
        prepare_export(plan, second, f"{pid}-auditor-bundle.tar.gz", signer).commit()
        return pdf

    outcome = exporting.export(site, pid, "auditor", first, who(site, "audrey"), renderer=renderer)
    name = outcome.files.archive.name
    assert (first / name).read_bytes() == (second / name).read_bytes()


def test_archive_metadata_is_fixed(sealed, tmp_path):
    site, pid = sealed
    outcome = exporting.export(site, pid, "auditor", tmp_path, who(site, "audrey"))
    archive = tmp_path / outcome.files.archive.name
    header = archive.read_bytes()[:10]
    assert header[4:8] == b"\x00\x00\x00\x00" and header[3] == 0  # no mtime, no file name
    with tarfile.open(archive) as tar:
        infos = tar.getmembers()
    names = [i.name for i in infos]
    assert names[0] == "index.json" and names[1:] == sorted(names[1:])
    for info in infos:
        assert info.isreg() and info.mtime == 0 and info.uid == info.gid == 0
        assert info.uname == info.gname == "" and info.mode == 0o644
    assert gzip.decompress(archive.read_bytes())  # a single, complete gzip stream
