"""The gate on data imported the way an operator imports it: the signed sample bundles
(DEMO-ONLY keys) through the bundle import, then a gate run and its replay."""

from __future__ import annotations

from app.demo import layout
from app.executor import Executor
from app.services import bundles, feeds, gate, policies, promotions, replay, trust
from app.services.releases import find_release
from tests.support.factories import who
from tests.support.gate_data import gate_registry

SAMPLE_BUNDLES = layout.SAMPLES / "bundles"


def test_imported_feed_policy_and_release_give_a_replayable_verdict(site):
    trust.install_first(site, (layout.SAMPLES / "trust-root-v1.dsse.json").read_bytes(), "alice",
                        confirmed=True)
    imported = {name: bundles.import_bundle(site, SAMPLE_BUNDLES / name, "alice")
                for name in ("release-platform-1.3.0-rc1.tar.gz", "policy-default.tar.gz",
                             "feed-osv-2026-02-18.tar.zst")}
    feed_digest = imported["feed-osv-2026-02-18.tar.zst"].bundle.manifest_digest
    [snapshot] = feeds.list_snapshots(site)
    assert snapshot.digest == feed_digest and snapshot.records > 0
    assert policies.current_policy(site) is not None
    with site.db.read() as session:
        release = find_release(session, "platform@1.3.0-rc1")
        digest = release.digest
    pid = promotions.create_promotion(site, digest, "eu-stage", who(site, "alice"))
    Executor(site, pid, gate_registry()).run(until="gate-eval")
    stored = gate.latest_verdict(site, pid)
    assert stored is not None
    document = stored.document
    assert {f["digest"] for f in document["inputs"]["feeds"]} == {feed_digest}
    # the release's five SBOMs, read from the bundle store, across four ecosystems
    assert len(document["inputs"]["sboms"]) == 5
    assert {f["key"] for f in document["findings"]} == {
        "GO-2023-2153 Go/google.golang.org/grpc@v1.56.2",  # fixed in 1.56.3
        "PYSEC-2023-175 PyPI/pillow@9.5.0",  # fixed in 10.0.1
        "RUSTSEC-2024-0003 crates.io/h2@0.3.20",  # fixed in 0.3.24
        "GHSA-67hx-6x53-jw92 npm/@babel/traverse@7.22.5",  # CVSS critical, fixed in 7.23.2
        "GHSA-3h5v-q93c-6h6q npm/ws@8.13.0",  # introduced 8.0.0, fixed 8.17.1
    }
    assert document["outcome"] == "warn"
    assert document["policy"]["digest"] == policies.current_policy(site).digest
    assert replay.replay_verdict(site, stored.record.verdict_id, "audrey").result == "match"
