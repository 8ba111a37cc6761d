"""Access to the real OSV records and SBOMs copied under tests/data (see SOURCES.md there)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from engine.vuln import AdvisoryIndex, Component, CycloneDxSbom, OsvRecord, match_components
from engine.vuln.matching import Finding

DATA = Path(__file__).resolve().parents[2] / "data"
OSV = DATA / "osv"
SBOM = DATA / "sbom"


def record_path(record_id: str) -> Path:
    matches = sorted(OSV.glob(f"*/{record_id}.json"))
    assert len(matches) == 1, f"{record_id}: {matches}"
    return matches[0]


def record(record_id: str) -> OsvRecord:
    return OsvRecord.from_bytes(record_path(record_id).read_bytes())


@cache
def all_records() -> tuple[OsvRecord, ...]:
    return tuple(OsvRecord.from_bytes(p.read_bytes()) for p in sorted(OSV.glob("*/*.json")))


@cache
def full_index() -> AdvisoryIndex:
    return AdvisoryIndex.build(all_records())


@cache
def sbom(name: str) -> CycloneDxSbom:
    return CycloneDxSbom.from_bytes((SBOM / name).read_bytes(), name=f"sbom/{name}")


def components(*purls: str) -> list[Component]:
    return [Component.from_purl(p) for p in purls]


def findings_for(*purls: str, index: AdvisoryIndex | None = None) -> list[Finding]:
    return list(match_components(index or full_index(), components(*purls)).findings)


def by_package(findings: Iterable[Finding]) -> dict[tuple[str, str], list[str]]:
    """``(package, version)`` -> sorted finding ids."""
    out: dict[tuple[str, str], list[str]] = {}
    for f in findings:
        out.setdefault((f.package, f.version), []).append(f.id)
    return {k: sorted(v) for k, v in out.items()}


def one(findings: list[Finding], finding_id: str) -> Finding:
    found = [f for f in findings if f.id == finding_id]
    assert len(found) == 1, [f.key for f in findings]
    return found[0]
