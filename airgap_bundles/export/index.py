"""``index.json``: the signed table of contents of an export.

The index lists every other file of the export with its SHA-256 and size, what
kind of file it is and, for evidence, its step and transparency-log index. It is
signed by the site key with a DSSE signature embedded in the file::

    {"_type": "stellaops.export-index/v1", ..., "items": [...],
     "signature": {"keyid": "<site key id>", "sig": "<base64>"}}

The signature is over ``PAE(payloadType, body)`` where ``payloadType`` is
``application/vnd.stellaops.export-index+json`` and ``body`` is the RFC 8785
canonical JSON of the index without its ``signature`` member, so any DSSE
verifier checks it once the envelope ``{payloadType, payload: base64(body),
signatures: [signature]}`` is rebuilt. The file itself is RFC 8785 canonical
JSON; a reader refuses any other byte form, so no byte of the file can change
without the change being detected.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from airgap_bundles.export import layout
from engine.canonical import canonical_bytes
from engine.crypto import dsse
from engine.crypto.errors import CryptoError
from engine.crypto.keys import PublicKey, Signer
from engine.crypto.strict_json import StrictJSONError, loads_strict
from engine.tlog.keys import strict_b64decode

INDEX_TYPE = "stellaops.export-index/v1"
INDEX_PAYLOAD_TYPE = "application/vnd.stellaops.export-index+json"

_PATH = re.compile(r"\A[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*\Z")
_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")
_DIGEST = re.compile(r"\Asha256:[0-9a-f]{64}\Z")


class IndexFormatError(ValueError):
    """``index.json`` is not a well-formed export index; the message says what is wrong."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise IndexFormatError(message)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def check_path(path: Any) -> str:
    """A relative, ``/``-separated path of safe characters with no ``.``/``..`` part."""
    _require(
        isinstance(path, str) and bool(_PATH.match(path)),
        f"item path {path!r} is not a safe relative path",
    )
    _require(
        all(part not in (".", "..") for part in path.split("/")),
        f"item path {path!r} contains '.' or '..'",
    )
    return path


@dataclass(frozen=True)
class IndexItem:
    """One file of the export."""

    path: str
    sha256: str
    size: int
    kind: str
    step: str | None = None
    log_index: int | None = None
    name: str | None = None
    attempt: int | None = None
    predicate_type: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "kind": self.kind,
            "step": self.step,
            "logIndex": self.log_index,
        }
        if self.name is not None:
            out["name"] = self.name
        if self.attempt is not None:
            out["attempt"] = self.attempt
        if self.predicate_type is not None:
            out["predicateType"] = self.predicate_type
        return out

    @classmethod
    def from_json(cls, obj: Any, position: int) -> IndexItem:
        where = f"item {position}"
        _require(isinstance(obj, dict), f"{where} must be an object")
        path = check_path(obj.get("path"))
        where = f"item {path}"
        sha = obj.get("sha256")
        _require(
            isinstance(sha, str) and bool(_HEX64.match(sha)),
            f"{where}: sha256 must be 64 lowercase hex digits",
        )
        _require(_is_count(obj.get("size")), f"{where}: size must be a non-negative integer")
        _require(obj.get("kind") in layout.ITEM_KINDS, f"{where}: unknown kind {obj.get('kind')!r}")
        step, log_index = obj.get("step"), obj.get("logIndex")
        _require(step is None or isinstance(step, str), f"{where}: step must be a string or null")
        _require(
            log_index is None or _is_count(log_index),
            f"{where}: logIndex must be a non-negative integer or null",
        )
        name, attempt, ptype = obj.get("name"), obj.get("attempt"), obj.get("predicateType")
        _require(name is None or isinstance(name, str), f"{where}: name must be a string")
        _require(
            attempt is None or (_is_count(attempt) and attempt >= 1),
            f"{where}: attempt must be a positive integer",
        )
        _require(
            ptype is None or isinstance(ptype, str), f"{where}: predicateType must be a string"
        )
        if obj["kind"] == layout.K_EVIDENCE:
            _require(
                step is not None and log_index is not None and ptype is not None,
                f"{where}: an evidence item needs step, logIndex and predicateType",
            )
        return cls(
            path=path,
            sha256=sha,
            size=obj["size"],
            kind=obj["kind"],
            step=step,
            log_index=log_index,
            name=name,
            attempt=attempt,
            predicate_type=ptype,
        )


@dataclass(frozen=True)
class KeyEntry:
    """A public key shipped under ``trust/keys`` and what it is for."""

    keyid: str
    roles: tuple[str, ...]

    @property
    def path(self) -> str:
        return layout.key_path(self.keyid)

    def to_json(self) -> dict[str, Any]:
        return {"keyid": self.keyid, "path": self.path, "roles": list(self.roles)}

    @classmethod
    def from_json(cls, obj: Any) -> KeyEntry:
        _require(isinstance(obj, dict), "each key entry must be an object")
        keyid = obj.get("keyid")
        _require(
            isinstance(keyid, str) and bool(_HEX64.match(keyid)),
            f"key entry {keyid!r}: keyid must be 64 lowercase hex digits",
        )
        _require(
            obj.get("path") == layout.key_path(keyid),
            f"key {keyid}: path must be {layout.key_path(keyid)}",
        )
        roles = obj.get("roles")
        _require(
            isinstance(roles, list) and bool(roles) and all(isinstance(r, str) for r in roles),
            f"key {keyid}: roles must be a non-empty list of strings",
        )
        return cls(keyid=keyid, roles=tuple(roles))


@dataclass(frozen=True)
class SealConsistency:
    """RFC 6962 consistency proof from the seal's checkpoint to the shipped checkpoint."""

    from_size: int
    to_size: int
    proof: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "fromSize": self.from_size,
            "toSize": self.to_size,
            "proof": [base64.b64encode(p).decode("ascii") for p in self.proof],
        }

    @classmethod
    def from_json(cls, obj: Any) -> SealConsistency:
        _require(isinstance(obj, dict), "sealConsistency must be an object")
        _require(
            _is_count(obj.get("fromSize")) and _is_count(obj.get("toSize")),
            "sealConsistency sizes must be non-negative integers",
        )
        raw = obj.get("proof")
        _require(isinstance(raw, list), "sealConsistency.proof must be a list")
        proof = []
        for i, item in enumerate(raw):
            try:
                proof.append(strict_b64decode(item))
            except (ValueError, AttributeError):
                raise IndexFormatError(f"sealConsistency.proof[{i}] is not base64") from None
        return cls(from_size=obj["fromSize"], to_size=obj["toSize"], proof=tuple(proof))


@dataclass(frozen=True)
class ExportIndex:
    """The content of ``index.json`` (without its signature)."""

    bundle: str
    promotion: str
    release: Mapping[str, str]
    partial: bool
    site_name: str
    site_key: str
    log_origin: str
    run_status: str
    run_events: int
    run_head: str
    checkpoint_size: int
    seal_consistency: SealConsistency | None
    keys: tuple[KeyEntry, ...]
    items: tuple[IndexItem, ...] = field(default=())

    def body(self) -> dict[str, Any]:
        return {
            "_type": INDEX_TYPE,
            "bundle": self.bundle,
            "promotion": self.promotion,
            "release": dict(self.release),
            "partial": self.partial,
            "site": {
                "name": self.site_name,
                "siteKey": self.site_key,
                "logOrigin": self.log_origin,
            },
            "run": {"status": self.run_status, "events": self.run_events, "head": self.run_head},
            "tlog": {
                "checkpointSize": self.checkpoint_size,
                "sealConsistency": (
                    self.seal_consistency.to_json() if self.seal_consistency else None
                ),
            },
            "keys": [k.to_json() for k in self.keys],
            "items": [i.to_json() for i in self.items],
        }

    def body_bytes(self) -> bytes:
        return canonical_bytes(self.body())

    def sign(self, signer: Signer) -> bytes:
        """The bytes of ``index.json``: canonical JSON with the embedded DSSE signature."""
        if signer.keyid != self.site_key:
            raise ValueError("index.json is signed by the site key named in it")
        envelope = dsse.sign(INDEX_PAYLOAD_TYPE, self.body_bytes(), [signer])
        signature = envelope.signatures[0].to_json()
        return canonical_bytes({**self.body(), "signature": signature})

    def item(self, path: str) -> IndexItem | None:
        return next((i for i in self.items if i.path == path), None)

    def of_kind(self, kind: str) -> list[IndexItem]:
        return [i for i in self.items if i.kind == kind]


@dataclass(frozen=True)
class SignedIndex:
    """A parsed ``index.json``: the index and its (not yet verified) signature."""

    index: ExportIndex
    signature: dsse.Signature
    body_bytes: bytes

    def envelope(self) -> dsse.Envelope:
        """The standard DSSE envelope the embedded signature belongs to."""
        return dsse.Envelope(INDEX_PAYLOAD_TYPE, self.body_bytes, (self.signature,))

    def verify(self, key: PublicKey) -> None:
        """Raise ``CryptoError`` unless ``key`` signed this index."""
        dsse.verify(self.envelope(), {key.keyid: key}, 1, INDEX_PAYLOAD_TYPE)


def parse_index(data: bytes) -> SignedIndex:
    """Parse ``index.json`` strictly: canonical bytes, known type, every field valid."""
    try:
        obj = loads_strict(data)
    except StrictJSONError as exc:
        raise IndexFormatError(f"index.json is not JSON: {exc}") from None
    _require(isinstance(obj, dict), "index.json must hold a JSON object")
    try:
        canonical = canonical_bytes(obj)
    except (ValueError, TypeError, OverflowError) as exc:
        raise IndexFormatError(f"index.json cannot be canonicalised: {exc}") from None
    _require(
        canonical == bytes(data),
        "index.json is not in RFC 8785 canonical form (it was edited after signing)",
    )
    _require(obj.get("_type") == INDEX_TYPE, f"_type must be {INDEX_TYPE!r}")
    _require(obj.get("bundle") in layout.BUNDLE_KINDS, f"unknown bundle kind {obj.get('bundle')!r}")
    _require(
        isinstance(obj.get("promotion"), str) and bool(obj["promotion"]),
        "promotion must be a non-empty string",
    )
    release = obj.get("release")
    _require(
        isinstance(release, dict)
        and all(isinstance(release.get(k), str) for k in ("name", "version", "digest")),
        "release must have name, version and digest strings",
    )
    _require(bool(_DIGEST.match(release["digest"])), "release digest must be sha256:<64 hex>")
    _require(isinstance(obj.get("partial"), bool), "partial must be true or false")
    site, run, tlog = obj.get("site"), obj.get("run"), obj.get("tlog")
    _require(
        isinstance(site, dict)
        and isinstance(site.get("name"), str)
        and isinstance(site.get("logOrigin"), str)
        and isinstance(site.get("siteKey"), str)
        and bool(_HEX64.match(site["siteKey"])),
        "site must have name, siteKey (a key id) and logOrigin",
    )
    _require(
        isinstance(run, dict)
        and isinstance(run.get("status"), str)
        and _is_count(run.get("events"))
        and isinstance(run.get("head"), str)
        and bool(_HEX64.match(run["head"])),
        "run must have status, events and head (64 hex digits)",
    )
    _require(
        isinstance(tlog, dict) and _is_count(tlog.get("checkpointSize")),
        "tlog.checkpointSize must be a non-negative integer",
    )
    consistency = tlog.get("sealConsistency")
    raw_keys, raw_items = obj.get("keys"), obj.get("items")
    _require(
        isinstance(raw_keys, list) and isinstance(raw_items, list), "keys and items must be lists"
    )
    keys = tuple(KeyEntry.from_json(k) for k in raw_keys)
    _require(len({k.keyid for k in keys}) == len(keys), "a key is listed twice")
    items = tuple(IndexItem.from_json(item, n) for n, item in enumerate(raw_items))
    paths = [i.path for i in items]
    _require(len(set(paths)) == len(paths), "a path is listed twice")
    _require(len({p.lower() for p in paths}) == len(paths), "two paths differ only by case")
    _require(layout.INDEX not in paths, "index.json must not list itself")
    raw_sig = obj.get("signature")
    _require(isinstance(raw_sig, dict), "index.json has no signature")
    try:
        envelope = dsse.Envelope.from_json(
            {"payload": "", "payloadType": INDEX_PAYLOAD_TYPE, "signatures": [raw_sig]}
        )
    except CryptoError as exc:
        raise IndexFormatError(f"index.json signature is malformed: {exc}") from None
    index = ExportIndex(
        bundle=obj["bundle"],
        promotion=obj["promotion"],
        release={k: release[k] for k in ("name", "version", "digest")},
        partial=obj["partial"],
        site_name=site["name"],
        site_key=site["siteKey"],
        log_origin=site["logOrigin"],
        run_status=run["status"],
        run_events=run["events"],
        run_head=run["head"],
        checkpoint_size=tlog["checkpointSize"],
        seal_consistency=None if consistency is None else SealConsistency.from_json(consistency),
        keys=keys,
        items=items,
    )
    body_bytes = canonical_bytes({k: v for k, v in obj.items() if k != "signature"})
    _require(
        body_bytes == index.body_bytes(),
        "index.json has fields or values this verifier does not understand",
    )
    return SignedIndex(index=index, signature=envelope.signatures[0], body_bytes=body_bytes)


def sort_items(items: Sequence[IndexItem]) -> tuple[IndexItem, ...]:
    return tuple(sorted(items, key=lambda i: i.path))
