"""Dates from the future are refused by their own rule: a bundle created beyond the
allowed clock skew (default one day, configurable), and a feed snapshot dated ahead."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from airgap_bundles import BundleLimits, verify_bundle
from airgap_bundles import errors as E
from airgap_bundles.options import NO_HISTORY
from tests.bundles.helpers import (
    NOW,
    ROOT,
    bundle_bytes,
    feed_files,
    predicate,
    release_files,
    write,
)

LATER = NOW + timedelta(days=365 * 100)


def _release(tmp_path, created):
    pred = predicate(created=created, expires=created + timedelta(days=30))
    return write(tmp_path, bundle_bytes(release_files(), pred))


def test_a_bundle_created_a_century_ahead_is_refused(tmp_path):
    with pytest.raises(E.CreatedInFuture, match="later than now plus the allowed clock skew") \
            as info:
        verify_bundle(_release(tmp_path, LATER), trust_root=ROOT, now=NOW, history=NO_HISTORY)
    assert info.value.rule == "created-in-future"
    assert info.value.report.failed.name == "not-future"


def test_a_clock_a_few_hours_ahead_is_tolerated_by_default(tmp_path):
    verified = verify_bundle(_release(tmp_path, NOW + timedelta(hours=12)), trust_root=ROOT,
                             now=NOW, history=NO_HISTORY)
    assert verified.report.ok


def test_the_skew_is_configurable(tmp_path):
    strict = BundleLimits(max_clock_skew=timedelta(hours=1))
    with pytest.raises(E.CreatedInFuture):
        verify_bundle(_release(tmp_path, NOW + timedelta(hours=12)), trust_root=ROOT, now=NOW,
                      history=NO_HISTORY, limits=strict)


def test_a_feed_snapshot_dated_2099_is_refused(tmp_path):
    files = feed_files()
    doc = json.loads(files["feed.json"])
    doc["snapshot"] = "2099-01-01T00:00:00Z"
    files["feed.json"] = json.dumps(doc).encode()
    path = write(tmp_path, bundle_bytes(files, predicate(kind="feed-snapshot", name="osv")))
    with pytest.raises(E.FeedFromFuture, match="2099-01-01T00:00:00Z") as info:
        verify_bundle(path, trust_root=ROOT, now=NOW, history=NO_HISTORY)
    assert info.value.rule == "feed-snapshot-in-future"
