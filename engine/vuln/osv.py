"""OSV records (https://ossf.github.io/osv-schema/) as validated, frozen values.

Parsing is strict about what makes a record a record — an object with a string
``id`` and ``modified``; ``affected`` entries whose ``package`` has an
``ecosystem`` and a ``name``; ranges of type ``SEMVER``, ``ECOSYSTEM`` or
``GIT`` whose events each carry exactly one of ``introduced``, ``fixed``,
``last_affected``, ``limit`` as a string — and lenient about everything else:
unknown fields are ignored, as the schema asks of readers.

Only what matching, severity and explanation need is kept (``details`` and
``references`` are dropped); the record's ``digest`` identifies the exact
bytes (or canonical JSON) it came from, so a verdict can name the advisory
version it used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.canonical import canonical_digest, sha256_digest
from engine.crypto.strict_json import StrictJSONError, loads_strict
from engine.vuln.ecosystems import normalise_name, split_osv_ecosystem
from engine.vuln.errors import OsvRecordError

RANGE_TYPES = frozenset({"SEMVER", "ECOSYSTEM", "GIT"})
EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
_EVENT_KIND_SET = frozenset(EVENT_KINDS)


@dataclass(frozen=True, slots=True)
class Event:
    kind: str  # one of EVENT_KINDS
    value: str


@dataclass(frozen=True, slots=True)
class Range:
    type: str
    events: tuple[Event, ...]
    repo: str | None = None


@dataclass(frozen=True, slots=True)
class SeverityScore:
    """One ``severity[]`` entry: a CVSS vector or an ecosystem rating string."""

    type: str
    score: str


@dataclass(frozen=True, slots=True)
class Affected:
    """One ``affected[]`` entry. ``key`` is ``(base ecosystem, normalised name)``,
    computed once here so that indexing is a dictionary insert per entry."""

    ecosystem: str | None
    base_ecosystem: str | None
    release: str | None
    name: str | None
    purl: str | None
    ranges: tuple[Range, ...]
    versions: tuple[str, ...]
    severity: tuple[SeverityScore, ...]
    ecosystem_specific: Mapping[str, Any] | None
    database_specific: Mapping[str, Any] | None
    key: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class OsvRecord:
    id: str
    modified: str
    digest: str
    published: str | None
    withdrawn: str | None
    aliases: tuple[str, ...]
    related: tuple[str, ...]
    upstream: tuple[str, ...]
    summary: str | None
    severity: tuple[SeverityScore, ...]
    affected: tuple[Affected, ...]
    database_specific: Mapping[str, Any] | None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn is not None

    @classmethod
    def from_bytes(cls, data: bytes, digest: str | None = None) -> OsvRecord:
        """Parse one record file; ``digest`` is the SHA-256 of exactly these bytes
        (computed here unless the caller hashed them already)."""
        try:
            obj = loads_strict(data)
        except StrictJSONError as exc:
            raise OsvRecordError(f"not JSON: {exc}") from None
        return cls.from_json(obj, digest=digest or sha256_digest(bytes(data)))

    @classmethod
    def from_json(cls, obj: Any, *, digest: str | None = None) -> OsvRecord:
        """Validate a parsed record; without ``digest`` the RFC 8785 digest is used."""
        if not isinstance(obj, dict):
            raise OsvRecordError("a record must be a JSON object")
        rid = obj.get("id")
        if not isinstance(rid, str) or not rid.strip():
            raise OsvRecordError("missing or empty string 'id'")
        modified = obj.get("modified")
        if not isinstance(modified, str) or not modified:
            raise OsvRecordError("missing string 'modified'", record=rid, field="modified")
        raw_affected = _list(obj, "affected", rid)
        affected = tuple(
            _affected(item, rid, f"affected[{i}]") for i, item in enumerate(raw_affected)
        )
        return cls(
            id=rid,
            modified=modified,
            digest=digest if digest is not None else canonical_digest(obj),
            published=_opt_str(obj, "published", rid),
            withdrawn=_opt_str(obj, "withdrawn", rid),
            aliases=_strings(obj, "aliases", rid),
            related=_strings(obj, "related", rid),
            upstream=_strings(obj, "upstream", rid),
            summary=_opt_str(obj, "summary", rid),
            severity=_severity(obj, rid, "severity"),
            affected=affected,
            database_specific=_opt_obj(obj, "database_specific", rid),
        )


def _list(obj: Mapping[str, Any], key: str, rid: str, where: str = "") -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise OsvRecordError("must be a list", record=rid, field=where + key)
    return value


def _strings(obj: Mapping[str, Any], key: str, rid: str, where: str = "") -> tuple[str, ...]:
    value = obj.get(key)
    if value is None:
        return ()
    items = _list(obj, key, rid, where)
    for item in items:
        if not isinstance(item, str):  # the field is named only when it is wrong
            i = next(i for i, x in enumerate(items) if not isinstance(x, str))
            raise OsvRecordError("must be a string", record=rid, field=f"{where}{key}[{i}]")
    return tuple(items)


def _opt_str(obj: Mapping[str, Any], key: str, rid: str, where: str = "") -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise OsvRecordError("must be a string", record=rid, field=where + key)
    return value


def _opt_obj(obj: Mapping[str, Any], key: str, rid: str, where: str = "") -> dict[str, Any] | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise OsvRecordError("must be an object", record=rid, field=where + key)
    return value


def _severity(obj: Mapping[str, Any], rid: str, where: str) -> tuple[SeverityScore, ...]:
    if obj.get("severity") is None:
        return ()
    out = []
    prefix = where[: -len("severity")]
    for i, item in enumerate(_list(obj, "severity", rid, prefix)):
        field = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise OsvRecordError("must be an object", record=rid, field=field)
        kind, score = item.get("type"), item.get("score")
        if not isinstance(kind, str) or not isinstance(score, str):
            raise OsvRecordError("needs string 'type' and 'score'", record=rid, field=field)
        out.append(SeverityScore(kind, score))
    return tuple(out)


def _affected(item: Any, rid: str, where: str) -> Affected:
    if not isinstance(item, dict):
        raise OsvRecordError("must be an object", record=rid, field=where)
    package = item.get("package")
    ecosystem = name = purl = None
    if package is not None:
        if not isinstance(package, dict):
            raise OsvRecordError("must be an object", record=rid, field=f"{where}.package")
        ecosystem, name = package.get("ecosystem"), package.get("name")
        if not isinstance(ecosystem, str) or not ecosystem:
            raise OsvRecordError("needs a string 'ecosystem'", record=rid, field=f"{where}.package")
        if not isinstance(name, str) or not name:
            raise OsvRecordError("needs a string 'name'", record=rid, field=f"{where}.package")
        purl = _opt_str(package, "purl", rid, f"{where}.package.")
    base, release = split_osv_ecosystem(ecosystem) if ecosystem else (None, None)
    dot = where + "."
    ranges = tuple(
        _range(r, rid, f"{where}.ranges[{i}]")
        for i, r in enumerate(_list(item, "ranges", rid, dot))
    )
    return Affected(
        ecosystem=ecosystem,
        base_ecosystem=base,
        release=release,
        name=name,
        purl=purl,
        ranges=ranges,
        versions=_strings(item, "versions", rid, dot),
        severity=_severity(item, rid, dot + "severity"),
        ecosystem_specific=_opt_obj(item, "ecosystem_specific", rid, dot),
        database_specific=_opt_obj(item, "database_specific", rid, dot),
        key=(base, normalise_name(base, name)) if base and name else None,
    )


def _range(item: Any, rid: str, where: str) -> Range:
    if not isinstance(item, dict):
        raise OsvRecordError("must be an object", record=rid, field=where)
    kind = item.get("type")
    if kind not in RANGE_TYPES:
        raise OsvRecordError(
            f"type must be one of {sorted(RANGE_TYPES)}, not {kind!r}", record=rid, field=where
        )
    raw_events = _list(item, "events", rid, f"{where}.")
    if not raw_events:
        raise OsvRecordError("a range needs at least one event", record=rid, field=f"{where}.events")
    events = []
    for i, event in enumerate(raw_events):
        if isinstance(event, dict) and len(event) == 1:  # the usual event: one kind, nothing else
            ((kind_, value),) = event.items()
            if kind_ in _EVENT_KIND_SET and isinstance(value, str) and value:
                events.append(Event(kind_, value))
                continue
        field = f"{where}.events[{i}]"
        if not isinstance(event, dict):
            raise OsvRecordError("must be an object", record=rid, field=field)
        kinds = [k for k in EVENT_KINDS if k in event]
        if len(kinds) != 1:
            raise OsvRecordError(
                "an event holds exactly one of introduced, fixed, last_affected, limit",
                record=rid, field=field,
            )
        value = event[kinds[0]]
        if not isinstance(value, str) or not value:
            raise OsvRecordError(f"{kinds[0]} must be a non-empty string", record=rid, field=field)
        events.append(Event(kinds[0], value))
    return Range(type=kind, events=tuple(events), repo=_opt_str(item, "repo", rid, f"{where}."))
