"""One feed parser for every door: a record the verification report accepts is a record
the import's commit stores, and a record the commit would refuse is refused by the report
first, with the same words (engine/vuln/feed.py)."""

from __future__ import annotations

import json

import pytest

from airgap_bundles import errors as E
from airgap_bundles import verify_bundle
from airgap_bundles.options import NO_HISTORY
from app.services.feeds import FeedRecordInvalid, store_snapshot
from tests.bundles.helpers import NOW, ROOT, bundle_bytes, predicate, write

GOOD = {"id": "GHSA-1", "modified": "2026-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "npm", "name": "x"},
                      "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}


def _variants() -> list[tuple[str, dict]]:
    """The good record and records each broken in one place the matcher reads."""
    def broken(path: str, value: object) -> dict:
        record = json.loads(json.dumps(GOOD))
        *parents, last = path.split(".")
        target = record
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is None:
            del target[last]
        else:
            target[last] = value
        return record

    return [
        ("good", GOOD),
        ("package without a name", broken("affected.0.package.name", None)),
        ("package without an ecosystem", broken("affected.0.package.ecosystem", None)),
        ("range of an unknown type", broken("affected.0.ranges.0.type", "SEMVERISH")),
        ("event with two kinds", broken("affected.0.ranges.0.events",
                                        [{"introduced": "0", "fixed": "1"}])),
        ("range without events", broken("affected.0.ranges.0.events", [])),
        ("versions not strings", broken("affected.0.versions", [1])),
        ("aliases not a list", broken("aliases", "CVE-1")),
        ("no modified time", broken("modified", None)),
    ]


def _feed_bundle(tmp_path, record: dict):  # (the verified bundle, its staging)
    files = {"osv/npm/GHSA-1.json": json.dumps(record).encode(),
             "feed.json": json.dumps({"source": "osv", "snapshot": "2026-02-18T05:30:00Z",
                                      "ecosystems": ["npm"], "records": 1}).encode()}
    bundle = write(tmp_path, bundle_bytes(files, predicate("feed-snapshot", "osv")))
    staging = tmp_path / "staging"
    staging.mkdir()
    return verify_bundle(bundle, trust_root=ROOT, now=NOW, history=NO_HISTORY,
                         staging_dir=staging), staging


@pytest.mark.parametrize("name, record", _variants(), ids=[n for n, _ in _variants()])
def test_the_report_and_the_commit_agree_on_every_record(site, tmp_path, name, record):
    data = json.dumps(record).encode()
    committed = None
    try:
        with site.db.write() as session:
            store_snapshot(session, "sha256:" + "5" * 64, {
                "source": "osv", "snapshot": "2026-02-18T05:30:00Z", "ecosystems": ["npm"],
                "records": 1}, [("osv/npm/GHSA-1.json", data)])
        committed = True
    except FeedRecordInvalid as exc:
        committed = str(exc)
    try:
        verified, staging = _feed_bundle(tmp_path, record)
    except E.FeedRecordInvalid as exc:
        assert committed is not True, f"{name}: the report refused what the commit stores"
        assert exc.detail in committed  # the same parser's words at both doors
        return
    assert committed is True, f"{name}: the report accepted what the commit refuses: {committed}"
    assert [r.id for r in verified.content.iter_records(staging)] == ["GHSA-1"]
    assert name == "good"


def test_the_matcher_loads_only_when_a_feed_record_is_read():
    import subprocess
    import sys

    probe = "import sys, airgap_bundles; print('engine.vuln' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "False"  # a release bundle's verification never pays for it
