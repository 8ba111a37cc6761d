"""The committed sample bundles: they verify, rotate, are reproducible, and make a useful demo."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from packageurl import PackageURL
from univers.versions import GolangVersion, MavenVersion, PypiVersion, SemverVersion

from airgap_bundles import FeedContent, MemoryHistory, ReleaseContent, verify_bundle
from engine.crypto.dsse import Envelope
from engine.crypto.trust_root import TrustRoot

SAMPLES = Path(__file__).resolve().parents[2] / "airgap_bundles" / "samples"
NOW = datetime(2026, 2, 18, 9, 0, tzinfo=UTC)
ORDER = [
    "release-platform-1.2.4.tar.gz",
    "release-platform-1.3.0-rc1.tar.gz",
    "release-platform-1.3.0-rc1-bad.tar.gz",
    "feed-osv-2026-02-18.tar.zst",
    "policy-default.tar.gz",
    "trust-root-v2.tar.gz",
]


def _root(version: int) -> Envelope:
    return Envelope.from_bytes((SAMPLES / f"trust-root-v{version}.dsse.json").read_bytes())


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict:
    """Verify every sample in demo order under trust root v1, staging each."""
    root = TrustRoot.first_install(_root(1), NOW)
    versions: dict = {}
    out = {}
    for name in ORDER:
        staging = tmp_path_factory.mktemp(name.split(".")[0])
        verified = verify_bundle(
            SAMPLES / "bundles" / name,
            trust_root=root,
            now=NOW,
            history=MemoryHistory(dict(versions)),
            staging_dir=staging,
        )
        versions[(verified.kind, verified.name)] = verified.version
        out[name] = (verified, staging)
    return out


def test_every_sample_verifies_in_demo_order(imported) -> None:
    assert [v.kind for v, _ in imported.values()] == [
        "release",
        "release",
        "release",
        "feed-snapshot",
        "policy",
        "trust-root",
    ]
    assert all(v.report.ok for v, _ in imported.values())
    versions = [imported[n][0].content.version for n in ORDER[:3]]
    assert versions == ["1.2.4", "1.3.0-rc1", "1.3.0-rc1-bad"]
    feed = imported["feed-osv-2026-02-18.tar.zst"][0].content
    assert isinstance(feed, FeedContent) and feed.record_count == 307
    assert imported["policy-default.tar.gz"][0].content.rule_ids == (
        "block-critical-reachable-fixable",
        "warn-high",
        "require-approval-prod",
        "warn-feed-older-than-6h",
    )


def test_trust_root_rotation_by_file_and_by_bundle(imported) -> None:
    v1 = TrustRoot.first_install(_root(1), NOW)
    v2 = v1.verify_successor(_root(2), NOW)
    assert (v1.version, v2.version) == (1, 2)
    from_bundle = imported["trust-root-v2.tar.gz"][0].content.trust_root
    assert from_bundle.digest == v2.digest
    # Releases signed by release-1 stay valid under v2 (release-1 is kept, release-2 added).
    assert v2.role("release").threshold == 1 and len(v2.role("release").keyids) == 2


def test_demo_keys_are_labelled_and_derived_from_published_seeds() -> None:
    spec = json.loads((SAMPLES / "src" / "samples.json").read_text())
    key_files = sorted(p.name for p in (SAMPLES / "keys").iterdir())
    assert key_files and all(name.startswith("DEMO-ONLY-") for name in key_files)
    from engine.crypto.keys import Ed25519Signer, load_private_key

    for label in spec["keys"]:
        seed = hashlib.sha256(spec["seed_prefix"].encode() + label.encode()).digest()
        assert (
            load_private_key(SAMPLES / "keys" / f"DEMO-ONLY-{label}.key").keyid
            == Ed25519Signer.from_seed(seed).keyid
        )
    for version in (1, 2):
        document = json.loads(_root(version).payload)
        assert all(
            entry["description"].startswith("DEMO-ONLY") for entry in document["keys"].values()
        )


def test_samples_are_reproducible_from_their_sources() -> None:
    spec = importlib.util.spec_from_file_location(
        "make_sample_bundles", SAMPLES.parents[1] / "scripts" / "make_sample_bundles.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0


# --- the content makes a meaningful gate demo ------------------------------------------

_ECOSYSTEMS = {
    "golang": ("Go", GolangVersion),
    "npm": ("npm", SemverVersion),
    "pypi": ("PyPI", PypiVersion),
    "maven": ("Maven", MavenVersion),
    "cargo": ("crates.io", SemverVersion),
}


def _affected(version, cls, affected: dict) -> bool:
    if str(version) in affected.get("versions", []):
        return True
    for rng in affected.get("ranges", []):
        if rng["type"] not in ("SEMVER", "ECOSYSTEM"):
            continue
        inside = False
        for event in rng["events"]:
            ((kind, value),) = event.items()
            if kind == "introduced":
                inside = inside or value == "0" or cls(value) <= version
            elif kind == "fixed" and inside and version >= cls(value):
                inside = False
            elif kind == "last_affected" and inside and version > cls(value):
                inside = False
        if inside:
            return True
    return False


def _findings(release_dir: Path, records: list[dict]) -> set[tuple[str, str, str]]:
    """(ecosystem, package, advisory) for every SBOM component an OSV record affects."""
    found = set()
    release = json.loads((release_dir / "release.json").read_text())
    for component in release["components"]:
        sbom = json.loads((release_dir / component["sbom"]).read_text())
        for library in sbom["components"]:
            purl = PackageURL.from_string(library["purl"])
            ecosystem, cls = _ECOSYSTEMS[purl.type]
            sep = ":" if purl.type == "maven" else "/"
            name = f"{purl.namespace}{sep}{purl.name}" if purl.namespace else purl.name
            version = cls(purl.version.removeprefix("v"))
            for record in records:
                for affected in record.get("affected", []):
                    package = affected.get("package", {})
                    if (package.get("ecosystem"), package.get("name")) == (
                        ecosystem,
                        name,
                    ) and _affected(version, cls, affected):
                        found.add((ecosystem, name, record["id"]))
    return found


def test_sboms_have_real_findings_in_five_ecosystems_and_vex_covers_one(imported) -> None:
    feed, feed_dir = imported["feed-osv-2026-02-18.tar.zst"]
    records = [json.loads((feed_dir / path).read_bytes()) for path in feed.content.record_paths]
    old = _findings(imported["release-platform-1.2.4.tar.gz"][1], records)
    new = _findings(imported["release-platform-1.3.0-rc1.tar.gz"][1], records)
    assert {e for e, _, _ in old} == {"Go", "npm", "PyPI", "Maven", "crates.io"}
    assert (
        "Maven",
        "org.apache.commons:commons-text",
        "GHSA-599f-7c49-w659",
    ) in old  # fixed in rc1
    assert ("Maven", "org.apache.commons:commons-text", "GHSA-599f-7c49-w659") not in new
    assert ("npm", "ws", "GHSA-3h5v-q93c-6h6q") in new
    vex_path = imported["release-platform-1.3.0-rc1.tar.gz"][0].content.vex[0]
    vex = json.loads((imported["release-platform-1.3.0-rc1.tar.gz"][1] / vex_path).read_text())
    statement = vex["statements"][0]
    assert statement["status"] == "not_affected" and statement["justification"]
    assert ("npm", "@babel/traverse", statement["vulnerability"]["name"]) in new


def test_bad_variant_differs_only_in_behaviour(imported) -> None:
    good: ReleaseContent = imported["release-platform-1.3.0-rc1.tar.gz"][0].content
    bad: ReleaseContent = imported["release-platform-1.3.0-rc1-bad.tar.gz"][0].content
    assert [c.name for c in good.components] == [c.name for c in bad.components]
    good_dir = imported["release-platform-1.3.0-rc1.tar.gz"][1]
    bad_dir = imported["release-platform-1.3.0-rc1-bad.tar.gz"][1]
    for component in good.components:
        assert (
            json.loads((good_dir / component.sbom).read_text())["components"]
            == json.loads((bad_dir / component.sbom).read_text())["components"]
        )
        app = json.loads((bad_dir / component.artifact).read_text())
        assert app["error_rate"] == 0.2
        assert json.loads((good_dir / component.artifact).read_text())["error_rate"] == 0.0


def _gate(imported, release_file: str, environment: str, at: datetime):
    """The real policy gate over the staged samples: feed index, SBOMs, VEX, policy."""
    from engine.policy import FeedSnapshot, Policy, Release, run_gate
    from engine.vuln import AdvisoryIndex, CycloneDxSbom, OsvRecord, VexDocument

    feed, feed_dir = imported["feed-osv-2026-02-18.tar.zst"]
    index = AdvisoryIndex.build(
        [OsvRecord.from_bytes((feed_dir / p).read_bytes()) for p in feed.content.record_paths]
    )
    verified, staged = imported[release_file]
    release = verified.content
    sboms = [
        CycloneDxSbom.from_bytes((staged / c.sbom).read_bytes(), name=c.sbom)
        for c in release.components
    ]
    vex = [VexDocument.from_bytes((staged / v).read_bytes()) for v in release.vex]
    policy_verified, policy_dir = imported["policy-default.tar.gz"]
    policy = Policy.from_bytes((policy_dir / "policy.json").read_bytes())
    assert policy.digest == policy_verified.content.policy_digest
    feeds = FeedSnapshot.per_ecosystem(
        "osv", feed.content.declared_ecosystems, "2026-02-18T05:30:00Z", feed.manifest_digest
    )
    document = json.loads((staged / "release.json").read_bytes())
    return run_gate(
        policy,
        index,
        release=Release.from_manifest(document, release.release_digest),
        environment=environment,
        evaluated_at=at,
        sboms=sboms,
        feeds=feeds,
        vex=vex,
    )


def test_the_sample_policy_gates_the_sample_releases(imported) -> None:
    fresh = datetime(2026, 2, 18, 9, 0, tzinfo=UTC)  # feed 3.5 h old
    result = _gate(imported, "release-platform-1.3.0-rc1.tar.gz", "staging", fresh)
    outcomes = {r.id: r.outcome for r in result.verdict.rules}
    assert result.verdict.outcome == "warn"
    assert outcomes["warn-high"] == "triggered"  # ws 8.13.0
    assert outcomes["block-critical-reachable-fixable"] == "not-triggered"  # reachability unknown
    assert outcomes["require-approval-prod"] == "not-triggered"
    suppressed = [f for f in result.match.findings if f.suppressed]
    assert [f.package for f in suppressed] == ["@babel/traverse"]  # the OpenVEX statement

    to_prod = _gate(imported, "release-platform-1.3.0-rc1.tar.gz", "prod", fresh)
    assert to_prod.verdict.outcome == "require-approval"

    old = _gate(imported, "release-platform-1.2.4.tar.gz", "staging", fresh)
    assert {f.ecosystem for f in old.match.findings} == {"Go", "npm", "PyPI", "Maven", "crates.io"}
    assert len(old.match.findings) > len(result.match.findings)

    later = datetime(2026, 2, 18, 12, 0, tzinfo=UTC)  # 6.5 h: a warning
    outcomes = {
        r.id: r.outcome
        for r in _gate(
            imported, "release-platform-1.3.0-rc1.tar.gz", "staging", later
        ).verdict.rules
    }
    assert outcomes["warn-feed-older-than-6h"] == "triggered"
    stale = datetime(2026, 2, 19, 12, 0, tzinfo=UTC)  # 30.5 h: stale, the built-in rule blocks
    assert (
        _gate(imported, "release-platform-1.3.0-rc1.tar.gz", "staging", stale).verdict.outcome
        == "block"
    )
