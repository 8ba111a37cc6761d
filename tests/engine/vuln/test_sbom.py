from __future__ import annotations

import json

import pytest

from engine.canonical import sha256_digest
from engine.vuln import Component, CycloneDxSbom, SbomError
from tests.engine.vuln.data import SBOM, sbom


@pytest.mark.parametrize(
    ("name", "count", "ecosystem"),
    [  # counts as SOURCES.md states them
        ("maven-dropwizard-1.3.15.cdx.json", 167, "Maven"),
        ("npm-juice-shop-11.1.2.cdx.json", 840, "npm"),
        ("golang-proton-bridge-1.8.0.cdx.json", 201, "Go"),
        ("pypi-poetry-regression-issue702.cdx.json", 63, "PyPI"),
    ],
)
def test_real_sboms_parse(name: str, count: int, ecosystem: str) -> None:
    doc = sbom(name)
    assert len(doc.components) == count
    assert {c.ecosystem for c in doc.components} == {ecosystem}
    assert all(c.matchable for c in doc.components)
    assert doc.digest == sha256_digest((SBOM / name).read_bytes())
    assert doc.name == f"sbom/{name}"


def test_trivy_alpine_components_map_to_source_packages() -> None:
    doc = sbom("alpine-3.13.1-trivy-0.42.1.cdx.json")
    # 14 apk packages plus the operating-system component, which has no purl.
    assert len(doc.components) == 15
    by_name = {c.name: c for c in doc.components}
    ssl = by_name["libssl1.1"]  # aquasecurity:trivy:SrcName "openssl"
    assert (ssl.ecosystem, ssl.package, ssl.version, ssl.release) == (
        "Alpine", "openssl", "1.1.1i-r0", "v3.13")
    assert by_name["ssl_client"].package == "busybox"
    assert by_name["alpine"].purl is None and not by_name["alpine"].matchable
    # metadata.component (the image) is what the SBOM describes, not one of its packages.
    assert all(not (c.purl or "").startswith("pkg:oci/") for c in doc.components)


def test_scalibr_origin_qualifier_and_escaped_ampersands() -> None:
    (zlib,) = sbom("alpine-zlib-scalibr.cdx.json").components
    assert (zlib.package, zlib.version, zlib.release) == ("zlib", "1.2.12-r1", "v3.22")


def test_purl_identity_per_ecosystem() -> None:
    cases = {
        "pkg:npm/%40angular/core@12.0.0": ("npm", "@angular/core", "@angular/core", "12.0.0"),
        "pkg:maven/org.yaml/snakeyaml@1.23?type=jar": (
            "Maven", "org.yaml:snakeyaml", "org.yaml:snakeyaml", "1.23"),
        "pkg:golang/github.com/dgrijalva/jwt-go@v3.2.0": (
            "Go", "github.com/dgrijalva/jwt-go", "github.com/dgrijalva/jwt-go", "v3.2.0"),
        "pkg:pypi/Flask_Caching@1.10.1": ("PyPI", "flask-caching", "flask-caching", "1.10.1"),
        "pkg:cargo/Axum_Core@0.2.7": ("crates.io", "Axum_Core", "axum-core", "0.2.7"),
        "pkg:gem/rack@2.2.6.2": ("RubyGems", "rack", "rack", "2.2.6.2"),
        "pkg:nuget/Newtonsoft.Json@12.0.1": ("NuGet", "Newtonsoft.Json", "newtonsoft.json",
                                             "12.0.1"),
        "pkg:composer/symfony/http-kernel@5.0.0": ("Packagist", "symfony/http-kernel",
                                                   "symfony/http-kernel", "5.0.0"),
        "pkg:golang/stdlib@go1.21.3": ("Go", "stdlib", "stdlib", "1.21.3"),
    }
    for purl, (ecosystem, package, key, version) in cases.items():
        c = Component.from_purl(purl)
        assert (c.ecosystem, c.package, c.name_key, c.version) == (
            ecosystem, package, key, version), purl


def test_debian_epoch_and_upstream_with_version() -> None:
    c = Component.from_purl("pkg:deb/debian/libc6@2.31-13%2Bdeb11u5?arch=amd64&epoch=1"
                            "&upstream=glibc&distro=debian-11.6")
    assert (c.ecosystem, c.package, c.version, c.release) == (
        "Debian", "glibc", "1:2.31-13+deb11u5", "11")
    d = Component.from_purl("pkg:deb/debian/libc6@2.31-13%2Bb1?upstream=glibc%402.31-13")
    assert (d.package, d.version, d.release) == ("glibc", "2.31-13", None)
    u = Component.from_purl("pkg:deb/ubuntu/bash@5.1-6ubuntu1?distro=jammy")
    assert (u.ecosystem, u.release) == ("Ubuntu", "22.04")


def test_unsupported_purl_types_are_kept_but_not_matchable() -> None:
    c = Component.from_purl("pkg:oci/alpine@sha256%3Aabc")
    assert c.ecosystem is None and not c.matchable
    no_version = Component.from_purl("pkg:npm/lodash")
    assert no_version.version is None and not no_version.matchable


def _bom(components: object) -> bytes:
    return json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5",
                       "metadata": {"component": {"type": "application", "name": "app",
                                                  "purl": "pkg:npm/app@1.0.0"}},
                       "components": components}).encode()


def test_nested_components_are_read_and_metadata_is_not() -> None:
    doc = CycloneDxSbom.from_bytes(_bom([
        {"type": "library", "name": "outer", "purl": "pkg:npm/outer@1.0.0", "components": [
            {"type": "library", "name": "inner", "purl": "pkg:npm/inner@2.0.0"}]},
        {"type": "library", "name": "versioned-apart", "version": "3.0.0",
         "purl": "pkg:npm/versioned-apart"},
    ]), name="sbom/app.cdx.json")
    assert [(c.package, c.version, c.sbom) for c in doc.components] == [
        ("outer", "1.0.0", "sbom/app.cdx.json"), ("inner", "2.0.0", "sbom/app.cdx.json"),
        ("versioned-apart", "3.0.0", "sbom/app.cdx.json")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[]", "not a CycloneDX document"),
        (b'{"bomFormat": "SPDX"}', "not a CycloneDX document"),
        (b'{"bomFormat": "CycloneDX"}', "specVersion must be a string"),
        (_bom({"name": "x"}), "'components' must be a list"),
        (_bom([{"type": "library"}]), "needs a string 'name'"),
        (_bom([{"type": "library", "name": "x", "bom-ref": "r1", "purl": "npm/x@1"}]),
         "component 'r1': invalid package URL"),
        (b"\xff", "not JSON"),
    ],
)
def test_bad_sboms_are_rejected(data: bytes, message: str) -> None:
    with pytest.raises(SbomError, match=message):
        CycloneDxSbom.from_bytes(data, name="sbom/bad.json")
