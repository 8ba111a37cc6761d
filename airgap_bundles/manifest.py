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
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

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
from engine.crypto.intoto import Statement, Subject

BUNDLE_PREDICATE_TYPE = "urn:stellaops:bundle:v1"
KIND_ROLES: Mapping[str, str] = MappingProxyType(
    {"release": "release", "feed-snapshot": "feeds", "policy": "policy", "trust-root": "root"}
)
KINDS = tuple(KIND_ROLES)
_NAME = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
_SHA256 = re.compile(r"\A[0-9a-f]{64}\Z")
_MAX_SAFE_INT = 2**53 - 1


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
        if self.kind not in KIND_ROLES:
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
                times[label] = parse_rfc3339(obj.get(label))
            except (ValueError, TypeError, OverflowError):
                raise _fail(f"{label} must be an RFC 3339 UTC time ending in Z") from None
        return cls(
            kind=obj.get("kind"),
            name=obj.get("name"),
            version=obj.get("version"),
            created=times["created"],
            expires=times["expires"],
            producer=obj.get("producer"),
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
    def from_statement(cls, statement: Statement, *, max_members: int) -> BundleManifest:
        if statement.predicate_type != BUNDLE_PREDICATE_TYPE:
            raise WrongPredicateType(
                f"predicateType is {statement.predicate_type!r}, expected {BUNDLE_PREDICATE_TYPE!r}"
            )
        predicate = BundlePredicate.from_json(statement.predicate)
        members: dict[str, str] = {}
        for subject in statement.subjects:
            name = subject.name
            if name is None:
                raise StatementInvalid("every subject needs a name (the member path)")
            digest = subject.digest.get("sha256")
            if digest is None:
                raise StatementInvalid("every subject needs a sha256 digest", member=name)
            if name in members:
                raise DuplicateMember("is listed twice in the manifest", member=name)
            members[name] = digest
        return cls._validated(predicate, members, max_members=max_members)

    @classmethod
    def _validated(
        cls, predicate: BundlePredicate, members: dict[str, str], *, max_members: int | None
    ) -> BundleManifest:
        if not members:
            raise StatementInvalid("the manifest lists no members")
        if max_members is not None and len(members) > max_members:
            raise TooManyMembers(
                f"the manifest lists {len(members)} members; the limit is {max_members}"
            )
        paths = PathSet()
        for name in sorted(members):
            check_member_path(name)
            if name == MANIFEST_NAME:
                raise StatementInvalid("the manifest cannot list itself", member=name)
            if not _SHA256.match(members[name]):
                raise StatementInvalid(
                    "the sha256 digest is not 64 lowercase hex digits", member=name
                )
            paths.add_file(name)
        ordered = {name: members[name] for name in sorted(members)}
        return cls(predicate=predicate, members=MappingProxyType(ordered), paths=paths)

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
