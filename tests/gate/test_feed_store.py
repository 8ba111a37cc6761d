"""Storing feed snapshots: records by digest, package keys, coverage, every snapshot kept."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.services import feeds
from app.services.feeds import (
    FeedDocumentInvalid,
    FeedRecordCountMismatch,
    FeedRecordInvalid,
    store_snapshot,
)
from models import feeds as q
from models.tables import Advisory, AdvisoryPackage, FeedAdvisory, FeedSnapshot
from tests.support.gate_data import fixture_records, store_feed


def _count(site, table) -> int:
    with site.db.read() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_records_are_stored_once_with_their_package_keys(site):
    records = fixture_records()
    digest = store_feed(site, records=records)
    assert _count(site, FeedAdvisory) == len(records) == _count(site, Advisory)
    with site.db.read() as session:
        info = q.snapshot_by_digest(session, digest)
        # GHSA-29mw-wpgm-hmr9 names npm lodash; the key is the engine's normalised one.
        lodash = session.scalars(select(Advisory.osv_id).join(
            AdvisoryPackage, AdvisoryPackage.advisory_digest == Advisory.digest).where(
            AdvisoryPackage.ecosystem == "npm", AdvisoryPackage.name_key == "lodash")).all()
        # Debian:12 in feed.json is covered as the base ecosystem Debian.
        assert "Debian" in info.ecosystems and "Debian:12" not in info.ecosystems
        assert info.records == len(records)
    assert {"GHSA-29mw-wpgm-hmr9", "GHSA-35jh-r3h4-6jhm", "GHSA-jf85-cpcp-j695"} <= set(lodash)


def test_a_snapshot_is_kept_by_digest_and_shares_unchanged_records(site):
    records = fixture_records()
    first = store_feed(site, "2026-02-17T05:30:00Z", records=records)
    assert store_feed(site, "2026-02-17T05:30:00Z", records=records, digest=first) == first
    # The next snapshot: one record changed (a new 'modified'), everything else the same.
    path, data = records[0]
    changed = json.loads(data)
    changed["modified"] = "2026-02-18T00:00:00Z"
    second = store_feed(site, records=[(path, json.dumps(changed).encode()), *records[1:]])
    assert first != second
    assert _count(site, FeedSnapshot) == 2
    assert _count(site, Advisory) == len(records) + 1  # only the changed record is new
    assert _count(site, FeedAdvisory) == 2 * len(records)
    summaries = feeds.list_snapshots(site)
    assert [s.digest for s in summaries] == [second, first]  # newest data first


def test_newest_snapshot_per_source_and_ecosystem(site):
    npm_only = fixture_records(["npm"])
    old = store_feed(site, "2026-02-16T00:00:00Z", ecosystems=["npm", "PyPI"])
    new = store_feed(site, "2026-02-18T00:00:00Z", ecosystems=["npm"], records=npm_only)
    other = store_feed(site, "2026-02-15T00:00:00Z", ecosystems=["npm"], source="ghsa",
                       records=npm_only)
    chosen = {(c.source, c.ecosystem): c.digest for c in feeds.newest(site)}
    assert chosen == {("ghsa", "npm"): other, ("osv", "PyPI"): old, ("osv", "npm"): new}


def test_candidate_records_come_from_the_chosen_snapshot_only(site):
    everything = store_feed(site, "2026-02-16T00:00:00Z")
    only_pypi = store_feed(site, ecosystems=["PyPI"], records=fixture_records(["PyPI"]))
    with site.db.read() as session:
        full = q.snapshot_by_digest(session, everything)
        pypi = q.snapshot_by_digest(session, only_pypi)
        in_full = q.candidate_records(session, full.id, [("npm", "lodash"), ("npm", "qs")])
        in_pypi = q.candidate_records(session, pypi.id, [("npm", "lodash")])
    ids = sorted(json.loads(data)["id"] for _, data in in_full)
    assert "GHSA-hrpp-h998-j3pp" in ids and "GHSA-29mw-wpgm-hmr9" in ids
    assert len(ids) == len(set(ids))
    assert in_pypi == []


def test_count_mismatch_rejects_and_stores_nothing(site):
    records = fixture_records(["npm"])
    feed = {"source": "osv", "snapshot": "2026-02-18T05:30:00Z", "ecosystems": ["npm"],
            "records": len(records) + 1}
    with pytest.raises(FeedRecordCountMismatch, match=f"says {len(records) + 1} records but "
                                                      f"the snapshot holds {len(records)}"):
        with site.db.write() as session:
            store_snapshot(session, "sha256:" + "1" * 64, feed, records)
    assert _count(site, FeedSnapshot) == 0 and _count(site, Advisory) == 0


def test_an_unreadable_record_is_named(site):
    records = [("osv/npm/bad.json", json.dumps({"id": "X-1", "modified": "2026-01-01T00:00:00Z",
                                                "affected": [{"package": {"ecosystem": "npm"}}]
                                                }).encode())]
    feed = {"source": "osv", "snapshot": "2026-02-18T05:30:00Z", "ecosystems": ["npm"],
            "records": 1}
    with pytest.raises(FeedRecordInvalid, match=r"^osv/npm/bad.json: .*needs a string 'name'"):
        with site.db.write() as session:
            store_snapshot(session, "sha256:" + "2" * 64, feed, records)


@pytest.mark.parametrize("feed, message", [
    ({"snapshot": "2026-02-18T05:30:00Z", "ecosystems": [], "records": 0}, "'source'"),
    ({"source": "osv", "snapshot": "yesterday", "ecosystems": [], "records": 0}, "'snapshot'"),
    ({"source": "osv", "snapshot": "2026-02-18T05:30:00Z", "ecosystems": "npm", "records": 0},
     "'ecosystems'"),
    ({"source": "osv", "snapshot": "2026-02-18T05:30:00Z", "ecosystems": [], "records": True},
     "'records'"),
])
def test_feed_json_is_checked(site, feed, message):
    with pytest.raises(FeedDocumentInvalid, match=message):
        with site.db.write() as session:
            store_snapshot(session, "sha256:" + "3" * 64, feed, [])
