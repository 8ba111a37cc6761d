"""An in-memory index of OSV records keyed by (ecosystem, normalised package name).

Building it is one pass over the records with no version parsing: versions are
parsed lazily, only for packages an SBOM actually contains, so a snapshot of
100,000 advisories indexes in well under a second.

When the same ``id`` appears twice (osv.dev exports a multi-ecosystem record
once per ecosystem), identical copies collapse into one; differing copies keep
the one with the latest ``modified`` (then the smallest digest, so the choice
never depends on input order) and the replaced digest is listed in
``replaced`` so the conflict stays visible.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from engine.vuln.osv import Affected, OsvRecord


class Candidate(NamedTuple):
    """One ``affected`` entry of one record that names a given package."""

    record: OsvRecord
    affected: Affected


@dataclass(frozen=True)
class AdvisoryIndex:
    """Records by id and ``affected`` entries by package key. Build with :meth:`build`."""

    records: Mapping[str, OsvRecord]
    by_package: Mapping[tuple[str, str], tuple[Candidate, ...]]
    replaced: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, records: Iterable[OsvRecord]) -> AdvisoryIndex:
        chosen: dict[str, OsvRecord] = {}
        replaced: dict[str, set[str]] = {}
        for record in records:
            current = chosen.get(record.id)
            if current is None:
                chosen[record.id] = record
                continue
            if current.digest == record.digest:
                continue
            keep, drop = (
                (record, current)
                if (record.modified, current.digest) > (current.modified, record.digest)
                else (current, record)
            )
            chosen[record.id] = keep
            replaced.setdefault(record.id, set()).add(drop.digest)
        by_package: dict[tuple[str, str], list[Candidate]] = {}
        for rid in sorted(chosen):
            record = chosen[rid]
            for affected in record.affected:
                key = affected.key
                if key is not None:
                    by_package.setdefault(key, []).append(Candidate(record, affected))
        return cls(
            records=MappingProxyType(chosen),
            by_package=MappingProxyType({k: tuple(v) for k, v in by_package.items()}),
            replaced=MappingProxyType({k: tuple(sorted(v)) for k, v in replaced.items()}),
        )

    def __len__(self) -> int:
        return len(self.records)

    def candidates(self, ecosystem: str, name_key: str) -> tuple[Candidate, ...]:
        return self.by_package.get((ecosystem, name_key), ())

    def content_digest(self) -> str:
        """``sha256:`` over the lines ``"<id> <record digest>\\n"`` sorted by id.

        Identifies exactly which record versions the index holds; a caller that
        has a signed feed-snapshot digest should prefer that one in verdicts.
        """
        h = hashlib.sha256()
        for rid in sorted(self.records):
            h.update(f"{rid} {self.records[rid].digest}\n".encode())
        return "sha256:" + h.hexdigest()
