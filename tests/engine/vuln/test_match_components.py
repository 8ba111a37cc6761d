"""Components written as package URLs against the real OSV corpus, one case per edge.

The components are test inputs (a package URL is all an SBOM would give us);
the advisories are the real records under tests/data/osv, and each comment
quotes the range that makes the expectation true.
"""

from __future__ import annotations

from engine.vuln import match_components
from tests.engine.vuln.data import by_package, components, findings_for, full_index, one

# --- PyPI --------------------------------------------------------------------------


def test_pypi_record_with_a_non_pep440_version_in_its_list() -> None:
    # PYSEC-2020-341 (jw.util) lists "-class.-jw.util.version.Version-" among its versions;
    # its range is ECOSYSTEM introduced 0, fixed 2.3. The bad entry is skipped, nothing crashes.
    report = match_components(full_index(), components("pkg:pypi/jw.util@1.3.4",
                                                       "pkg:pypi/jw-util@2.3"))
    assert by_package(report.findings) == {("jw.util", "1.3.4"): ["PYSEC-2020-341"]}
    assert report.findings[0].fixed_version == "2.3"
    assert report.notes == ()


def test_pypi_last_affected_and_normalised_listed_version() -> None:
    # PYSEC-2022-42969 (py): introduced 0, last_affected 1.11.0 — no fix. PYSEC-2020-92 (py):
    # introduced 0, fixed 1.10.0, so not 1.11.0.
    py = findings_for("pkg:pypi/py@1.11.0")
    assert [(f.id, f.fixed_version) for f in py] == [("PYSEC-2022-42969", None)]
    # Both records list "0.8.0-alpha2", which PEP 440 reads as 0.8.0a2.
    early = findings_for("pkg:pypi/py@0.8.0a2")
    assert [(f.id, f.evidence, f.fixed_version) for f in early] == [
        ("PYSEC-2020-92", ("PYSEC-2020-92: versions list contains 0.8.0a2",), "1.10.0"),
        ("PYSEC-2022-42969", ("PYSEC-2022-42969: versions list contains 0.8.0a2",), None)]
    assert findings_for("pkg:pypi/py@1.11.1") == []


def test_pypi_several_introduced_in_one_range() -> None:
    # PYSEC-2015-11 (django): introduced 0 fixed 1.7.11, introduced 1.8 fixed 1.8.7,
    # introduced 1.9a0 fixed 1.9rc2 (plus a GIT range, ignored).
    found = by_package(findings_for("pkg:pypi/django@1.7.10", "pkg:pypi/django@1.8.7",
                                    "pkg:pypi/django@1.9b1"))
    assert found == {("django", "1.7.10"): ["PYSEC-2015-11"],
                     ("django", "1.9b1"): ["PYSEC-2015-11"]}
    assert one(findings_for("pkg:pypi/django@1.9b1"), "PYSEC-2015-11").fixed_version == "1.9rc2"


def test_pypi_unsorted_events() -> None:
    # PYSEC-2023-212 (urllib3) writes: introduced 2.0.0, fixed 2.0.7, introduced 0, fixed 1.26.18.
    # Read in that order, 2.0.6 would end "fixed" (2.0.6 >= 1.26.18); sorted, it is in [2.0.0, 2.0.7).
    (f,) = findings_for("pkg:pypi/urllib3@2.0.6")
    assert (f.id, f.fixed_version) == ("PYSEC-2023-212", "2.0.7")
    (g,) = findings_for("pkg:pypi/urllib3@1.26.17")
    assert g.fixed_version == "1.26.18"  # the lowest fix above 1.26.17, not 2.0.7
    assert findings_for("pkg:pypi/urllib3@1.26.18") == []


def test_pypi_numeric_not_textual_order() -> None:
    # PYSEC-2017-14 (html5lib): introduced 0, fixed 0.999999999 (nine 9s); 0.99999999 has eight.
    (f,) = findings_for("pkg:pypi/html5lib@0.99999999")
    assert (f.id, f.fixed_version) == ("PYSEC-2017-14", "0.999999999")


def test_pypi_withdrawn_record() -> None:
    # PYSEC-2021-13 (flask-caching, introduced 1.0.0, no fix) was withdrawn 2023-07-25.
    report = match_components(full_index(), components("pkg:pypi/Flask_Caching@1.10.1"))
    assert report.findings == ()
    assert [(w.advisory, w.package, w.withdrawn) for w in report.withdrawn] == [
        ("PYSEC-2021-13", "flask-caching", "2023-07-25T12:32:00Z")]


# --- npm and Maven: aliases, scoped names, unsorted events ----------------------------


def test_npm_aliases_merge_into_one_finding() -> None:
    # GHSA-4x49-vf9v-38px (SEMVER introduced 4.4.2, fixed 4.4.3) and MAL-2025-46974
    # (versions ["4.4.2"]) alias each other: one vulnerability, one finding.
    (f,) = findings_for("pkg:npm/debug@4.4.2")
    assert f.id == "GHSA-4x49-vf9v-38px"
    assert f.advisories == ("GHSA-4x49-vf9v-38px", "MAL-2025-46974")
    assert f.aliases == ("CVE-2025-59144", "GHSA-8mgj-vmr8-frr6")
    assert f.fixed_version == "4.4.3"


def test_maven_aliases_merge_and_the_lowest_fix_wins() -> None:
    # GHSA-f256-j965-7f32 (introduced 4.0.0, fixed 4.1.61.Final) and GHSA-wm47-8v5p-wjpj
    # (introduced 4.0.0, fixed 4.1.60.Final) alias each other.
    (f,) = findings_for("pkg:maven/io.netty/netty-codec-http2@4.1.59.Final")
    assert f.advisories == ("GHSA-f256-j965-7f32", "GHSA-wm47-8v5p-wjpj")
    assert f.fixed_version == "4.1.60.Final"
    # At 4.1.60.Final only GHSA-f256 still applies.
    (g,) = findings_for("pkg:maven/io.netty/netty-codec-http2@4.1.60.Final")
    assert (g.id, g.advisories, g.fixed_version) == (
        "GHSA-f256-j965-7f32", ("GHSA-f256-j965-7f32",), "4.1.61.Final")


def test_maven_last_affected() -> None:
    # GHSA-hwj3-m3p6-hj38 and GHSA-6pcc-3rfx-4gpm, dom4j:dom4j: introduced 0, last_affected 1.6.1
    # (the org.dom4j:dom4j entries are another package).
    found = findings_for("pkg:maven/dom4j/dom4j@1.6.1")
    assert [(f.id, f.fix_available) for f in found] == [("GHSA-6pcc-3rfx-4gpm", False),
                                                        ("GHSA-hwj3-m3p6-hj38", False)]


def test_npm_scoped_package_and_unsorted_events() -> None:
    # GHSA-p8p7-x288-28g6, @cypress/request: introduced 0, fixed 3.0.0.
    (f,) = findings_for("pkg:npm/%40cypress/request@2.88.12")
    assert (f.package, f.fixed_version) == ("@cypress/request", "3.0.0")
    # GHSA-fhjf-83wg-r2j9 (mixin-deep) writes introduced 0, introduced 2.0.0, fixed 2.0.1,
    # fixed 1.3.2: affected are [0, 1.3.2) and [2.0.0, 2.0.1).
    assert by_package(findings_for("pkg:npm/mixin-deep@2.0.0", "pkg:npm/mixin-deep@1.3.2",
                                   "pkg:npm/mixin-deep@1.3.1")) == {
        ("mixin-deep", "2.0.0"): ["GHSA-fhjf-83wg-r2j9"],
        ("mixin-deep", "1.3.1"): ["GHSA-fhjf-83wg-r2j9"]}
    assert one(findings_for("pkg:npm/mixin-deep@1.3.1"), "GHSA-fhjf-83wg-r2j9").fixed_version \
        == "1.3.2"


# --- Go --------------------------------------------------------------------------------


def test_go_incompatible_versions_and_two_introduced() -> None:
    # GO-2021-0076 (evanphx/json-patch): introduced 0, fixed 0.5.2, introduced
    # 3.0.0+incompatible, fixed 3.0.1-0.20180525145409-4c9aadca8f89+incompatible.
    found = findings_for("pkg:golang/github.com/evanphx/json-patch@v0.5.1",
                         "pkg:golang/github.com/evanphx/json-patch@v3.0.0%2Bincompatible",
                         "pkg:golang/github.com/evanphx/json-patch@v4.9.0%2Bincompatible")
    assert {(f.version, f.id, f.fixed_version) for f in found} == {
        ("v0.5.1", "GO-2021-0076", "0.5.2"),
        ("v3.0.0+incompatible", "GO-2021-0076",
         "3.0.1-0.20180525145409-4c9aadca8f89+incompatible"),
    }


def test_go_standard_library_version_prefix() -> None:
    # GO-2022-0236, stdlib: introduced 0 fixed 1.15.12, introduced 1.16.0-0 fixed 1.16.4.
    found = findings_for("pkg:golang/stdlib@go1.16.3")
    assert one(found, "GO-2022-0236").fixed_version == "1.16.4"
    assert "GO-2022-0236" not in {f.id for f in findings_for("pkg:golang/stdlib@go1.16.4")}


# --- crates.io and RubyGems -------------------------------------------------------------


def test_crates_two_advisories_and_prerelease_ranges() -> None:
    # RUSTSEC-2020-0069: ... introduced 0.9.0 fixed 0.9.5, introduced 0.10.0-alpha.1 fixed
    # 0.10.0-alpha.4. RUSTSEC-2021-0069: introduced 0.7.0 fixed 0.9.6, introduced
    # 0.10.0-alpha.1 fixed 0.10.0-rc.3. Different CVEs: two findings for 0.9.4.
    found = findings_for("pkg:cargo/lettre@0.9.4", "pkg:cargo/lettre@0.10.0-beta.2",
                         "pkg:cargo/lettre@0.10.0")
    assert {(f.version, f.id, f.fixed_version) for f in found} == {
        ("0.9.4", "RUSTSEC-2020-0069", "0.9.5"),
        ("0.9.4", "RUSTSEC-2021-0069", "0.9.6"),
        ("0.10.0-beta.2", "RUSTSEC-2021-0069", "0.10.0-rc.3"),
    }


def test_crates_name_normalisation_and_withdrawn() -> None:
    # RUSTSEC-2022-0055 names "axum-core": introduced 0.0.0-0, fixed 0.2.8. crates.io treats
    # axum_core as the same crate.
    (f,) = findings_for("pkg:cargo/axum_core@0.2.7")
    assert (f.id, f.package, f.fixed_version) == ("RUSTSEC-2022-0055", "axum_core", "0.2.8")
    # RUSTSEC-2020-0053 (dirs, introduced 0.0.0-0) is withdrawn.
    report = match_components(full_index(), components("pkg:cargo/dirs@3.0.1"))
    assert report.findings == ()
    assert [w.advisory for w in report.withdrawn] == ["RUSTSEC-2020-0053"]


def test_rubygems_unsorted_events_and_four_part_versions() -> None:
    # GHSA-9qj7-jvg4-qr2x (passenger) writes introduced 0, introduced 4.0.1, fixed 4.0.5,
    # fixed 3.0.21: affected are [0, 3.0.21) and [4.0.1, 4.0.5). In file order 4.0.1 would
    # end "fixed" by 3.0.21.
    found = findings_for("pkg:gem/passenger@4.0.1", "pkg:gem/passenger@4.0.0",
                         "pkg:gem/passenger@3.0.20")
    assert {(f.version, f.fixed_version) for f in found} == {("4.0.1", "4.0.5"),
                                                              ("3.0.20", "3.0.21")}
    # GHSA-65f5-mfpf-vfhj (rack): introduced 1.5.0 fixed 2.0.9.2, introduced 2.2.0.0 fixed
    # 2.2.6.2, ...; GHSA-c6qg-cjj8-47qp: introduced 2.0.0 fixed 2.2.6.4, ...
    assert by_package(findings_for("pkg:gem/rack@2.0.9.1", "pkg:gem/rack@2.2.6.2",
                                   "pkg:gem/rack@2.2.6.4")) == {
        ("rack", "2.0.9.1"): ["GHSA-65f5-mfpf-vfhj", "GHSA-c6qg-cjj8-47qp"],
        ("rack", "2.2.6.2"): ["GHSA-c6qg-cjj8-47qp"]}


def test_rubygems_entry_of_an_npm_record() -> None:
    # lodash-rails entries: GHSA-29mw 4.0.0-4.17.21, GHSA-35jh 0-4.17.21, GHSA-p6mc
    # 3.7.0-4.17.19 contain 4.17.15; GHSA-4xc9 (to 4.17.11), GHSA-fvqr (to 4.17.5),
    # GHSA-jf85 (to 4.17.12) and GHSA-x5rq (4.7.0-4.17.11) do not.
    assert by_package(findings_for("pkg:gem/lodash-rails@4.17.15")) == {
        ("lodash-rails", "4.17.15"): ["GHSA-29mw-wpgm-hmr9", "GHSA-35jh-r3h4-6jhm",
                                      "GHSA-p6mc-m468-83gw"]}


# --- Debian, Ubuntu, Alpine ---------------------------------------------------------------


def test_debian_source_package_and_tilde_ordering() -> None:
    # DLA-3008-1 (source openssl, Debian:9): introduced 0, fixed 1.1.0l-1~deb9u6. The binary
    # libssl1.1 names its source in the purl's "upstream" qualifier.
    (f,) = findings_for(
        "pkg:deb/debian/libssl1.1@1.1.0l-1~deb9u5?arch=amd64&upstream=openssl&distro=debian-9")
    assert (f.id, f.package, f.release, f.fixed_version) == (
        "DLA-3008-1", "openssl", "9", "1.1.0l-1~deb9u6")
    # "1.1.0l-1" sorts after "1.1.0l-1~deb9u6" (a tilde sorts before nothing).
    assert findings_for(
        "pkg:deb/debian/libssl1.1@1.1.0l-1?arch=amd64&upstream=openssl&distro=debian-9") == []


def test_debian_release_scoping() -> None:
    # DSA-3029-1: nginx in Debian:7 only, introduced 0, fixed 1.2.1-2.2+wheezy3.
    (f,) = findings_for("pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy2?distro=debian-7")
    assert (f.id, f.fixed_version) == ("DSA-3029-1", "1.2.1-2.2+wheezy3")
    assert findings_for("pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy2?distro=debian-9") == []
    # DLA-3022-1: dpkg in Debian:9, fixed 1.18.26; "stretch" is Debian 9.
    (g,) = findings_for("pkg:deb/debian/dpkg@1.18.25?distro=stretch")
    assert (g.id, g.fixed_version) == ("DLA-3022-1", "1.18.26")


def test_ubuntu_release_decides_which_fix_applies() -> None:
    # CVE-2024-22365, pam: Ubuntu:22.04:LTS fixed 1.4.0-11ubuntu2.4; Ubuntu:20.04:LTS fixed
    # 1.3.1-5ubuntu4.7. 1.4.0-11ubuntu2.3 is affected on 22.04 only.
    purl = "pkg:deb/ubuntu/libpam0g@1.4.0-11ubuntu2.3?arch=amd64&upstream=pam&distro=ubuntu-{}"
    (f,) = findings_for(purl.format("22.04"))
    assert (f.id, f.fixed_version) == ("CVE-2024-22365", "1.4.0-11ubuntu2.4")
    assert findings_for(purl.format("20.04")) == []


def test_ubuntu_priority_is_the_severity() -> None:
    # UBUNTU-CVE-2025-38094: linux in Ubuntu:Pro:14.04:LTS, introduced 0; severity
    # [{"type": "Ubuntu", "score": "medium"}].
    (f,) = findings_for("pkg:deb/ubuntu/linux@3.13.0-2.17?arch=source&distro=ubuntu-14.04")
    assert (f.id, f.severity.rating, f.severity.source, f.fix_available) == (
        "UBUNTU-CVE-2025-38094", "MEDIUM", "Ubuntu", False)


def test_alpine_revisions_and_git_suffix() -> None:
    # ALPINE-CVE-2025-26519 (musl): Alpine:v3.22 introduced 0.9.13 fixed 1.2.5-r10;
    # Alpine:v3.19 fixed 1.2.4_git20230717-r5.
    (f,) = findings_for("pkg:apk/alpine/musl@1.2.5-r9?arch=x86_64&distro=3.22.0")
    assert (f.id, f.release, f.fixed_version) == ("ALPINE-CVE-2025-26519", "v3.22", "1.2.5-r10")
    assert f.key == "ALPINE-CVE-2025-26519 Alpine:v3.22/musl@1.2.5-r9"
    assert findings_for("pkg:apk/alpine/musl@1.2.5-r10?arch=x86_64&distro=3.22.0") == []
    (g,) = findings_for("pkg:apk/alpine/musl@1.2.4_git20230717-r4?distro=3.19.1")
    assert g.fixed_version == "1.2.4_git20230717-r5"


def test_alpine_unknown_release_is_matched_against_every_release() -> None:
    # Without a distro qualifier musl 1.2.2-r0 meets every Alpine:vX entry of the record; the
    # lowest fix above it is Alpine:v3.16's 1.2.3-r4.
    (f,) = findings_for("pkg:apk/alpine/musl@1.2.2-r0")
    assert (f.release, f.fixed_version) == (None, "1.2.3-r4")
    # CVE-2022-27449 (mariadb): Alpine:v3.13 introduced 0, fixed 10.5.16-r0.
    (g,) = findings_for("pkg:apk/alpine/mariadb@10.5.15-r0?distro=3.13.1")
    assert (g.id, g.fixed_version) == ("CVE-2022-27449", "10.5.16-r0")


def test_unreadable_component_version_is_a_note_not_a_pass() -> None:
    report = match_components(full_index(), components("pkg:pypi/django@not.a.version!"))
    assert report.findings == ()
    # Both records naming django (PYSEC-2015-11, and GHSA-6c3j-c64m-qhgq's PyPI entry) say so.
    assert {(n.kind, n.advisory) for n in report.notes} == {("unevaluated", "PYSEC-2015-11"),
                                                           ("unevaluated", "GHSA-6c3j-c64m-qhgq")}
    assert all("not a valid PypiVersion" in n.detail for n in report.notes)
