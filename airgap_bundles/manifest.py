"""The signed bundle manifest: an in-toto Statement v1 (DESIGN §4.3).

``manifest.dsse.json`` is a DSSE envelope (payloadType
``application/vnd.in-toto+json``) over a statement whose ``subject`` lists every
other member by path and SHA-256, with predicate type ``urn:stellaops:bundle:v1``.

Version rule: the predicate ``version`` is a positive integer **sequence
number** per ``(kind, name)``, chosen by the producer and raised by at least one
for every new bundle of that kind and name. "Newer" means a strictly greater
integer; nothing is parsed out of strings. Human version labels such as
``1.3.0-rc1`` live in the content (``release.json``), never here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from airgap_bundles.errors import (
    DuplicateMember,
    NameCollision,
    PathConflict,
    PredicateInvalid,
    StatementInvalid,
    TooManyMembers,
    UnlistedMember,
    WrongPredicateType,
)
from airgap_bundles.paths import MANIFEST_NAME, PathSet, check_member_path
from engine.clock import parse_rfc3339, rfc3339
from engine.crypto.errors import StatementFormatError
from engine.crypto.intoto import Statement, Subject, parse_subject, statement_parts
from engine.crypto.strict_json import StrictJSONError, loads_strict

BUNDLE_PREDICATE_TYPE = "urn:stellaops:bundle:v1"
KIND_ROLES: Mapping[str, str] = MappingProxyType(
    {"release": "release", "feed-snapshot": "feeds", "policy": "policy", "trust-root": "root"}
)
KINDS = tuple(KIND_ROLES)
_NAME = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
_SHA256 = re.compile(r"\A[0-9a-f]{64}\Z")
_MAX_SAFE_INT = 2**53 - 1


def _raw(obj: Mapping[str, Any], key: str) -> Any:
    """A field as found (``None`` when missing): ``BundlePredicate`` checks its type."""
    return obj.get(key)


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _fail(message: str) -> PredicateInvalid:
    return PredicateInvalid(f"predicate: {message}")


@dataclass(frozen=True)
class BundlePredicate:
    """Kind, name, version sequence number, validity window and producer of a bundle."""

    kind: str
    name: str
    version: int
    created: datetime
    expires: datetime
    producer: str
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or self.kind not in KIND_ROLES:  # a dict: unhashable
            raise _fail(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise _fail("name must be 1-128 letters, digits, '.', '_' or '-'")
        if not isinstance(self.version, int) or isinstance(self.version, bool):
            raise _fail(
                "version must be an integer sequence number (the human release version "
                "belongs in release.json)"
            )
        if not 1 <= self.version <= _MAX_SAFE_INT:
            raise _fail("version must be a positive integer below 2^53")
        for label in ("created", "expires"):
            moment = getattr(self, label)
            if not isinstance(moment, datetime) or moment.tzinfo is None:
                raise _fail(f"{label} must be a timezone-aware time")
        if self.expires <= self.created:
            raise _fail("expires must be later than created")
        if not isinstance(self.producer, str) or not self.producer.strip():
            raise _fail("producer must be a non-empty string")
        if not isinstance(self.description, str):
            raise _fail("description must be a string")

    @property
    def role(self) -> str:
        """The trust-root role whose keys must sign this kind."""
        return KIND_ROLES[self.kind]

    @classmethod
    def from_json(cls, obj: Any) -> BundlePredicate:
        if not isinstance(obj, Mapping):
            raise _fail("must be a JSON object")
        times = {}
        for label in ("created", "expires"):
            try:
                times[label] = parse_rfc3339(_string(obj.get(label)))
            except (ValueError, TypeError, OverflowError):
                raise _fail(f"{label} must be an RFC 3339 UTC time ending in Z") from None
        return cls(
            kind=_raw(obj, "kind"),
            name=_raw(obj, "name"),
            version=_raw(obj, "version"),
            created=times["created"],
            expires=times["expires"],
            producer=_raw(obj, "producer"),
            description=obj.get("description", ""),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "version": self.version,
            "created": rfc3339(self.created),
            "expires": rfc3339(self.expires),
            "producer": self.producer,
            "description": self.description,
        }


class ListedFile(NamedTuple):
    """A subject ``{"name": ..., "digest": {"sha256": ...}}`` in its lean form, made as
    it is parsed: ~200 bytes a subject instead of ~700 (two dicts, a hex string and a
    Subject). Only that exact shape with a valid digest becomes one; every other
    subject stays JSON and goes through the statement layer's own checks."""

    name: str
    sha256: bytes  # the 32 digest bytes


def _listed_file(obj: dict[str, Any]) -> Any:
    if len(obj) == 2:
        name, digest = obj.get("name"), obj.get("digest")
        if type(name) is str and type(digest) is dict and len(digest) == 1:
            value = digest.get("sha256")
            if type(value) is str and _SHA256.match(value):
                return ListedFile(name, bytes.fromhex(value))
    return obj


def _as_json(value: Any) -> Any:
    """A lean subject where the statement expects something else is plain JSON again."""
    if type(value) is ListedFile:
        return {"name": value.name, "digest": {"sha256": value.sha256.hex()}}
    return value


def _subject(item: Any, index: int) -> ListedFile | Subject:
    return item if type(item) is ListedFile else parse_subject(item, index)


@dataclass(frozen=True)
class ListedStatement:
    """An in-toto statement read for its bundle manifest, its subjects kept lean."""

    subjects: list[ListedFile | Subject]
    predicate_type: str
    predicate: Mapping[str, Any]

    @classmethod
    def from_payload(cls, payload: bytes | str) -> ListedStatement:
        """The same rules as :meth:`Statement.from_bytes` (raises its errors)."""
        try:
            obj = _as_json(loads_strict(payload, compact=_listed_file))
        except StrictJSONError as exc:
            raise StatementFormatError(f"statement is not JSON: {exc}") from None
        if isinstance(obj, dict) and isinstance(obj.get("predicate"), dict | ListedFile):
            obj["predicate"] = {k: _as_json(v) for k, v in _as_json(obj["predicate"]).items()}
        subjects, predicate_type, predicate = statement_parts(obj, _subject)
        obj.clear()  # the raw subject list goes; the lean items live on in ``subjects``
        return cls(subjects, predicate_type, predicate)


class MemberDigests(Mapping[str, str]):
    """Path -> lowercase hex SHA-256, in path order; kept as the 32 digest bytes (a
    manifest may list hundreds of thousands of members)."""

    __slots__ = ("_digests",)

    def __init__(self, digests: dict[str, bytes]) -> None:
        self._digests = digests

    def __getitem__(self, name: str) -> str:
        return self._digests[name].hex()

    def __contains__(self, name: object) -> bool:
        return name in self._digests

    def __iter__(self) -> Iterator[str]:
        return iter(self._digests)

    def __len__(self) -> int:
        return len(self._digests)

    def __repr__(self) -> str:
        return f"MemberDigests({len(self._digests)} members)"


@dataclass(frozen=True)
class BundleManifest:
    """A validated manifest: the predicate and the signed digest of every member."""

    predicate: BundlePredicate
    members: Mapping[str, str]  # path -> lowercase hex SHA-256, sorted by path
    paths: PathSet = field(repr=False, compare=False)

    @classmethod
    def create(cls, predicate: BundlePredicate, members: Mapping[str, str]) -> BundleManifest:
        return cls._validated(predicate, dict(members), max_members=None)

    @classmethod
    def from_statement(
        cls, statement: Statement | ListedStatement, *, max_members: int
    ) -> BundleManifest:
        if statement.predicate_type != BUNDLE_PREDICATE_TYPE:
            raise WrongPredicateType(
                f"predicateType is {statement.predicate_type!r}, expected {BUNDLE_PREDICATE_TYPE!r}"
            )
        predicate = BundlePredicate.from_json(statement.predicate)
        members: dict[str, bytes | str] = {}
        for subject in statement.subjects:
            name = subject.name
            if name is None:
                raise StatementInvalid("every subject needs a name (the member path)")
            if isinstance(subject, ListedFile):
                digest: bytes | str | None = subject.sha256
            else:
                digest = subject.digest.get("sha256")
            if digest is None:
                raise StatementInvalid("every subject needs a sha256 digest", member=name)
            if name in members:
                raise DuplicateMember("is listed twice in the manifest", member=name)
            members[name] = digest
        return cls._validated(predicate, members, max_members=max_members)

    @classmethod
    def _validated(
        cls, predicate: BundlePredicate, members: dict[str, bytes | str], *,
        max_members: int | None,
    ) -> BundleManifest:
        if not members:
            raise StatementInvalid("the manifest lists no members")
        if max_members is not None and len(members) > max_members:
            raise TooManyMembers(
                f"the manifest lists {len(members)} members; the limit is {max_members}"
            )
        paths = PathSet()
        ordered: dict[str, bytes] = {}
        for name in sorted(members):
            check_member_path(name)
            if name == MANIFEST_NAME:
                raise StatementInvalid("the manifest cannot list itself", member=name)
            digest = members[name]
            if isinstance(digest, str):
                if not _SHA256.match(digest):
                    raise StatementInvalid(
                        "the sha256 digest is not 64 lowercase hex digits", member=name
                    )
                digest = bytes.fromhex(digest)
            elif len(digest) != 32:
                raise StatementInvalid(
                    "the sha256 digest is not 64 lowercase hex digits", member=name
                )
            paths.add_file(name)
            ordered[name] = digest
        return cls(predicate=predicate, members=MemberDigests(ordered), paths=paths)

    def check_archive_folder(self, name: str) -> None:
        """A folder entry of the archive must be a folder of the listed files."""
        if self.paths.is_folder(name):
            return
        if name in self.members:
            raise PathConflict("is listed as a file but stored as a folder", member=name)
        self.refuse_unlisted_file(name)

    def refuse_unlisted_file(self, name: str) -> None:
        """Raise the most precise rejection for an archive file the manifest does not list."""
        if self.paths.is_folder(name):
            raise PathConflict("is a folder in the manifest but stored as a file", member=name)
        spelling = self.paths.spelling_of(name)
        if spelling is not None:
            raise NameCollision(
                f"differs from the listed {spelling!r} only by case or Unicode form", member=name
            )
        raise UnlistedMember("is not listed in the signed manifest", member=name)

    def to_statement(self) -> Statement:
        subjects = tuple(
            Subject(name=name, digest={"sha256": digest}) for name, digest in self.members.items()
        )
        return Statement(
            subjects=subjects,
            predicate_type=BUNDLE_PREDICATE_TYPE,
            predicate=self.predicate.to_json(),
        )
