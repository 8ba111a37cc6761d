"""Severity of an advisory for one package: CVSS first, ecosystem ratings second.

Order of sources, first that yields a rating wins:

1. CVSS vectors (``CVSS_V4``, ``CVSS_V3``, ``CVSS_V2``) scored with the ``cvss``
   package — from ``affected[].severity`` when the entry has any (the schema
   says per-package severity replaces the record's), else from the record's
   ``severity``. Of several valid vectors the highest base score is taken (a
   gate should not under-state), ties going to the newer CVSS version.
2. ``affected[].ecosystem_specific.severity``, ``affected[].database_specific.severity``,
   then the record's ``database_specific.severity`` (GHSA's ``MODERATE`` is
   read as ``MEDIUM``) and the ``Ubuntu`` priority.
3. Otherwise ``UNKNOWN`` with no score.

Ratings are always one of :data:`RATINGS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cvss import CVSS2, CVSS3, CVSS4, CVSSError

from engine.vuln.osv import Affected, OsvRecord, SeverityScore

RATINGS = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "NONE", "UNKNOWN")
RATING_ORDER = {name: rank for rank, name in enumerate(reversed(RATINGS))}
_WORDS = {
    "critical": "CRITICAL", "high": "HIGH", "important": "HIGH", "moderate": "MEDIUM",
    "medium": "MEDIUM", "low": "LOW", "negligible": "LOW", "none": "NONE",
}
_CVSS_RANK = {"CVSS_V4": 3, "CVSS_V3": 2, "CVSS_V2": 1}


@dataclass(frozen=True)
class Severity:
    rating: str
    score: float | None = None
    source: str | None = None  # e.g. "CVSS_V3", "database_specific"
    vector: str | None = None

    @property
    def rank(self) -> int:
        return RATING_ORDER[self.rating]


UNKNOWN = Severity("UNKNOWN")


def rating_from_word(word: Any) -> str | None:
    if not isinstance(word, str):
        return None
    return _WORDS.get(word.strip().lower())


def rating_from_score(score: float) -> str:
    """CVSS v3/v4 qualitative rating of a base score."""
    if score >= 9.0:
        return "CRITICAL"
    if score >= 7.0:
        return "HIGH"
    if score >= 4.0:
        return "MEDIUM"
    if score > 0.0:
        return "LOW"
    return "NONE"


def score_vector(entry: SeverityScore) -> Severity | None:
    """Score one CVSS entry; ``None`` when it is not CVSS or does not parse."""
    try:
        if entry.type == "CVSS_V4":
            v4 = CVSS4(entry.score)
            score = float(v4.base_score)
        elif entry.type == "CVSS_V3":
            score = float(CVSS3(entry.score).scores()[0])
        elif entry.type == "CVSS_V2":
            score = float(CVSS2(entry.score).scores()[0])
        else:
            return None
    except (CVSSError, ValueError, KeyError, TypeError):
        return None
    return Severity(rating_from_score(score), score, entry.type, entry.score)


def _best_cvss(entries: Iterable[SeverityScore]) -> Severity | None:
    scored = [s for s in (score_vector(e) for e in entries) if s is not None]
    if not scored:
        return None
    return max(scored, key=lambda s: (s.score or 0.0, _CVSS_RANK.get(s.source or "", 0)))


def _word_from(mapping: Mapping[str, Any] | None, source: str) -> Severity | None:
    if not mapping:
        return None
    rating = rating_from_word(mapping.get("severity"))
    return Severity(rating, None, source) if rating else None


def severity_of(record: OsvRecord, affected: Affected) -> Severity:
    """The severity of ``record`` for the package of ``affected`` (module docstring)."""
    cvss = _best_cvss(affected.severity or record.severity)
    if cvss is not None:
        return cvss
    for found in (
        _word_from(affected.ecosystem_specific, "ecosystem_specific"),
        _word_from(affected.database_specific, "database_specific"),
        _word_from(record.database_specific, "database_specific"),
    ):
        if found is not None:
            return found
    for entry in affected.severity or record.severity:
        if entry.type == "Ubuntu":
            rating = rating_from_word(entry.score)
            if rating:
                return Severity(rating, None, "Ubuntu")
    return UNKNOWN


def worst(severities: Iterable[Severity]) -> Severity:
    """The most severe (then highest-scored) of ``severities``; UNKNOWN when empty."""
    items = list(severities)
    if not items:
        return UNKNOWN
    return max(items, key=lambda s: (s.rank, s.score if s.score is not None else -1.0))
