"""Package ecosystems: purl types, OSV ecosystem names, version classes, name rules.

One table says, for each supported ecosystem, which ``univers`` version class
orders its versions (Alpine uses :class:`engine.vuln.apk.ApkVersion`, a
``univers`` class with apk's own rules), how package names are normalised so that an SBOM name and
an OSV name meet, and whether the OSV ecosystem string carries a distribution
release (``Alpine:v3.18``, ``Debian:12``, ``Ubuntu:22.04:LTS``).

Name normalisation (applied identically to SBOM components and OSV packages):

* PyPI: PEP 503 (lowercase, runs of ``-_.`` become ``-``).
* npm: ``@scope/name`` from the purl namespace and name, case kept.
* Maven: ``groupId:artifactId`` from the purl namespace and name, case kept.
* Go: the module path (purl namespace + ``/`` + name), case kept; Go module
  paths are case-sensitive.
* crates.io: lowercase with ``_`` read as ``-`` (crates.io refuses names that
  differ only that way, so they are one crate).
* NuGet, Packagist, Hex: lowercase (their registries are case-insensitive).
* RubyGems, Pub: kept as written.
* Debian, Ubuntu, Alpine: OSV names the *source* package. A component's source
  name is taken from the purl qualifier ``upstream`` (deb, Syft), ``origin``
  (apk, SCALIBR) or the CycloneDX property ``aquasecurity:trivy:SrcName``
  (Trivy); only when none is given is the binary name used. Names are
  lowercased (Debian policy allows only lowercase source names).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from univers.versions import (
    ComposerVersion,
    DebianVersion,
    GolangVersion,
    MavenVersion,
    NugetVersion,
    PypiVersion,
    RubygemsVersion,
    SemverVersion,
    Version,
)

from engine.vuln.apk import ApkVersion

_PEP503 = re.compile(r"[-_.]+")


def _pep503(name: str) -> str:
    return _PEP503.sub("-", name).lower()


def _keep(name: str) -> str:
    return name


def _lower(name: str) -> str:
    return name.lower()


def _crate(name: str) -> str:
    return name.lower().replace("_", "-")


@dataclass(frozen=True)
class Ecosystem:
    """One OSV ecosystem as the matcher understands it."""

    name: str
    version_class: type[Version]
    normalise: Callable[[str], str]
    has_releases: bool = False


ECOSYSTEMS: dict[str, Ecosystem] = {
    e.name: e
    for e in (
        Ecosystem("PyPI", PypiVersion, _pep503),
        Ecosystem("npm", SemverVersion, _keep),
        Ecosystem("Maven", MavenVersion, _keep),
        Ecosystem("Go", GolangVersion, _keep),
        Ecosystem("crates.io", SemverVersion, _crate),
        Ecosystem("RubyGems", RubygemsVersion, _keep),
        Ecosystem("NuGet", NugetVersion, _lower),
        Ecosystem("Packagist", ComposerVersion, _lower),
        Ecosystem("Hex", SemverVersion, _lower),
        Ecosystem("Pub", SemverVersion, _keep),
        Ecosystem("Debian", DebianVersion, _lower, has_releases=True),
        Ecosystem("Ubuntu", DebianVersion, _lower, has_releases=True),
        Ecosystem("Alpine", ApkVersion, _lower, has_releases=True),
    )
}

# purl type -> OSV ecosystem; deb and apk are decided by the purl namespace.
PURL_TYPES: dict[str, str] = {
    "pypi": "PyPI",
    "npm": "npm",
    "maven": "Maven",
    "golang": "Go",
    "cargo": "crates.io",
    "gem": "RubyGems",
    "nuget": "NuGet",
    "composer": "Packagist",
    "hex": "Hex",
    "pub": "Pub",
}
DISTRO_NAMESPACES: dict[tuple[str, str], str] = {
    ("deb", "debian"): "Debian",
    ("deb", "ubuntu"): "Ubuntu",
    ("apk", "alpine"): "Alpine",
}

_DEBIAN_CODENAMES = {
    "wheezy": "7", "jessie": "8", "stretch": "9", "buster": "10",
    "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14", "sid": "sid",
}
_UBUNTU_CODENAMES = {
    "trusty": "14.04", "xenial": "16.04", "bionic": "18.04", "focal": "20.04",
    "jammy": "22.04", "noble": "24.04",
}
_DIGITS = re.compile(r"(\d+)(?:\.(\d+))?")
_UBUNTU_RELEASE = re.compile(r"\A\d{2}\.\d{2}\Z")


def split_osv_ecosystem(value: str) -> tuple[str, str | None]:
    """``"Alpine:v3.18"`` -> ``("Alpine", "v3.18")``; the release is normalised.

    For Maven and Packagist the suffix names a repository, not a release, and
    is dropped (it does not restrict matching). Ubuntu's ``Ubuntu:Pro:18.04:LTS``
    gives release ``18.04``.
    """
    base, _, rest = value.partition(":")
    spec = ECOSYSTEMS.get(base)
    if not rest or spec is None or not spec.has_releases:
        return base, None
    if base == "Ubuntu":
        for part in rest.split(":"):
            if _UBUNTU_RELEASE.match(part):
                return base, part
        return base, rest
    return base, rest


def distro_release(ecosystem: str, qualifier: str | None) -> str | None:
    """The OSV release of a purl ``distro`` qualifier, or ``None`` when unknown.

    Alpine ``3.13.1`` / ``alpine-3.13.1`` / ``v3.13`` -> ``v3.13``; Debian
    ``debian-11.6`` / ``bullseye`` -> ``11``; Ubuntu ``ubuntu-22.04`` /
    ``jammy`` -> ``22.04``.
    """
    if not qualifier:
        return None
    text = qualifier.strip().lower()
    for prefix in ("alpine-", "debian-", "ubuntu-"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    if ecosystem == "Debian":
        if text in _DEBIAN_CODENAMES:
            return _DEBIAN_CODENAMES[text]
        match = _DIGITS.match(text)
        return match.group(1) if match else None
    if ecosystem == "Ubuntu":
        if text in _UBUNTU_CODENAMES:
            return _UBUNTU_CODENAMES[text]
        match = _DIGITS.match(text)
        return f"{match.group(1)}.{match.group(2)}" if match and match.group(2) else None
    if ecosystem == "Alpine":
        match = _DIGITS.match(text.lstrip("v"))
        return f"v{match.group(1)}.{match.group(2)}" if match and match.group(2) else None
    return None


def normalise_name(ecosystem: str, name: str) -> str:
    """The matching key of ``name`` in ``ecosystem`` (module docstring gives the rules)."""
    spec = ECOSYSTEMS.get(ecosystem)
    return spec.normalise(name) if spec else name
