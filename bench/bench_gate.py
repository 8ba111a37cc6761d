"""Policy-gate benchmark: 100,000 advisories, a 5,000-component SBOM, one verdict.

Synthesis keeps the shapes of real records: every synthetic advisory is a copy
of one of the real OSV records under tests/data/osv (ranges, events, versions
lists, severities, aliases as they are), given a new id and, per affected
entry, a package name drawn from a per-ecosystem pool, so several advisories
name the same package as in a real feed. The SBOM is CycloneDX JSON with
package URLs: a share of its components are packages the advisories name, at a
version taken from those advisories' own version strings (introduced, fixed,
last_affected, listed versions — so some are affected and some are not), the
rest packages no advisory names.

Measured (medians over ``--runs``; the version-parse cache is cleared before
every gate run, so each is a cold evaluation; one ``gc.collect()`` after the
records are parsed):

- ``parse``: ``OsvRecord.from_bytes`` over all records (what a snapshot import
  does before storing them);
- ``index``: ``AdvisoryIndex.build`` over the parsed records;
- ``sbom``: ``CycloneDxSbom.from_bytes`` of the 5,000-component document;
- ``match``: ``match_components`` (findings, VEX, reachability);
- ``policy``: ``evaluate_policy`` (input document, CEL rules, verdict, digest);
- ``gate``: ``run_gate`` = match + policy, the figure with the 2 s target.

Usage::

    .venv/bin/python bench/bench_gate.py [--advisories 100000] [--components 5000]
        [--runs 5] [--seed 7] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.canonical import canonical_digest  # noqa: E402
from engine.policy import (  # noqa: E402
    FeedSnapshot,
    GateInputs,
    Policy,
    Release,
    evaluate_policy,
    run_gate,
)
from engine.vuln import AdvisoryIndex, CycloneDxSbom, OsvRecord, match_components  # noqa: E402
from engine.vuln.ecosystems import split_osv_ecosystem  # noqa: E402
from engine.vuln.matching import clear_caches  # noqa: E402

TEMPLATES = ROOT / "tests" / "data" / "osv"
AT = datetime(2026, 2, 18, 8, 31, tzinfo=UTC)
POLICY = {
    "name": "bench-gate", "version": 1, "feeds": {"max_age_hours": 24},
    "rules": [
        {"id": "no-critical", "each_finding": "!f.suppressed && f.severity == 'CRITICAL'",
         "action": "block", "message": "Critical vulnerabilities must be fixed"},
        {"id": "reachable-high",
         "each_finding": "!f.suppressed && f.severity == 'HIGH' && f.reachable == true",
         "action": "require-approval", "message": "Reachable high findings need approval"},
        {"id": "unfixed", "each_finding": "!f.suppressed && !f.fix_available",
         "action": "warn", "message": "Some findings have no fix"},
        {"id": "too-many-highs", "condition": "counts.high > 50", "action": "block",
         "message": "More than 50 high findings"},
    ],
}
# How a synthetic package of each ecosystem is named, and written as a purl.
_NAMES: dict[str, Callable[[int], str]] = {
    "PyPI": lambda k: f"syn-py-{k}",
    "npm": lambda k: f"syn-js-{k}" if k % 5 else f"@syn{k % 97}/pkg-{k}",
    "Maven": lambda k: f"org.syn{k % 211}:artifact-{k}",
    "Go": lambda k: f"example.com/syn{k % 89}/mod{k}",
    "crates.io": lambda k: f"syn-rs-{k}",
    "RubyGems": lambda k: f"syn-rb-{k}",
    "NuGet": lambda k: f"Syn.Net{k}",
    "Packagist": lambda k: f"syn{k % 53}/php-{k}",
    "Debian": lambda k: f"syn-deb-{k}",
    "Ubuntu": lambda k: f"syn-ubu-{k}",
    "Alpine": lambda k: f"syn-apk-{k}",
}


def _purl(ecosystem: str, release: str | None, name: str, version: str) -> str | None:
    if ecosystem == "PyPI":
        return f"pkg:pypi/{name}@{version}"
    if ecosystem == "npm":
        return f"pkg:npm/{name.replace('@', '%40')}@{version}"
    if ecosystem == "Maven":
        group, artifact = name.split(":")
        return f"pkg:maven/{group}/{artifact}@{version}"
    if ecosystem == "Go":
        return f"pkg:golang/{name}@v{version.removeprefix('v')}"
    if ecosystem == "crates.io":
        return f"pkg:cargo/{name}@{version}"
    if ecosystem == "RubyGems":
        return f"pkg:gem/{name}@{version}"
    if ecosystem == "NuGet":
        return f"pkg:nuget/{name}@{version}"
    if ecosystem == "Packagist":
        return f"pkg:composer/{name}@{version}"
    quoted = version.replace("+", "%2B").replace("~", "%7E")
    if ecosystem == "Debian" and release:
        return f"pkg:deb/debian/{name}@{quoted}?arch=amd64&distro=debian-{release}"
    if ecosystem == "Ubuntu" and release:
        return f"pkg:deb/ubuntu/{name}@{quoted}?arch=amd64&distro=ubuntu-{release}"
    if ecosystem == "Alpine" and release:
        return f"pkg:apk/alpine/{name}@{version}?arch=x86_64&distro={release.lstrip('v')}.0"
    return None


def load_templates() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(TEMPLATES.glob("*/*.json"))]


def synthesise(templates: list[dict[str, Any]], count: int, rng: random.Random,
               pool: int) -> Iterator[tuple[bytes, list[tuple[str, str | None, str, list[str]]]]]:
    """Record bytes, with (ecosystem, release, package, candidate versions) per entry."""
    for i in range(count):
        template = templates[i % len(templates)]
        doc = json.loads(json.dumps(template))
        doc["id"] = f"{template['id']}-SYN{i:06d}"
        doc["aliases"] = [f"{a}-SYN{i:06d}" for a in template.get("aliases") or []]
        named: list[tuple[str, str | None, str, list[str]]] = []
        for affected in doc.get("affected", []):
            package = affected.get("package")
            if not package:
                continue
            base, release = split_osv_ecosystem(package["ecosystem"])
            if base not in _NAMES:
                continue
            package["name"] = _NAMES[base](rng.randrange(pool))
            package.pop("purl", None)
            versions = [e[k] for r in affected.get("ranges", []) if r["type"] != "GIT"
                        for e in r["events"] for k in e if e[k] not in ("0", "0.0.0-0")]
            versions += list(affected.get("versions") or [])[:20]
            if versions:
                named.append((base, release, package["name"], versions))
        yield json.dumps(doc).encode(), named


def build_sbom(named: list[tuple[str, str | None, str, list[str]]], size: int,
               rng: random.Random, advised_share: float) -> bytes:
    components: list[dict[str, Any]] = []
    seen: set[str] = set()
    advised = rng.sample(named, min(len(named), int(size * advised_share) * 2))
    for ecosystem, release, name, versions in advised:
        if len(components) >= int(size * advised_share):
            break
        purl = _purl(ecosystem, release, name, rng.choice(versions))
        if purl and purl not in seen:
            seen.add(purl)
            components.append({"type": "library", "name": name, "purl": purl,
                               "bom-ref": purl})
    k = 0
    while len(components) < size:
        k += 1
        purl = f"pkg:npm/unadvised-{k}@{1 + k % 7}.{k % 13}.{k % 5}"
        components.append({"type": "library", "name": f"unadvised-{k}", "purl": purl,
                           "bom-ref": purl})
    rng.shuffle(components)
    return json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5",
                       "components": components}).encode()


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--advisories", type=int, default=100_000)
    parser.add_argument("--components", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pool", type=int, default=0,
                        help="package names per ecosystem (default advisories/20, about "
                             "three advisories per advised package)")
    parser.add_argument("--advised-share", type=float, default=0.1,
                        help="share of SBOM components that some advisory names")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    pool = args.pool or max(50, args.advisories // 20)

    templates = load_templates()
    named: list[tuple[str, str | None, str, list[str]]] = []
    records: list[OsvRecord] = []
    parse_time = 0.0
    total_bytes = 0
    for data, entries in synthesise(templates, args.advisories, rng, pool):
        total_bytes += len(data)
        started = time.perf_counter()
        records.append(OsvRecord.from_bytes(data))
        parse_time += time.perf_counter() - started
        named.extend(entries)
    # Settle the young generations once, as a long-running process would have: without
    # this the first index build pays for collecting the freshly parsed records.
    gc.collect()

    index_times = []
    for _ in range(3):
        started = time.perf_counter()
        index = AdvisoryIndex.build(records)
        index_times.append(time.perf_counter() - started)

    sbom_bytes = build_sbom(named, args.components, rng, args.advised_share)
    started = time.perf_counter()
    sbom = CycloneDxSbom.from_bytes(sbom_bytes, name="sbom/bench.cdx.json")
    sbom_time = time.perf_counter() - started

    policy = Policy.from_json(POLICY)
    manifest = {"name": "bench", "version": "1.0.0", "components": []}
    release = Release.from_manifest(manifest, canonical_digest(manifest))
    feeds = FeedSnapshot.per_ecosystem("osv", sorted({c.ecosystem for c in sbom.components
                                                      if c.ecosystem}),
                                       "2026-02-18T05:30:00Z", "sha256:" + "5" * 64)
    observed = {c.purl for c in sbom.components[::10] if c.purl}
    gate_times, match_times, policy_times = [], [], []
    digests = set()
    result = None
    for _ in range(args.runs):
        clear_caches()
        started = time.perf_counter()
        result = run_gate(policy, index, release=release, environment="bench",
                          evaluated_at=AT, sboms=[sbom], feeds=feeds, observed=observed)
        gate_times.append(time.perf_counter() - started)
        digests.add(result.verdict.decision_digest)
        clear_caches()
        started = time.perf_counter()
        report = match_components(index, sbom.components, observed=observed)
        match_times.append(time.perf_counter() - started)
        inputs = GateInputs(release=release, match=report, environment="bench",
                            evaluated_at=AT, feeds=feeds, components=sbom.components,
                            sbom_digests={"sbom/bench.cdx.json": sbom.digest},
                            observed=frozenset(observed))
        started = time.perf_counter()
        evaluate_policy(policy, inputs)
        policy_times.append(time.perf_counter() - started)
    assert result is not None

    figures = {
        "advisories": len(index),
        "record_bytes_mib": round(total_bytes / 2**20, 1),
        "components": len(sbom.components),
        "packages": len(result.match.packages),
        "candidate_advisories": len(result.match.advisories),
        "findings": len(result.match.findings),
        "withdrawn_matches": len(result.match.withdrawn),
        "notes": len(result.match.notes),
        "outcome": result.verdict.outcome,
        "distinct_digests": len(digests),
        "parse_s": round(parse_time, 2),
        "parse_records_per_s": round(len(records) / parse_time),
        "index_build_s": round(_median(index_times), 3),
        "sbom_parse_s": round(sbom_time, 3),
        "match_s": round(_median(match_times), 3),
        "policy_s": round(_median(policy_times), 3),
        "gate_s": round(_median(gate_times), 3),
        "gate_runs": [round(t, 3) for t in gate_times],
        "target_gate_s": 2.0,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:>22}: {value}")
    return 0 if figures["gate_s"] < figures["target_gate_s"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
