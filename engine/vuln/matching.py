"""SBOM components against OSV advisories: findings, withdrawn matches and notes.

One :class:`Finding` per package per vulnerability. A package is a distinct
(ecosystem, matching name, version, distro release); the same package seen in
several SBOMs or under several bom-refs is matched once and lists every place
it was seen. Advisories that match the same package and are aliases of each
other (directly, or through a shared alias such as a CVE id: ``GHSA-…`` and
``PYSEC-…`` both aliasing ``CVE-…``) are one vulnerability and make one
finding; its ``id`` is the smallest merged advisory id, ``advisories`` lists
them all, ``aliases`` everything else they are known as.

Per finding: severity is the worst of the merged advisories'
(:mod:`engine.vuln.severity`); ``fixed_version`` is the lowest ``fixed``
version above the package version across the merged advisories' ranges;
``reachable`` is ``True`` when the runtime observations name the package
(:func:`_observed_forms`), else ``None`` (unknown — never ``False``, since not
seeing a package load proves nothing); VEX decides ``suppressed``
(:mod:`engine.vuln.vex`).

Distro packages (Debian, Ubuntu, Alpine) only meet advisories of their own
release when both sides name one; when either side does not, they meet all
releases (a conservative choice: an unknown release never hides a finding).

Withdrawn advisories never make findings; a withdrawn advisory that would have
matched is listed in :attr:`MatchReport.withdrawn`. Everything the matcher
could not decide (an unreadable version, a GIT-only entry, a component without
a package URL) is a :class:`MatchNote`, so a gate can refuse to pass on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from packageurl import PackageURL

from engine.vuln.index import AdvisoryIndex, Candidate
from engine.vuln.ranges import AffectedResult, _by_digits, evaluate
from engine.vuln.sbom import Component
from engine.vuln.severity import Severity, severity_of, worst
from engine.vuln.versions import _parse, less, scheme_for
from engine.vuln.vex import VexDocument, decide, ordered_statements


@dataclass(frozen=True)
class Finding:
    id: str
    aliases: tuple[str, ...]
    advisories: tuple[str, ...]
    ecosystem: str
    package: str
    version: str
    release: str | None
    purls: tuple[str, ...]
    sboms: tuple[str, ...]
    severity: Severity
    fixed_version: str | None
    summary: str | None
    evidence: tuple[str, ...]
    reachable: bool | None = None
    suppressed: bool = False
    vex_status: str | None = None
    justification: str | None = None

    @property
    def fix_available(self) -> bool:
        return self.fixed_version is not None

    @property
    def key(self) -> str:
        """Stable identity across evaluations: ``<id> <ecosystem>[:<release>]/<package>@<version>``
        (the release in OSV's notation, e.g. ``Alpine:v3.18``, for distro packages)."""
        label = package_label(self.ecosystem, self.release, self.package)
        return f"{self.id} {label}@{self.version}"

    def to_json(self) -> dict[str, Any]:
        """The finding as it appears in the policy input (docs/policy-input.md)."""
        return {
            "id": self.id,
            "key": self.key,
            "aliases": list(self.aliases),
            "advisories": list(self.advisories),
            "ecosystem": self.ecosystem,
            "package": self.package,
            "version": self.version,
            "release": self.release,
            "purl": self.purls[0] if self.purls else None,
            "sboms": list(self.sboms),
            "severity": self.severity.rating,
            "score": self.severity.score,
            "severity_source": self.severity.source,
            "cvss_vector": self.severity.vector,
            "fixed_version": self.fixed_version,
            "fix_available": self.fix_available,
            "reachable": self.reachable,
            "suppressed": self.suppressed,
            "vex_status": self.vex_status,
            "justification": self.justification,
            "summary": self.summary,
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True)
class WithdrawnMatch:
    advisory: str
    withdrawn: str
    ecosystem: str
    package: str
    version: str

    def to_json(self) -> dict[str, str]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class MatchNote:
    """Something the matcher could not decide; ``kind`` is a stable short name."""

    kind: str  # "unmatchable-component" | "unevaluated"
    subject: str  # the package or component it is about
    detail: str
    advisory: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class MatchReport:
    findings: tuple[Finding, ...]
    withdrawn: tuple[WithdrawnMatch, ...]
    notes: tuple[MatchNote, ...]
    # Every advisory that named a package of the release, matched or not: id -> digest.
    advisories: Mapping[str, str] = field(default_factory=dict)
    packages: tuple[Component, ...] = ()


@dataclass
class _Hit:
    candidate: Candidate
    result: AffectedResult


def match_components(
    index: AdvisoryIndex,
    components: Iterable[Component],
    *,
    vex: Sequence[VexDocument] = (),
    observed: Iterable[str] | None = None,
) -> MatchReport:
    """Match ``components`` against ``index`` (see the module docstring)."""
    groups: dict[tuple[str, str, str, str], list[Component]] = {}
    notes: list[MatchNote] = []
    for component in components:
        if component.matchable:
            groups.setdefault(component.identity, []).append(component)
        else:
            notes.append(MatchNote("unmatchable-component", _label(component),
                                   _unmatchable_reason(component)))
    statements = ordered_statements(vex)
    seen = frozenset(observed) if observed is not None else frozenset()
    findings: list[Finding] = []
    withdrawn: list[WithdrawnMatch] = []
    advisories: dict[str, str] = {}
    packages: list[Component] = []
    for identity in sorted(groups):
        comps = groups[identity]
        first = comps[0]
        packages.append(first)
        hits: dict[str, list[_Hit]] = {}
        for candidate in index.candidates(first.ecosystem or "", first.name_key or ""):
            release = candidate.affected.release
            if first.release and release and release != first.release:
                continue
            record = candidate.record
            advisories[record.id] = record.digest
            result = evaluate(candidate.affected, first.ecosystem or "", first.version or "")
            for problem in result.problems:
                notes.append(MatchNote("unevaluated", _package_label(first), problem, record.id))
            if not result.affected:
                continue
            if record.is_withdrawn:
                withdrawn.append(WithdrawnMatch(record.id, record.withdrawn or "",
                                                first.ecosystem or "", first.package or "",
                                                first.version or ""))
            else:
                hits.setdefault(record.id, []).append(_Hit(candidate, result))
        for group in _alias_groups(hits):
            finding = _finding(first, comps, group)
            ruling = decide(statements, (finding.id, *finding.advisories, *finding.aliases), comps)
            if ruling is not None:
                finding = _with_vex(finding, ruling.status, ruling.explanation)
            if seen and _observed_forms(comps) & seen:
                finding = replace(finding, reachable=True)
            findings.append(finding)
    findings.sort(key=lambda f: (f.ecosystem, f.package, f.version, f.release or "", f.id))
    return MatchReport(
        findings=tuple(findings),
        withdrawn=tuple(sorted(set(withdrawn), key=lambda w: (w.advisory, w.package, w.version))),
        notes=tuple(sorted(set(notes), key=lambda n: (n.kind, n.subject, n.advisory or "",
                                                       n.detail))),
        advisories=MappingProxyType(dict(sorted(advisories.items()))),
        packages=tuple(packages),
    )


def clear_caches() -> None:
    """Forget parsed versions (memoised across evaluations); for cold-start measurements."""
    _parse.cache_clear()
    _by_digits.cache_clear()


def package_label(ecosystem: str, release: str | None, package: str) -> str:
    """``ecosystem[:release]/package``, the way findings and sealed inputs name a package."""
    return f"{ecosystem}:{release}/{package}" if release else f"{ecosystem}/{package}"


def _label(component: Component) -> str:
    return component.purl or f"{component.name}@{component.version or '?'}"


def _package_label(component: Component) -> str:
    return f"{component.ecosystem}/{component.package}@{component.version}"


def _unmatchable_reason(component: Component) -> str:
    if component.purl is None:
        return "no package URL"
    if component.ecosystem is None:
        return "package URL type has no OSV ecosystem here"
    return "no version"


def _alias_groups(hits: Mapping[str, list[_Hit]]) -> list[list[list[_Hit]]]:
    """Hits grouped by vulnerability: records joined through ids and aliases."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for rid, record_hits in hits.items():
        find(rid)
        for alias in record_hits[0].candidate.record.aliases:
            union(rid, alias)
    grouped: dict[str, list[list[_Hit]]] = {}
    for rid in sorted(hits):
        grouped.setdefault(find(rid), []).append(hits[rid])
    return [grouped[root] for root in sorted(grouped)]


def _finding(first: Component, comps: list[Component], group: list[list[_Hit]]) -> Finding:
    records = [hs[0].candidate.record for hs in group]
    ids = sorted(r.id for r in records)
    aliases = sorted({a for r in records for a in r.aliases} - set(ids))
    severity = worst(severity_of(h.candidate.record, h.candidate.affected)
                     for hs in group for h in hs)
    fixes = [v for hs in group for h in hs for v in h.result.fixed_above]
    evidence = sorted({f"{h.candidate.record.id}: {h.result.evidence}"
                       for hs in group for h in hs if h.result.evidence})
    primary = next(r for r in records if r.id == ids[0])
    return Finding(
        id=ids[0],
        aliases=tuple(aliases),
        advisories=tuple(ids),
        ecosystem=first.ecosystem or "",
        package=first.package or "",
        version=first.version or "",
        release=first.release,
        purls=tuple(sorted({c.purl for c in comps if c.purl})),
        sboms=tuple(sorted({c.sbom for c in comps if c.sbom})),
        severity=severity,
        fixed_version=_lowest(first.ecosystem or "", fixes),
        summary=primary.summary,
        evidence=tuple(evidence),
    )


def _lowest(ecosystem: str, versions: list[str]) -> str | None:
    if not versions:
        return None
    scheme = scheme_for(ecosystem, None)
    best: str | None = None
    best_parsed = None
    for text in sorted(set(versions)):
        parsed = scheme.parse(text) if scheme else None
        if best is None or (parsed is not None and (best_parsed is None
                                                    or less(parsed, best_parsed))):
            best, best_parsed = text, parsed
    return best


def _with_vex(finding: Finding, status: str, explanation: str | None) -> Finding:
    suppressed = status in ("not_affected", "fixed")
    return replace(finding, vex_status=status, suppressed=suppressed,
                    justification=explanation if suppressed else None)


def _observed_forms(components: Iterable[Component]) -> set[str]:
    """Strings that, observed at runtime, mark these components loaded.

    The full purl; the purl without qualifiers; ``pkg:type/namespace/name``
    with and without ``@version``; the component name; the package name.
    """
    forms: set[str] = set()
    for c in components:
        forms.update(x for x in (c.purl, c.name, c.package) if x)
        if c.purl:
            try:
                p = PackageURL.from_string(c.purl)
            except ValueError:
                continue
            base = PackageURL(type=p.type, namespace=p.namespace, name=p.name).to_string()
            forms.add(base)
            if p.version:
                forms.add(f"{base}@{p.version}")
    return forms
