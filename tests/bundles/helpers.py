"""Keys, a trust root and archive builders for the bundle tests.

Malicious archives are crafted with the standard library's ``tarfile`` (an
independent writer, so the tests also show we read what others write) around a
properly signed manifest, so each one is rejected for its own reason only.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import zstandard

from airgap_bundles.manifest import BUNDLE_PREDICATE_TYPE, BundlePredicate
from engine.canonical import canonical_bytes
from engine.crypto import dsse
from engine.crypto.keys import Ed25519Signer
from engine.crypto.trust_root import TrustRoot, sign_trust_root, trust_root_document

NOW = datetime(2026, 2, 18, 9, 0, tzinfo=UTC)
CREATED = datetime(2026, 2, 18, 8, 0, tzinfo=UTC)
EXPIRES = datetime(2030, 1, 1, tzinfo=UTC)
INTOTO = "application/vnd.in-toto+json"

KEYS = {
    name: Ed25519Signer.from_seed(hashlib.sha256(b"test key " + name.encode()).digest())
    for name in ("root1", "root2", "root3", "release", "release2", "feeds", "policy", "stranger")
}


def root_envelope(
    version: int,
    roots: tuple[str, ...],
    signers: Iterable[str],
    expires: datetime = EXPIRES,
    release=("release", "release2"),
) -> dsse.Envelope:
    names = {*roots, *release, "feeds", "policy"}
    document = trust_root_document(
        version=version,
        expires=expires,
        keys=[KEYS[n].public_key for n in sorted(names)],
        roles={
            "root": ([KEYS[n].keyid for n in roots], 2 if len(roots) > 1 else 1),
            "release": ([KEYS[n].keyid for n in release], 1),
            "feeds": ([KEYS["feeds"].keyid], 1),
            "policy": ([KEYS["policy"].keyid], 1),
        },
    )
    return sign_trust_root(document, [KEYS[n] for n in signers])


ROOT = TrustRoot.first_install(root_envelope(1, ("root1", "root2"), ("root1", "root2")), NOW)
ROLE_SIGNER = {
    "release": "release",
    "feed-snapshot": "feeds",
    "policy": "policy",
    "trust-root": "root1",
}


def predicate(
    kind: str = "release", name: str = "platform", version: int = 1, **kw
) -> BundlePredicate:
    return BundlePredicate(
        kind=kind,
        name=name,
        version=version,
        created=kw.get("created", CREATED),
        expires=kw.get("expires", EXPIRES),
        producer="tests",
        description=kw.get("description", "a test bundle"),
    )


def jbytes(value) -> bytes:
    return json.dumps(value, indent=1, sort_keys=True).encode()


SBOM = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.5",
    "version": 1,
    "components": [
        {
            "type": "library",
            "name": "lodash",
            "version": "4.17.20",
            "purl": "pkg:npm/lodash@4.17.20",
        }
    ],
}


def release_files(
    name: str = "platform", version: str = "1.0.0", artifact: bytes = b'{"v":1}\n'
) -> dict[str, bytes]:
    digest = "sha256:" + hashlib.sha256(artifact).hexdigest()
    release = {
        "name": name,
        "version": version,
        "components": [
            {
                "name": "api",
                "image": "registry.local/platform/api",
                "digest": digest,
                "sbom": "sbom/api.cdx.json",
                "artifact": "artifacts/api/app.json",
            }
        ],
        "workflow": "canary-10-50-100",
        "inputs": ["env:PLATFORM_REGION"],
        "notes": "test release",
    }
    return {
        "release.json": jbytes(release),
        "sbom/api.cdx.json": jbytes(SBOM),
        "artifacts/api/app.json": artifact,
    }


def osv(record_id: str, ecosystem: str = "PyPI") -> bytes:
    return jbytes(
        {
            "id": record_id,
            "modified": "2026-01-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": ecosystem, "name": "x"}}],
        }
    )


def feed_files(count: int = 3) -> dict[str, bytes]:
    files = {f"osv/PyPI/PYSEC-{i}.json": osv(f"PYSEC-{i}") for i in range(count)}
    files["feed.json"] = jbytes(
        {
            "source": "osv",
            "snapshot": "2026-02-18T05:30:00Z",
            "ecosystems": ["PyPI"],
            "records": count,
        }
    )
    return files


POLICY = {
    "name": "default",
    "version": 1,
    "rules": [
        {
            "id": "warn-high",
            "description": "d",
            "action": "warn",
            "message": "m",
            "condition": "findings.exists(f, f.severity == 'HIGH')",
        }
    ],
}


def policy_files() -> dict[str, bytes]:
    return {"policy.json": jbytes(POLICY)}


def sign_manifest(
    subjects: Mapping[str, bytes | str],
    pred: BundlePredicate | dict,
    signers: Iterable[str],
    payload_type: str = INTOTO,
    predicate_type: str = BUNDLE_PREDICATE_TYPE,
) -> bytes:
    """manifest.dsse.json bytes listing ``subjects`` (bytes are hashed; str is a hex digest)."""
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [
            {
                "name": n,
                "digest": {"sha256": v if isinstance(v, str) else hashlib.sha256(v).hexdigest()},
            }
            for n, v in subjects.items()
        ],
        "predicateType": predicate_type,
        "predicate": pred.to_json() if isinstance(pred, BundlePredicate) else pred,
    }
    return dsse.sign(
        payload_type, canonical_bytes(statement), [KEYS[s] for s in signers]
    ).to_bytes()


@dataclass
class Entry:
    """One tar member for :func:`tar_archive`; ``info`` overrides TarInfo fields."""

    name: str
    data: bytes = b""
    info: dict = field(default_factory=dict)


def tar_archive(entries: Iterable[Entry], fmt: int = tarfile.PAX_FORMAT) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as tar:
        for entry in entries:
            info = tarfile.TarInfo(entry.name)
            info.size = len(entry.data)
            info.mtime = 0
            for key, value in entry.info.items():
                setattr(info, key, value)
            has_data = info.type in (tarfile.REGTYPE, tarfile.AREGTYPE)
            tar.addfile(info, io.BytesIO(entry.data) if has_data else None)
    return out.getvalue()


def bundle_bytes(
    files: Mapping[str, bytes],
    pred: BundlePredicate | None = None,
    *,
    signers: Iterable[str] | None = None,
    extra: Iterable[Entry] = (),
    listed: Mapping[str, bytes | str] | None = None,
    manifest: bytes | None = None,
    compress: str | None = None,
) -> bytes:
    """A tar with a signed manifest first, then ``files`` (sorted), then ``extra`` entries."""
    pred = pred or predicate()
    signers = signers or [ROLE_SIGNER[pred.kind]]
    manifest = (
        manifest
        if manifest is not None
        else sign_manifest(dict(files) if listed is None else listed, pred, signers)
    )
    entries = [Entry("manifest.dsse.json", manifest)]
    entries += [Entry(name, files[name]) for name in sorted(files)]
    entries += list(extra)
    return compressed(tar_archive(entries), compress)


def compressed(data: bytes, compress: str | None) -> bytes:
    if compress == "gzip":
        return gzip.compress(data, mtime=0)
    if compress == "zstd":
        return zstandard.ZstdCompressor(write_checksum=True).compress(data)
    return data


def write(tmp_path: Path, data: bytes, name: str = "bundle.tar") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes (to prove nothing else was written)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def source_tree(root: Path, files: Mapping[str, bytes]) -> Path:
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root
