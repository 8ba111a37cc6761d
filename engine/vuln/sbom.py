"""CycloneDX JSON SBOMs: the components a release ships, with their package identity.

Every component (nested ``components`` included, ``metadata.component`` — the
thing the SBOM describes — excluded) becomes a :class:`Component`. Its package
URL (parsed with ``packageurl-python``) decides the OSV ecosystem, the
matching name and the version; see :mod:`engine.vuln.ecosystems` for the name
rules. Components the matcher cannot use (no purl, an unsupported purl type, no
version) are kept with ``ecosystem=None`` or ``version=None`` so reports can
say so instead of dropping them silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from packageurl import PackageURL

from engine.canonical import canonical_digest, sha256_digest
from engine.crypto.strict_json import StrictJSONError, loads_strict
from engine.vuln.ecosystems import (
    DISTRO_NAMESPACES,
    PURL_TYPES,
    distro_release,
    normalise_name,
)
from engine.vuln.errors import SbomError

_MAX_DEPTH = 32
_TRIVY_SRC_NAME = "aquasecurity:trivy:SrcName"
_TRIVY_SRC_VERSION = "aquasecurity:trivy:SrcVersion"
_TRIVY_SRC_RELEASE = "aquasecurity:trivy:SrcRelease"
_TRIVY_SRC_EPOCH = "aquasecurity:trivy:SrcEpoch"


@dataclass(frozen=True)
class Component:
    """One package of a release, identified for matching.

    ``package`` is the display name in the ecosystem's own form (``@scope/x``,
    ``group:artifact``, a Go module path, a distro *source* package);
    ``name_key`` is its normalised matching key; ``version`` is the version
    matched (the source version for distro packages when known).
    """

    name: str
    purl: str | None
    ecosystem: str | None
    package: str | None
    name_key: str | None
    version: str | None
    release: str | None = None
    bom_ref: str | None = None
    sbom: str | None = None

    @property
    def matchable(self) -> bool:
        return bool(self.ecosystem and self.name_key and self.version)

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """What makes two components the same package for matching."""
        return (self.ecosystem or "", self.name_key or "", self.version or "", self.release or "")

    @classmethod
    def from_purl(cls, purl: str, *, name: str | None = None, bom_ref: str | None = None,
                  sbom: str | None = None, properties: Mapping[str, str] | None = None,
                  fallback_version: str | None = None) -> Component:
        """A component from its package URL (``properties``: CycloneDX name -> value;
        ``fallback_version``: the CycloneDX ``version`` when the purl has none)."""
        try:
            parsed = PackageURL.from_string(purl)
        except ValueError as exc:
            raise SbomError(f"invalid package URL {purl!r}: {exc}", sbom=sbom,
                            member=bom_ref or name) from None
        props = properties or {}
        ecosystem = _ecosystem_of(parsed)
        package = release = None
        version = parsed.version or fallback_version
        if ecosystem is not None:
            package = _package_name(parsed, ecosystem)
            if ecosystem in ("Debian", "Ubuntu", "Alpine"):
                package, version = _distro_source(parsed, props, package, version)
                release = distro_release(ecosystem, parsed.qualifiers.get("distro"))
            elif ecosystem == "Go" and package in ("stdlib", "toolchain") and version \
                    and version.startswith("go"):
                version = version[2:]  # Go toolchain versions are written go1.21.3
        return cls(
            name=name or parsed.name,
            purl=purl,
            ecosystem=ecosystem,
            package=package,
            name_key=normalise_name(ecosystem, package) if ecosystem and package else None,
            version=version or None,
            release=release,
            bom_ref=bom_ref,
            sbom=sbom,
        )


def _ecosystem_of(purl: PackageURL) -> str | None:
    if purl.type in PURL_TYPES:
        return PURL_TYPES[purl.type]
    return DISTRO_NAMESPACES.get((purl.type, (purl.namespace or "").lower()))


def _package_name(purl: PackageURL, ecosystem: str) -> str:
    namespace = purl.namespace
    if not namespace:
        return purl.name
    if ecosystem == "Maven":
        return f"{namespace}:{purl.name}"
    if ecosystem in ("npm", "Go", "Packagist"):
        return f"{namespace}/{purl.name}"
    return purl.name


def _distro_source(purl: PackageURL, props: Mapping[str, str], package: str,
                   version: str | None) -> tuple[str, str | None]:
    """Source package name and version of a distro binary package."""
    quals = purl.qualifiers
    epoch = quals.get("epoch")
    if version and epoch and epoch != "0" and ":" not in version:
        version = f"{epoch}:{version}"
    upstream = quals.get("upstream") or quals.get("origin")
    if upstream:
        src, _, src_version = upstream.partition("@")
        return src, src_version or version
    if _TRIVY_SRC_NAME in props:
        src_version = props.get(_TRIVY_SRC_VERSION) or ""
        if src_version:
            if props.get(_TRIVY_SRC_RELEASE):
                src_version = f"{src_version}-{props[_TRIVY_SRC_RELEASE]}"
            src_epoch = props.get(_TRIVY_SRC_EPOCH)
            if src_epoch and src_epoch != "0":
                src_version = f"{src_epoch}:{src_version}"
        return props[_TRIVY_SRC_NAME], src_version or version
    return package, version


@dataclass(frozen=True)
class CycloneDxSbom:
    """A parsed CycloneDX JSON document: its components in document order."""

    name: str | None
    spec_version: str
    digest: str
    components: tuple[Component, ...]

    @classmethod
    def from_bytes(cls, data: bytes, *, name: str | None = None) -> CycloneDxSbom:
        """``name`` (e.g. the bundle path) labels components and errors."""
        try:
            obj = loads_strict(data)
        except StrictJSONError as exc:
            raise SbomError(f"not JSON: {exc}", sbom=name) from None
        return cls.from_json(obj, name=name, digest=sha256_digest(bytes(data)))

    @classmethod
    def from_json(cls, obj: Any, *, name: str | None = None,
                  digest: str | None = None) -> CycloneDxSbom:
        if not isinstance(obj, dict) or obj.get("bomFormat") != "CycloneDX":
            raise SbomError("not a CycloneDX document (bomFormat must be 'CycloneDX')", sbom=name)
        spec_version = obj.get("specVersion")
        if not isinstance(spec_version, str):
            raise SbomError("specVersion must be a string", sbom=name)
        out: list[Component] = []
        _collect(obj.get("components"), name, out, depth=0)
        if digest is None:
            digest = canonical_digest(obj)
        return cls(name=name, spec_version=spec_version, digest=digest, components=tuple(out))


def _collect(items: Any, sbom: str | None, out: list[Component], *, depth: int) -> None:
    if items is None:
        return
    if not isinstance(items, list):
        raise SbomError("'components' must be a list", sbom=sbom)
    if depth > _MAX_DEPTH:
        raise SbomError(f"components nested deeper than {_MAX_DEPTH} levels", sbom=sbom)
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise SbomError(f"component {i} must be an object", sbom=sbom)
        ref = item.get("bom-ref") if isinstance(item.get("bom-ref"), str) else None
        cname = item.get("name")
        if not isinstance(cname, str) or not cname:
            raise SbomError("a component needs a string 'name'", sbom=sbom, member=ref or str(i))
        purl = item.get("purl")
        version = item.get("version") if isinstance(item.get("version"), str) else None
        if purl is not None and not isinstance(purl, str):
            raise SbomError("'purl' must be a string", sbom=sbom, member=ref or cname)
        if purl:
            component = Component.from_purl(
                purl, name=cname, bom_ref=ref, sbom=sbom, properties=_properties(item),
                fallback_version=version,
            )
        else:
            component = Component(name=cname, purl=None, ecosystem=None, package=None,
                                  name_key=None, version=version, bom_ref=ref, sbom=sbom)
        out.append(component)
        _collect(item.get("components"), sbom, out, depth=depth + 1)


def _properties(item: Mapping[str, Any]) -> dict[str, str]:
    props = item.get("properties")
    out: dict[str, str] = {}
    if isinstance(props, list):
        for prop in props:
            if isinstance(prop, dict) and isinstance(prop.get("name"), str) \
                    and isinstance(prop.get("value"), str):
                out.setdefault(prop["name"], prop["value"])
    return out
