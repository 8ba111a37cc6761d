"""Release bundles: release.json, CycloneDX SBOMs, optional VEX and provenance (DESIGN §4.4).

The release digest a promotion moves is ``sha256:`` + SHA-256 of the RFC 8785
canonical bytes of release.json. A component may name its deployable file with
an ``artifact`` path (an extension DESIGN allows as an unknown field): the file
must then be a member whose signed digest equals the component's ``digest``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import rfc8785

from airgap_bundles.errors import (
    ArtifactMismatch,
    AttachmentInvalid,
    BundleRejected,
    ReleaseInvalid,
    SbomInvalid,
    SbomMissing,
)
from airgap_bundles.kinds.base import Inspector, KindContent, parse_json, plural
from airgap_bundles.paths import check_member_path
from airgap_bundles.report import Check
from engine.canonical import canonical_digest
from engine.crypto.dsse import Envelope
from engine.crypto.errors import CryptoError

RELEASE_FILE = "release.json"
_DIGEST = re.compile(r"\Asha256:[0-9a-f]{64}\Z")


@dataclass(frozen=True)
class Component:
    name: str
    image: str
    digest: str
    sbom: str
    artifact: str | None


@dataclass(frozen=True)
class ReleaseContent(KindContent):
    release_digest: str
    name: str
    version: str
    workflow: str | None
    components: tuple[Component, ...]
    vex: tuple[str, ...]
    provenance: tuple[str, ...]
    release_json: bytes  # the member's bytes, as signed

    def to_json(self) -> dict[str, Any]:
        return {
            "releaseDigest": self.release_digest,
            "name": self.name,
            "version": self.version,
            "workflow": self.workflow,
            "components": [
                {
                    "name": c.name,
                    "image": c.image,
                    "digest": c.digest,
                    "sbom": c.sbom,
                    "artifact": c.artifact,
                }
                for c in self.components
            ],
            "vex": list(self.vex),
            "provenance": list(self.provenance),
        }


def _text(obj: dict, key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ReleaseInvalid(f"{where}: {key!r} must be a non-empty string", member=RELEASE_FILE)
    return value


def _optional_text(obj: dict, key: str, where: str) -> str | None:
    return None if obj.get(key) is None else _text(obj, key, where)


class ReleaseInspector(Inspector):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sbom_paths: set[str] = set()

    def wants(self, path: str, size: int) -> bool:
        # Documents: release.json, its SBOMs, and any JSON outside artifacts/ (SBOMs that
        # precede release.json in foreign archives, VEX, provenance). Artifacts stream by.
        if path == RELEASE_FILE or path in self._sbom_paths:
            return self.document_fits(path, size)
        if path.endswith(".json") and not path.startswith("artifacts/"):
            return self.document_fits(path, size)
        return False

    def accept(self, path: str, data: bytes) -> None:
        super().accept(path, data)
        if path == RELEASE_FILE:
            doc = parse_json(data, ReleaseInvalid, path)
            if isinstance(doc, dict) and isinstance(doc.get("components"), list):
                self._sbom_paths = {
                    c["sbom"]
                    for c in doc["components"]
                    if isinstance(c, dict) and isinstance(c.get("sbom"), str)
                }

    def finish(self) -> tuple[ReleaseContent, list[Check]]:
        data = self.held(RELEASE_FILE)
        if data is None:
            raise ReleaseInvalid("a release bundle must contain release.json", member=RELEASE_FILE)
        doc = parse_json(data, ReleaseInvalid, RELEASE_FILE)
        components = self._release(doc)
        try:
            digest = canonical_digest(doc)
        except rfc8785.CanonicalizationError as exc:
            raise ReleaseInvalid(
                f"cannot be canonicalised (RFC 8785): {exc}", member=RELEASE_FILE
            ) from None
        checks = [
            Check(
                "release-json",
                "release.json is valid",
                True,
                f"{doc['name']} {doc['version']}, {plural(len(components), 'component')}, "
                f"release digest {digest}",
            ),
        ]
        for component in components:
            self._sbom(component.sbom)
        checks.append(
            Check(
                "sboms",
                "SBOMs are CycloneDX JSON",
                True,
                f"{plural(len({c.sbom for c in components}), 'SBOM')} parsed",
            )
        )
        artifacts = [c for c in components if c.artifact is not None]
        if artifacts:
            checks.append(
                Check(
                    "artifacts",
                    "Component digests match their artifacts",
                    True,
                    f"{plural(len(artifacts), 'artifact')} match",
                )
            )
        vex = tuple(
            p for p in self.manifest.members if p.startswith("vex/") and p.endswith(".json")
        )
        provenance = tuple(
            p
            for p in self.manifest.members
            if p.startswith("provenance/") and p.endswith(".dsse.json")
        )
        for path in vex:
            self._vex(path)
        for path in provenance:
            self._provenance(path)
        if vex or provenance:
            checks.append(
                Check(
                    "attachments",
                    "VEX and provenance documents are valid",
                    True,
                    f"{plural(len(vex), 'VEX document')}, "
                    f"{plural(len(provenance), 'provenance envelope')}",
                )
            )
        content = ReleaseContent(
            release_digest=digest,
            name=doc["name"],
            version=doc["version"],
            workflow=doc.get("workflow"),
            components=components,
            vex=vex,
            provenance=provenance,
            release_json=data,
        )
        return content, checks

    def _release(self, doc: Any) -> tuple[Component, ...]:
        if not isinstance(doc, dict):
            raise ReleaseInvalid("must be a JSON object", member=RELEASE_FILE)
        name = _text(doc, "name", "release")
        _text(doc, "version", "release")
        if name != self.manifest.predicate.name:
            raise ReleaseInvalid(
                f"names the release {name!r} but the bundle is {self.manifest.predicate.name!r}",
                member=RELEASE_FILE,
            )
        _optional_text(doc, "workflow", "release")
        if not isinstance(doc.get("notes", ""), str):
            raise ReleaseInvalid("'notes' must be a string", member=RELEASE_FILE)
        inputs = doc.get("inputs", [])
        if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
            raise ReleaseInvalid("'inputs' must be a list of strings", member=RELEASE_FILE)
        raw = doc.get("components")
        if not isinstance(raw, list) or not raw:
            raise ReleaseInvalid("'components' must be a non-empty list", member=RELEASE_FILE)
        components: list[Component] = []
        seen: set[str] = set()
        for index, item in enumerate(raw):
            where = f"component {index}"
            if not isinstance(item, dict):
                raise ReleaseInvalid(f"{where} must be an object", member=RELEASE_FILE)
            cname = _text(item, "name", where)
            if cname in seen:
                raise ReleaseInvalid(f"component {cname!r} appears twice", member=RELEASE_FILE)
            seen.add(cname)
            digest = _text(item, "digest", where)
            if not _DIGEST.match(digest):
                raise ReleaseInvalid(
                    f"{where}: digest must be sha256:<64 lowercase hex>", member=RELEASE_FILE
                )
            sbom = _text(item, "sbom", where)
            artifact = _optional_text(item, "artifact", where)
            component = Component(cname, _text(item, "image", where), digest, sbom, artifact)
            self._check_paths(component)
            components.append(component)
        return tuple(components)

    def _check_paths(self, component: Component) -> None:
        try:
            check_member_path(component.sbom)
        except BundleRejected as exc:
            raise ReleaseInvalid(
                f"component {component.name!r} sbom path: {exc.detail}", member=RELEASE_FILE
            ) from None
        if component.sbom not in self.manifest.members:
            raise SbomMissing(
                f"component {component.name!r} names an SBOM that is not in the bundle",
                member=component.sbom,
            )
        if component.artifact is None:
            return
        signed = self.manifest.members.get(component.artifact)
        if signed is None:
            raise ArtifactMismatch(
                f"component {component.name!r} names an artifact that is not in the bundle",
                member=component.artifact,
            )
        if "sha256:" + signed != component.digest:
            raise ArtifactMismatch(
                f"component {component.name!r} has digest {component.digest} but the artifact is sha256:{signed}",
                member=component.artifact,
            )

    def _sbom(self, path: str) -> None:
        data = self.held(path)
        if data is None:
            raise SbomInvalid(
                "could not be inspected: SBOMs must be JSON files outside artifacts/ "
                "or come after release.json",
                member=path,
            )
        doc = parse_json(data, SbomInvalid, path)
        if not isinstance(doc, dict) or doc.get("bomFormat") != "CycloneDX":
            raise SbomInvalid(
                "is not a CycloneDX document (bomFormat must be 'CycloneDX')", member=path
            )
        if not isinstance(doc.get("specVersion"), str):
            raise SbomInvalid("has no CycloneDX specVersion", member=path)
        if not isinstance(doc.get("components", []), list):
            raise SbomInvalid("'components' must be a list", member=path)

    def _vex(self, path: str) -> None:
        doc = parse_json(self.held(path) or b"", AttachmentInvalid, path)
        context = doc.get("@context") if isinstance(doc, dict) else None
        if not isinstance(context, str) or not context.startswith("https://openvex.dev/ns"):
            raise AttachmentInvalid("is not an OpenVEX document (@context)", member=path)
        if not isinstance(doc.get("statements"), list):
            raise AttachmentInvalid("OpenVEX 'statements' must be a list", member=path)

    def _provenance(self, path: str) -> None:
        try:
            Envelope.from_bytes(self.held(path) or b"")
        except CryptoError as exc:
            raise AttachmentInvalid(f"is not a DSSE envelope: {exc}", member=path) from None
