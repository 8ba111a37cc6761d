"""Real SBOMs against the real OSV corpus; every expectation checked by hand from the records.

For each finding (and for each near miss) the comment quotes the range of the
record (under tests/data/osv) that makes it true.
"""

from __future__ import annotations

from engine.vuln import match_components
from tests.engine.vuln.data import by_package, full_index, one, sbom


def test_npm_juice_shop() -> None:
    report = match_components(full_index(), sbom("npm-juice-shop-11.1.2.cdx.json").components)
    assert by_package(report.findings) == {
        # GHSA-93q8-gq69-wqmw: SEMVER introduced 3.0.0 fixed 3.0.1 / 4.0.0-4.1.1 / 5.0.0-5.0.1
        ("ansi-regex", "3.0.0"): ["GHSA-93q8-gq69-wqmw"],
        ("ansi-regex", "4.1.0"): ["GHSA-93q8-gq69-wqmw"],
        ("ansi-regex", "5.0.0"): ["GHSA-93q8-gq69-wqmw"],
        # GHSA-v6h2-p8h4-qcjw: introduced 1.0.0, fixed 1.1.12
        ("brace-expansion", "1.1.11"): ["GHSA-v6h2-p8h4-qcjw"],
        # GHSA-gxpj-cx7g-858c: introduced 3.2.0 fixed 3.2.7; introduced 4.0.0 fixed 4.3.1
        ("debug", "3.2.6"): ["GHSA-gxpj-cx7g-858c"],
        ("debug", "4.1.1"): ["GHSA-gxpj-cx7g-858c"],
        # GHSA-fjxv-7rqg-78g4: introduced 0, fixed 2.5.4
        ("form-data", "2.3.3"): ["GHSA-fjxv-7rqg-78g4"],
        # lodash 2.4.2 is below 3.7.0 (GHSA-p6mc) and 4.0.0/4.7.0 (GHSA-29mw, GHSA-x5rq), inside
        # "introduced 0" ranges fixed at 4.17.21 (35jh), 4.17.11 (4xc9), 4.17.5 (fvqr), 4.17.12 (jf85)
        ("lodash", "2.4.2"): ["GHSA-35jh-r3h4-6jhm", "GHSA-4xc9-xhrj-v574",
                              "GHSA-fvqr-27wr-82fm", "GHSA-jf85-cpcp-j695"],
        # lodash 4.17.19: GHSA-29mw introduced 4.0.0 fixed 4.17.21; GHSA-35jh introduced 0 fixed
        # 4.17.21; not GHSA-p6mc (introduced 3.7.0, fixed 4.17.19: fixed is exclusive)
        ("lodash", "4.17.19"): ["GHSA-29mw-wpgm-hmr9", "GHSA-35jh-r3h4-6jhm"],
        # GHSA-p6mc-m468-83gw, lodash.set: introduced 3.7.0, last_affected 4.3.2 (inclusive)
        ("lodash.set", "4.3.2"): ["GHSA-p6mc-m468-83gw"],
        # GHSA-9wv6-86v2-598j: introduced 0 fixed 0.1.10; GHSA-rhx6-c78j-4q9w: 0 to 0.1.12
        ("path-to-regexp", "0.1.7"): ["GHSA-9wv6-86v2-598j", "GHSA-rhx6-c78j-4q9w"],
        # GHSA-hrpp-h998-j3pp, one affected entry per branch: 6.5.0-6.5.3 and 6.7.0-6.7.3
        ("qs", "6.5.2"): ["GHSA-hrpp-h998-j3pp"],
        ("qs", "6.7.0"): ["GHSA-hrpp-h998-j3pp"],
        # GHSA-p8p7-x288-28g6: introduced 0, last_affected 2.88.2
        ("request", "2.88.2"): ["GHSA-p8p7-x288-28g6"],
        # GHSA-c2qf-rxjj-qqgw: 0-5.7.2, 6.0.0-6.3.1, 7.0.0-7.5.2
        ("semver", "5.7.1"): ["GHSA-c2qf-rxjj-qqgw"],
        ("semver", "6.3.0"): ["GHSA-c2qf-rxjj-qqgw"],
        ("semver", "7.3.2"): ["GHSA-c2qf-rxjj-qqgw"],
        # GHSA-3h5v-q93c-6h6q: 6.0.0-6.2.3, 7.0.0-7.5.10; GHSA-6fc8-4gx4-v693: 6.0.0-6.2.2, 7.0.0-7.4.6
        ("ws", "6.1.4"): ["GHSA-3h5v-q93c-6h6q", "GHSA-6fc8-4gx4-v693"],
        ("ws", "7.3.1"): ["GHSA-3h5v-q93c-6h6q", "GHSA-6fc8-4gx4-v693"],
        # GHSA-h4j5-c7cj-74xg: introduced 0, fixed 1.6.2
        ("xmlhttprequest-ssl", "1.5.5"): ["GHSA-h4j5-c7cj-74xg"],
        # GHSA-c4w7-xm78-47vh: introduced 4.0.0, fixed 4.0.1 (versions ["4.0.0"])
        ("y18n", "4.0.0"): ["GHSA-c4w7-xm78-47vh"],
    }
    # Near misses, same records: debug 2.6.9 and 3.1.0 sit on fixed versions (0-2.6.9, 3.0.0-3.1.0);
    # minimist 1.2.5 is above GHSA-vh95's 1.0.0-1.2.3; yargs-parser 13.1.2 is GHSA-p9pc's fix
    # (6.0.0-13.1.2) and 18.1.3 is above 16.0.0-18.1.1; the MAL- records list only the
    # malicious versions (chalk ["5.6.1"], ...), which the SBOM does not have.
    assert report.withdrawn == () and report.notes == ()


def test_npm_fix_and_severity_per_finding() -> None:
    report = match_components(full_index(), sbom("npm-juice-shop-11.1.2.cdx.json").components)
    lodash = [f for f in report.findings if f.package == "lodash" and f.version == "2.4.2"]
    jf85 = one(lodash, "GHSA-jf85-cpcp-j695")
    # CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H scores 9.1.
    assert (jf85.severity.rating, jf85.severity.score, jf85.severity.source) == (
        "CRITICAL", 9.1, "CVSS_V3")
    assert (jf85.fixed_version, jf85.fix_available) == ("4.17.12", True)
    # GHSA-4xc9-xhrj-v574 has no vector, only database_specific.severity "HIGH".
    xc9 = one(lodash, "GHSA-4xc9-xhrj-v574")
    assert (xc9.severity.rating, xc9.severity.score, xc9.severity.source) == (
        "HIGH", None, "database_specific")
    lodash_set = one([f for f in report.findings if f.package == "lodash.set"],
                     "GHSA-p6mc-m468-83gw")
    assert (lodash_set.fixed_version, lodash_set.fix_available) == (None, False)
    assert lodash_set.evidence == ("GHSA-p6mc-m468-83gw: SEMVER introduced 3.7.0, "
                                   "last_affected 4.3.2",)
    qs = [f for f in report.findings if f.package == "qs"]
    assert {f.version: f.fixed_version for f in qs} == {"6.5.2": "6.5.3", "6.7.0": "6.7.3"}


def test_maven_dropwizard() -> None:
    report = match_components(full_index(), sbom("maven-dropwizard-1.3.15.cdx.json").components)
    assert by_package(report.findings) == {
        # GHSA-5mg8: ECOSYSTEM introduced 0 fixed 32.0.0-android; GHSA-7g45: introduced 1.0,
        # same fix. Not GHSA-mvr2 (introduced 11.0, fixed 24.1.1-android): Maven orders the
        # qualifier "android" before "jre", so 24.1.1-jre is at or above that fix.
        ("com.google.guava:guava", "24.1.1-jre"): ["GHSA-5mg8-w23w-74h3", "GHSA-7g45-4rm6-3mm3"],
        # GHSA-hwj3-m3p6-hj38: introduced 2.1.0, fixed 2.1.3. Not GHSA-6pcc-3rfx-4gpm, whose
        # 2.1.x range is introduced 2.1.0, fixed 2.1.1.
        ("org.dom4j:dom4j", "2.1.1"): ["GHSA-hwj3-m3p6-hj38"],
        # GHSA-p26g / GHSA-qw69: introduced 0, fixed 9.4.51.v20230217
        ("org.eclipse.jetty:jetty-server", "9.4.18.v20190429"): ["GHSA-p26g-97m4-6q7c",
                                                                 "GHSA-qw69-rqj8-6qw8"],
        # GHSA-g3wg-6mcf-8jj6: introduced 0, fixed 9.4.33.v20201020
        ("org.eclipse.jetty:jetty-webapp", "9.4.18.v20190429"): ["GHSA-g3wg-6mcf-8jj6"],
        # GHSA-58qw-p7qm-5rvh: introduced 0, fixed 9.4.52
        ("org.eclipse.jetty:jetty-xml", "9.4.18.v20190429"): ["GHSA-58qw-p7qm-5rvh"],
        # GHSA-c4r9-r8fh-9vj2: introduced 0, fixed 1.31
        ("org.yaml:snakeyaml", "1.23"): ["GHSA-c4r9-r8fh-9vj2"],
    }
    # Near miss: commons-text 1.2 is below GHSA-599f-7c49-w659's "introduced 1.5".
    fixes = {(f.id, f.package): f.fixed_version for f in report.findings}
    assert fixes[("GHSA-g3wg-6mcf-8jj6", "org.eclipse.jetty:jetty-webapp")] == "9.4.33.v20201020"
    assert fixes[("GHSA-hwj3-m3p6-hj38", "org.dom4j:dom4j")] == "2.1.3"


def test_go_proton_bridge() -> None:
    report = match_components(full_index(), sbom("golang-proton-bridge-1.8.0.cdx.json").components)
    assert by_package(report.findings) == {
        # GO-2020-0017: SEMVER introduced 0.0.0-20150717181359-44718f8a89b0, no fix event
        ("github.com/dgrijalva/jwt-go", "v3.2.0"): ["GO-2020-0017"],
        # GO-2026-6179: introduced 0, fixed 0.40.0 (the component is a pseudo-version of 0.1.1)
        ("golang.org/x/mod", "v0.1.1-0.20191209134235-331c550502dd"): ["GO-2026-6179"],
        # Pseudo-versions order by their timestamp: 20210405180319 is before the fixes of
        # GO-2022-0236 (20210428140749), GO-2022-0288 (20211209124913) and GO-2022-0969
        # (20220906165146) and before 0.17.0 (GO-2023-2102), but after GO-2022-0536's
        # fix 0.0.0-20190813141303, so that one does not apply.
        ("golang.org/x/net", "v0.0.0-20210405180319-a5a99cb37ef4"): [
            "GO-2022-0236", "GO-2022-0288", "GO-2022-0969", "GO-2023-2102"],
        # GO-2022-0493: introduced 0, fixed 0.0.0-20220412211240-33da011f77ad
        ("golang.org/x/sys", "v0.0.0-20210330210617-4fbd30eecc44"): ["GO-2022-0493"],
    }
    jwt = one(list(report.findings), "GO-2020-0017")
    assert (jwt.fixed_version, jwt.fix_available) == (None, False)
    assert jwt.severity.rating == "UNKNOWN"  # Go advisories carry no severity
    # GO-2026-4923 (bbolt, introduced 0) would match v1.3.5, but it is withdrawn.
    assert [(w.advisory, w.package, w.version, w.withdrawn) for w in report.withdrawn] == [
        ("GO-2026-4923", "go.etcd.io/bbolt", "v1.3.5", "2026-04-08T13:33:56Z")]


def test_pypi_poetry_lock() -> None:
    report = match_components(full_index(),
                              sbom("pypi-poetry-regression-issue702.cdx.json").components)
    # urllib3 2.3.0 against PYSEC-2023-212, whose ECOSYSTEM events are written unsorted:
    # introduced 2.0.0, fixed 2.0.7, introduced 0, fixed 1.26.18 — i.e. [0, 1.26.18) and
    # [2.0.0, 2.0.7); 2.3.0 is in neither.
    assert report.findings == ()
    # PYSEC-2022-43059 (aiohttp, introduced 0) matches 3.11.12 but was withdrawn 2023-11-08.
    assert [(w.advisory, w.package, w.version) for w in report.withdrawn] == [
        ("PYSEC-2022-43059", "aiohttp", "3.11.12")]


def test_alpine_trivy_image_release_scoping() -> None:
    components = sbom("alpine-3.13.1-trivy-0.42.1.cdx.json").components
    report = match_components(full_index(), components)
    # ALPINE-CVE-2025-26519 names musl only for Alpine:v3.16 and later; the image is 3.13.1.
    assert report.findings == ()
    # The OS component (no purl) is reported, not silently skipped.
    assert [(n.kind, n.subject, n.detail) for n in report.notes] == [
        ("unmatchable-component", "alpine@3.13.1", "no package URL")]
