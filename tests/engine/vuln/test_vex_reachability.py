"""OpenVEX suppression and runtime reachability on real findings.

Findings come from the real juice-shop SBOM and records; the VEX documents are
written here, in the OpenVEX v0.2.0 shape (and one in the older v0.0.x shape).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.vuln import VexDocument, VexError, match_components
from tests.engine.vuln.data import full_index, sbom

CONTEXT = "https://openvex.dev/ns/v0.2.0"


def vex(*statements: dict[str, Any], timestamp: str = "2026-02-01T10:00:00Z") -> VexDocument:
    doc = {"@context": CONTEXT, "@id": "https://example.test/vex/1", "author": "Platform team",
           "timestamp": timestamp, "version": 1, "statements": list(statements)}
    return VexDocument.from_bytes(json.dumps(doc).encode())


def shop(**kwargs: Any) -> dict[tuple[str, str, str], Any]:
    report = match_components(full_index(), sbom("npm-juice-shop-11.1.2.cdx.json").components,
                              **kwargs)
    return {(f.id, f.package, f.version): f for f in report.findings}


def test_not_affected_suppresses_by_alias_and_keeps_the_justification() -> None:
    # GHSA-jf85-cpcp-j695 aliases CVE-2019-10744; the statement names the CVE and lodash 2.4.2.
    doc = vex({"vulnerability": {"name": "CVE-2019-10744"},
               "products": [{"@id": "pkg:npm/lodash@2.4.2"}],
               "status": "not_affected",
               "justification": "vulnerable_code_not_in_execute_path"})
    found = shop(vex=[doc])
    jf85 = found[("GHSA-jf85-cpcp-j695", "lodash", "2.4.2")]
    assert (jf85.suppressed, jf85.vex_status, jf85.justification) == (
        True, "not_affected", "vulnerable_code_not_in_execute_path")
    # Other lodash findings, and the same CVE nowhere else, are untouched.
    assert not found[("GHSA-35jh-r3h4-6jhm", "lodash", "2.4.2")].suppressed
    assert sum(f.suppressed for f in found.values()) == 1


def test_product_without_version_covers_every_version_and_subcomponents_count() -> None:
    doc = vex({"vulnerability": {"name": "GHSA-c2qf-rxjj-qqgw"},
               "products": [{"@id": "pkg:oci/shop@sha256%3Aabc",
                             "subcomponents": [{"@id": "pkg:npm/semver"}]}],
               "status": "fixed"})
    found = shop(vex=[doc])
    semver = [f for (i, p, v), f in found.items() if p == "semver"]
    assert len(semver) == 3 and all(f.suppressed and f.vex_status == "fixed" for f in semver)
    assert all(f.justification == "fixed" for f in semver)


def test_affected_and_under_investigation_do_not_suppress() -> None:
    doc = vex({"vulnerability": {"name": "GHSA-h4j5-c7cj-74xg"},
               "products": ["pkg:npm/xmlhttprequest-ssl@1.5.5"],
               "status": "under_investigation"})
    f = shop(vex=[doc])[("GHSA-h4j5-c7cj-74xg", "xmlhttprequest-ssl", "1.5.5")]
    assert (f.suppressed, f.vex_status, f.justification) == (False, "under_investigation", None)


def test_the_latest_statement_wins() -> None:
    older = vex({"vulnerability": {"name": "CVE-2020-8203"},
                 "products": [{"@id": "pkg:npm/lodash.set"}],
                 "status": "not_affected", "justification": "inline_mitigations_already_exist"},
                timestamp="2026-01-01T00:00:00Z")
    newer = vex({"vulnerability": {"name": "CVE-2020-8203"},
                 "products": [{"@id": "pkg:npm/lodash.set"}],
                 "status": "affected", "action_statement": "upgrade"},
                timestamp="2026-02-01T00:00:00+01:00")
    for order in ([older, newer], [newer, older]):
        f = shop(vex=order)[("GHSA-p6mc-m468-83gw", "lodash.set", "4.3.2")]
        assert (f.vex_status, f.suppressed) == ("affected", False)


def test_version_in_the_product_must_match() -> None:
    doc = vex({"vulnerability": {"name": "GHSA-c2qf-rxjj-qqgw"},
               "products": [{"@id": "pkg:npm/semver@7.3.2"}],
               "status": "not_affected", "impact_statement": "ranges never come from users"})
    found = shop(vex=[doc])
    suppressed = {v for (i, p, v), f in found.items() if p == "semver" and f.suppressed}
    assert suppressed == {"7.3.2"}
    assert found[("GHSA-c2qf-rxjj-qqgw", "semver", "7.3.2")].justification == \
        "ranges never come from users"


def test_openvex_v0_0_shape() -> None:
    doc = VexDocument.from_json({
        "@context": "https://openvex.dev/ns", "@id": "x", "author": "a",
        "timestamp": "2023-01-08T18:02:03-06:00", "version": "1",
        "statements": [{"vulnerability": "CVE-2022-24999", "products": ["pkg:npm/qs@6.5.2"],
                        "status": "not_affected",
                        "justification": "vulnerable_code_cannot_be_controlled_by_adversary"}]})
    found = shop(vex=[doc])
    assert found[("GHSA-hrpp-h998-j3pp", "qs", "6.5.2")].suppressed
    assert not found[("GHSA-hrpp-h998-j3pp", "qs", "6.7.0")].suppressed


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ({"products": ["pkg:npm/a@1"], "status": "fixed"}, "vulnerability needs a name"),
        ({"vulnerability": {"name": "CVE-1"}, "status": "fixed"}, "at least one product"),
        ({"vulnerability": {"name": "CVE-1"}, "products": ["pkg:npm/a"], "status": "ok"},
         "status must be one of"),
        ({"vulnerability": {"name": "CVE-1"}, "products": ["pkg:npm/a"],
          "status": "not_affected"}, "needs a justification or an impact_statement"),
        ({"vulnerability": {"name": "CVE-1"}, "products": ["pkg:npm/a"], "status": "fixed",
          "timestamp": "yesterday"}, "is not an RFC 3339 time"),
    ],
)
def test_bad_statements_are_rejected(statement: dict[str, Any], message: str) -> None:
    with pytest.raises(VexError, match=message) as err:
        vex(statement)
    assert err.value.statement == 0


def test_not_openvex_is_rejected() -> None:
    with pytest.raises(VexError, match="@context"):
        VexDocument.from_json({"statements": []})
    with pytest.raises(VexError, match="non-empty list"):
        VexDocument.from_json({"@context": CONTEXT, "statements": []})


def test_reachability_marks_observed_packages_and_leaves_the_rest_unknown() -> None:
    found = shop(observed={"pkg:npm/lodash", "form-data", "pkg:npm/semver@7.3.2"})
    assert found[("GHSA-35jh-r3h4-6jhm", "lodash", "2.4.2")].reachable is True
    assert found[("GHSA-35jh-r3h4-6jhm", "lodash", "4.17.19")].reachable is True
    assert found[("GHSA-fjxv-7rqg-78g4", "form-data", "2.3.3")].reachable is True
    assert found[("GHSA-c2qf-rxjj-qqgw", "semver", "7.3.2")].reachable is True
    assert found[("GHSA-c2qf-rxjj-qqgw", "semver", "6.3.0")].reachable is None
    assert found[("GHSA-h4j5-c7cj-74xg", "xmlhttprequest-ssl", "1.5.5")].reachable is None
    assert all(f.reachable is None for f in shop().values())
