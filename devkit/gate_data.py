"""Gate inputs for tests: the real OSV records and SBOMs of tests/data stored at a site.

Releases are written where an imported bundle's members live
(``store/bundles/<bundle digest hex>/<member path>``) and registered with that
bundle digest, as the import does; feed snapshots and policies go through the
same services the import calls (:func:`app.services.feeds.store_snapshot`,
:func:`app.services.policies.store_policy`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from app.context import Site
from app.services.feeds import store_snapshot
from app.services.gate_inputs import release_root
from app.services.policies import store_policy
from app.services.releases import register_release
from app.steps.base import StepRegistry
from app.steps.gate import GateStep
from devkit.doubles import doubles_registry
from engine.canonical import canonical_bytes, canonical_digest, sha256_digest

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
OSV = DATA / "osv"
SBOM = DATA / "sbom"
SNAPSHOT = "2026-02-18T05:30:00Z"  # three hours before the test clock's 08:30
ECOSYSTEMS = ("npm", "Maven", "PyPI", "Go", "crates.io", "RubyGems", "Packagist", "Debian:12",
              "Ubuntu", "Alpine:v3.18")
SHOP_SBOM = "npm-juice-shop-11.1.2.cdx.json"
MAVEN_SBOM = "maven-dropwizard-1.3.15.cdx.json"

POLICY: dict[str, Any] = {
    "name": "prod-gate",
    "version": 7,
    "feeds": {"max_age_hours": 24},
    "rules": [
        {"id": "no-critical", "description": "No unsuppressed critical finding",
         "each_finding": "!f.suppressed && f.severity == 'CRITICAL'",
         "action": "block", "message": "Critical vulnerabilities must be fixed before prod"},
        {"id": "reachable-high", "description": "High findings seen loaded at runtime",
         "each_finding": "!f.suppressed && f.severity == 'HIGH' && f.reachable == true",
         "action": "require-approval", "message": "A reachable high finding needs approval"},
        {"id": "unfixed", "description": "Findings without any fix",
         "each_finding": "!f.suppressed && !f.fix_available",
         "action": "warn", "message": "Some findings have no fix yet"},
    ],
}
PERMISSIVE: dict[str, Any] = {"name": "permissive", "version": 1, "rules": []}


def fixture_records(ecosystems: Iterable[str] | None = None) -> list[tuple[str, bytes]]:
    """``(member path, bytes)`` of the real records, as a feed bundle lists them."""
    folders = set(ecosystems) if ecosystems is not None else None
    return [(f"osv/{p.parent.name}/{p.name}", p.read_bytes())
            for p in sorted(OSV.glob("*/*.json"))
            if folders is None or p.parent.name in folders]


def store_feed(site: Site, snapshot: str = SNAPSHOT, *, ecosystems: Sequence[str] = ECOSYSTEMS,
               records: Sequence[tuple[str, bytes]] | None = None, source: str = "osv",
               digest: str | None = None) -> str:
    """Store a feed snapshot of the fixture records; returns its (bundle) digest."""
    records = fixture_records() if records is None else list(records)
    feed = {"source": source, "snapshot": snapshot, "ecosystems": list(ecosystems),
            "records": len(records)}
    digest = digest or canonical_digest({"test-feed": feed,
                                         "records": [sha256_digest(d) for _, d in records]})
    with site.db.write() as session:
        store_snapshot(session, digest, feed, records, imported_at=site.clock.now())
    return digest


def store_policy_doc(site: Site, doc: Mapping[str, Any] = POLICY) -> str:
    data = json.dumps(doc).encode()
    with site.db.write() as session:
        store_policy(session, "sha256:" + "7" * 64, data, imported_at=site.clock.now())
    return canonical_digest(dict(doc))


def sbom_bytes(name: str) -> bytes:
    return (SBOM / name).read_bytes()


def shop_manifest(version: str = "11.1.2", sboms: Sequence[str] = (SHOP_SBOM,)) -> dict:
    return {"name": "juice-shop", "version": version, "workflow": "canary-10-50-100",
            "components": [{"name": f"c{i}", "image": f"registry.local/shop/c{i}",
                            "digest": "sha256:" + f"{i + 1}" * 64, "sbom": f"sbom/{name}"}
                           for i, name in enumerate(sboms)],
            "inputs": []}


def write_release(site: Site, manifest: Mapping[str, Any], files: Mapping[str, bytes]) -> str:
    """Put a release's members where an imported bundle's live and register it."""
    release_json = canonical_bytes(dict(manifest))
    bundle_digest = canonical_digest({"test-bundle": sha256_digest(release_json),
                                      "files": {p: sha256_digest(d) for p, d in files.items()}})
    root = release_root(site, "", bundle_digest)
    for path, data in {"release.json": release_json, **files}.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    with site.db.write() as session:
        release = register_release(session, release_json, bundle_digest, site.clock.now())
    return release.digest


def add_shop_release(site: Site, version: str = "11.1.2", sboms: Sequence[str] = (SHOP_SBOM,),
                     vex: Mapping[str, bytes] | None = None) -> str:
    files = {f"sbom/{name}": sbom_bytes(name) for name in sboms}
    files.update(vex or {})
    return write_release(site, shop_manifest(version, sboms), files)


def vex_document(vulnerability: str, product: str, status: str = "not_affected",
                 justification: str = "vulnerable_code_not_in_execute_path") -> bytes:
    return json.dumps({
        "@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.test/vex/1",
        "author": "Shop security team", "timestamp": "2026-02-10T00:00:00Z", "version": 1,
        "statements": [{"vulnerability": {"name": vulnerability},
                        "products": [{"@id": product}], "status": status,
                        "justification": justification}],
    }).encode()


def gate_registry(**steps: Any) -> StepRegistry:
    """The step doubles, with the real gate."""
    registry = doubles_registry()
    registry.register("gate-eval", GateStep())
    for name, handler in steps.items():
        registry.register(name.replace("_", "-"), handler)
    return registry


def gated_promotion(site: Site) -> str:
    """A promotion into eu-stage stopped after a real gate verdict: a finding, a VEX
    suppression, replayable from its stored inputs."""
    from app.executor import Executor
    from app.services import promotions
    from devkit.factories import who

    store_feed(site)
    store_policy_doc(site)
    vex = {"vex/shop.json": vex_document("CVE-2019-10744", "pkg:npm/lodash@2.4.2")}
    pid = promotions.create_promotion(site, add_shop_release(site, vex=vex), "eu-stage",
                                      who(site, "alice"))
    Executor(site, pid, gate_registry()).run(until="gate-eval")
    return pid
