"""The OSV evaluation algorithm on its own, with small entries written for each rule.

The entries here are constructed (the real-record tests are in test_match_*.py);
each one isolates one clause of the schema's ``IsVulnerable`` pseudocode.
"""

from __future__ import annotations

import pytest

from engine.vuln.osv import Affected, Event, Range
from engine.vuln.ranges import evaluate
from engine.vuln.versions import scheme_for


def entry(ecosystem: str, *ranges: Range, versions: tuple[str, ...] = ()) -> Affected:
    return Affected(ecosystem=ecosystem, base_ecosystem=ecosystem, release=None, name="pkg",
                    purl=None, ranges=ranges, versions=versions, severity=(),
                    ecosystem_specific=None, database_specific=None)


def rng(kind: str, *events: tuple[str, str]) -> Range:
    return Range(kind, tuple(Event(k, v) for k, v in events))


@pytest.mark.parametrize(
    ("version", "affected"),
    [("0.0.1", True), ("1.9.9", True), ("2.0.0", False), ("2.5.0", False), ("3.0.0", True),
     ("3.0.5", True), ("3.1.0", False)],
)
def test_introduced_fixed_pairs_with_zero(version: str, affected: bool) -> None:
    e = entry("npm", rng("SEMVER", ("introduced", "0"), ("fixed", "2.0.0"),
                         ("introduced", "3.0.0"), ("fixed", "3.1.0")))
    assert evaluate(e, "npm", version).affected is affected


@pytest.mark.parametrize(("version", "affected"), [("1.0.0", True), ("1.3.2", True),
                                                   ("1.3.3", False), ("0.9.0", False)])
def test_last_affected_is_inclusive(version: str, affected: bool) -> None:
    e = entry("npm", rng("SEMVER", ("introduced", "1.0.0"), ("last_affected", "1.3.2")))
    result = evaluate(e, "npm", version)
    assert result.affected is affected
    assert result.fixed_above == ()  # last_affected names no fix


@pytest.mark.parametrize(("version", "affected"), [("1.5.0", True), ("2.4.9", True),
                                                   ("2.5.0", False), ("9.0.0", False)])
def test_limit_bounds_the_range(version: str, affected: bool) -> None:
    # introduced 1.0.0 with no fix would cover everything above; limit 2.5.0 caps it.
    e = entry("PyPI", rng("ECOSYSTEM", ("introduced", "1.0.0"), ("limit", "2.5.0")))
    assert evaluate(e, "PyPI", version).affected is affected


def test_several_limits_need_the_version_below_one_of_them_and_star_is_infinity() -> None:
    two = entry("npm", rng("SEMVER", ("introduced", "0"), ("limit", "1.0.0"), ("limit", "3.0.0")))
    assert evaluate(two, "npm", "2.0.0").affected
    assert not evaluate(two, "npm", "3.0.0").affected
    star = entry("npm", rng("SEMVER", ("introduced", "0"), ("limit", "*")))
    assert evaluate(star, "npm", "999.0.0").affected


def test_unsorted_events_are_sorted_by_version_first() -> None:
    # As GHSA-9qj7-jvg4-qr2x writes them: introduced 0, introduced 4.0.1, fixed 4.0.5, fixed 3.0.21.
    e = entry("RubyGems", rng("ECOSYSTEM", ("introduced", "0"), ("introduced", "4.0.1"),
                              ("fixed", "4.0.5"), ("fixed", "3.0.21")))
    assert evaluate(e, "RubyGems", "4.0.1").affected  # read in file order this would be clean
    assert not evaluate(e, "RubyGems", "4.0.0").affected
    assert evaluate(e, "RubyGems", "3.0.20").fixed_above == ("3.0.21", "4.0.5")


def test_introduced_and_fixed_at_one_version_is_empty() -> None:
    e = entry("npm", rng("SEMVER", ("fixed", "1.0.0"), ("introduced", "1.0.0")))
    assert not evaluate(e, "npm", "1.0.0").affected


def test_a_range_without_introduced_affects_nothing() -> None:
    e = entry("npm", rng("SEMVER", ("fixed", "2.0.0")))
    assert not evaluate(e, "npm", "1.0.0").affected


def test_versions_list_alone_matches_by_text_or_by_parsed_equality() -> None:
    e = entry("PyPI", versions=("1.0", "2.0.0rc1"))
    assert evaluate(e, "PyPI", "1.0").affected
    assert evaluate(e, "PyPI", "1.0.0").affected  # PEP 440: 1.0 == 1.0.0
    assert evaluate(e, "PyPI", "2.0.0-rc.1").affected  # normalises to 2.0.0rc1
    assert not evaluate(e, "PyPI", "1.0.1").affected


def test_git_ranges_are_not_package_ranges() -> None:
    git_only = entry("PyPI", rng("GIT", ("introduced", "0"), ("fixed", "a" * 40)))
    result = evaluate(git_only, "PyPI", "1.0")
    assert not result.affected
    assert result.problems == ("only GIT ranges, which need the source repository to evaluate",)
    with_versions = entry("PyPI", rng("GIT", ("introduced", "0"), ("fixed", "a" * 40)),
                          versions=("1.0",))
    assert evaluate(with_versions, "PyPI", "1.0").affected
    assert evaluate(with_versions, "PyPI", "1.0").problems == ()


def test_unreadable_versions_are_reported_not_guessed() -> None:
    e = entry("PyPI", rng("ECOSYSTEM", ("introduced", "0"), ("fixed", "2.0")))
    result = evaluate(e, "PyPI", "not a version")
    assert not result.affected
    assert result.problems == ("version 'not a version' is not a valid PypiVersion",)
    bad_event = entry("PyPI", rng("ECOSYSTEM", ("introduced", "0"), ("fixed", "??")))
    assert evaluate(bad_event, "PyPI", "1.0").problems == (
        "range event fixed '??' is not a valid PypiVersion",)


def test_semver_ignores_build_metadata_and_a_leading_v() -> None:
    e = entry("Go", rng("SEMVER", ("introduced", "3.0.0+incompatible"),
                        ("fixed", "3.0.1-0.20180525145409-4c9aadca8f89+incompatible")))
    assert evaluate(e, "Go", "v3.0.0+incompatible").affected
    assert evaluate(e, "Go", "v3.0.0").affected
    assert not evaluate(e, "Go", "v3.0.1").affected


def test_schemes_per_ecosystem() -> None:
    assert scheme_for("PyPI", "ECOSYSTEM").name == "PypiVersion"
    assert scheme_for("Maven", "ECOSYSTEM").name == "MavenVersion"
    assert scheme_for("Debian", "ECOSYSTEM").name == "DebianVersion"
    assert scheme_for("Alpine", "ECOSYSTEM").name == "ApkVersion"
    assert scheme_for("RubyGems", "ECOSYSTEM").name == "RubygemsVersion"
    assert scheme_for("Go", "SEMVER").name == "GolangVersion"
    assert scheme_for("crates.io", "SEMVER").name == "SemverVersion"
    assert scheme_for("npm", "SEMVER").name == "SemverVersion"
    assert scheme_for("Hackage", "ECOSYSTEM") is None
    assert scheme_for("Hackage", "SEMVER").name == "SemverVersion"


@pytest.mark.parametrize(
    ("ecosystem", "lower", "higher"),
    [
        ("Maven", "9.4.18.v20190429", "9.4.33.v20201020"),
        ("Maven", "4.1.59.Final", "4.1.60.Final"),
        ("Maven", "1.0-rc1", "1.0"),
        ("PyPI", "1.9a0", "1.9b1"),
        ("PyPI", "0.99999999", "0.999999999"),
        ("Debian", "1.1.0l-1~deb9u5", "1.1.0l-1~deb9u6"),
        ("Debian", "1.1.0l-1~deb9u6", "1.1.0l-1"),  # tilde sorts before the empty string
        ("Debian", "2.0-1", "1:1.0-1"),  # epoch wins
        ("Alpine", "1.2.5-r9", "1.2.5-r10"),  # numeric, not text, revision order
        ("Alpine", "1.2.4-r3", "1.2.4_git20230717-r5"),
        ("RubyGems", "2.0.9.1", "2.0.9.2"),
        ("RubyGems", "4.0.0.rc1", "4.0.0"),
        ("npm", "0.10.0-alpha.1", "0.10.0-rc.3"),
        ("Go", "0.0.0-20210405180319-a5a99cb37ef4", "0.0.0-20210428140749-89ef3d95e781"),
    ],
)
def test_real_ordering_not_string_ordering(ecosystem: str, lower: str, higher: str) -> None:
    scheme = scheme_for(ecosystem, None)
    assert scheme is not None
    a, b = scheme.parse(lower), scheme.parse(higher)
    assert a is not None and b is not None
    assert a < b and not b < a
