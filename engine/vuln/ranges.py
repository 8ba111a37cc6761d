"""Is one version affected by one OSV ``affected`` entry? The schema's algorithm.

Follows ``IsVulnerable`` of the OSV schema ("Evaluation"): a version is
affected when it is listed in ``versions`` or lies in any ``SEMVER`` /
``ECOSYSTEM`` range. For a range, its events are sorted by version (they are
not sorted in every record), ``introduced: "0"`` sorts before everything and a
``limit`` containing ``*`` after everything; walking them in order,
``introduced`` at or below the version sets *affected*, ``fixed`` at or below
clears it and ``last_affected`` strictly below clears it. When ``limit`` events
are present the version must be below at least one of them. Events of equal
version are taken introduced first, so ``introduced: X, fixed: X`` is empty.

``GIT`` ranges need the repository's commit graph and are ignored here; an
entry that has nothing else is reported as unevaluable rather than clean.
A version that a scheme cannot read, or a range whose event values cannot be
read, is reported the same way (:attr:`AffectedResult.problems`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cmp_to_key, lru_cache

from univers.versions import Version

from engine.vuln.osv import Affected, Range
from engine.vuln.versions import at_least, less, scheme_for

_TIE_ORDER = {"introduced": 0, "last_affected": 1, "fixed": 2, "limit": 3}


@dataclass(frozen=True)
class AffectedResult:
    affected: bool
    # Human-readable reason the version is affected (which list or range).
    evidence: str | None = None
    # ``fixed`` event values above the version, in the ecosystem's order.
    fixed_above: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Point:
    kind: str
    text: str
    tier: int  # 0: "0" (minimum), 1: a real version, 2: "*" (infinity)
    version: Version | None


def _compare(a: _Point, b: _Point) -> int:
    if a.tier != b.tier:
        return -1 if a.tier < b.tier else 1
    if a.version is not None and b.version is not None:
        if less(a.version, b.version):
            return -1
        if less(b.version, a.version):
            return 1
    return _TIE_ORDER[a.kind] - _TIE_ORDER[b.kind]


def _describe(rng: Range) -> str:
    return f"{rng.type} " + ", ".join(f"{e.kind} {e.value}" for e in rng.events)


def _evaluate_range(rng: Range, ecosystem: str, version: str) -> tuple[bool, list[str], str | None]:
    """(affected, fixed values above ``version``, problem or None)."""
    scheme = scheme_for(ecosystem, rng.type)
    if scheme is None:
        return False, [], f"no version ordering known for {ecosystem} {rng.type} ranges"
    current = scheme.parse(version)
    if current is None:
        return False, [], f"version {version!r} is not a valid {scheme.name}"
    points: list[_Point] = []
    for event in rng.events:
        if event.kind == "introduced" and event.value == "0":
            points.append(_Point(event.kind, event.value, 0, None))
        elif event.kind == "limit" and "*" in event.value:
            points.append(_Point(event.kind, event.value, 2, None))
        else:
            parsed = scheme.parse(event.value)
            if parsed is None:
                return False, [], (
                    f"range event {event.kind} {event.value!r} is not a valid {scheme.name}"
                )
            points.append(_Point(event.kind, event.value, 1, parsed))
    limits = [p for p in points if p.kind == "limit"]
    if limits and not any(p.version is None or less(current, p.version) for p in limits):
        return False, [], None
    affected = False
    for point in sorted(points, key=cmp_to_key(_compare)):
        bound = point.version  # None only for introduced "0" and limit "*"
        if point.kind == "introduced":
            if bound is None or at_least(current, bound):
                affected = True
        elif bound is None:
            continue
        elif point.kind == "fixed" and at_least(current, bound):
            affected = False
        elif point.kind == "last_affected" and less(bound, current):
            affected = False
    fixed_above = [
        p.text for p in points
        if p.kind == "fixed" and p.version is not None and less(current, p.version)
    ]
    return affected, fixed_above, None


_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=65_536)
def _by_digits(versions: tuple[str, ...], strip_build: bool) -> dict[tuple[int, ...], list[str]]:
    """Listed versions grouped by :func:`_digit_key`, so only plausible equals are parsed."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for text in versions:
        groups.setdefault(_digit_key(text, strip_build), []).append(text)
    return groups


def _digit_key(text: str, strip_build: bool) -> tuple[int, ...]:
    """The version's numbers without leading and trailing zeros (build metadata dropped
    where the scheme ignores it). Versions a scheme reads as equal share this key
    (``1.0`` / ``1.0.0``, ``0.8.0-alpha2`` / ``0.8.0a2``, ``v1.2`` / ``1.2``,
    ``0:1.0`` / ``1.0``), so comparing keys first only skips parses that could not
    be equal."""
    if strip_build:
        text = text.split("+", 1)[0]
    numbers = [int(d) for d in _DIGITS.findall(text)]
    while numbers and numbers[-1] == 0:
        numbers.pop()
    while numbers and numbers[0] == 0:
        numbers.pop(0)
    return tuple(numbers)


def _in_versions(affected: Affected, ecosystem: str, version: str) -> bool:
    if not affected.versions:
        return False
    if version in affected.versions:
        return True
    scheme = scheme_for(ecosystem, None)
    if scheme is None:
        return False
    current = scheme.parse(version)
    if current is None:
        return False
    plausible = _by_digits(affected.versions, scheme.strip_build).get(
        _digit_key(version, scheme.strip_build), ())
    for listed in plausible:
        other = scheme.parse(listed)  # unreadable entries (e.g. PYSEC-2020-341) are skipped
        if other is not None and not less(current, other) and not less(other, current):
            return True
    return False


def evaluate(affected: Affected, ecosystem: str, version: str) -> AffectedResult:
    """Whether ``version`` of the entry's package is affected, and why."""
    problems: list[str] = []
    fixed_above: list[str] = []
    evidence: str | None = None
    if _in_versions(affected, ecosystem, version):
        evidence = f"versions list contains {version}"
    usable = [r for r in affected.ranges if r.type in ("SEMVER", "ECOSYSTEM")]
    for rng in usable:
        hit, fixes, problem = _evaluate_range(rng, ecosystem, version)
        if problem:
            problems.append(problem)
            continue
        fixed_above.extend(fixes)
        if hit and evidence is None:
            evidence = _describe(rng)
    if not usable and not affected.versions:
        if affected.ranges:
            problems.append("only GIT ranges, which need the source repository to evaluate")
        else:
            problems.append("neither ranges nor a versions list")
    return AffectedResult(
        affected=evidence is not None,
        evidence=evidence,
        fixed_above=tuple(_sort_versions(ecosystem, fixed_above)),
        problems=tuple(problems),
    )


def _sort_versions(ecosystem: str, values: list[str]) -> list[str]:
    """Unique values in the ecosystem's order (unreadable ones last, by text)."""
    scheme = scheme_for(ecosystem, None)
    unique = sorted(set(values))
    if scheme is None:
        return unique
    readable = [(scheme.parse(v), v) for v in unique]
    parsed = [(p, v) for p, v in readable if p is not None]
    rest = [v for p, v in readable if p is None]

    def cmp(a: tuple[Version, str], b: tuple[Version, str]) -> int:
        if less(a[0], b[0]):
            return -1
        if less(b[0], a[0]):
            return 1
        return (a[1] > b[1]) - (a[1] < b[1])

    return [v for _, v in sorted(parsed, key=cmp_to_key(cmp))] + rest
