"""Version parsing and ordering per ecosystem, through ``univers``.

OSV ranges come in two orderings: ``SEMVER`` (SemVer 2.0 precedence) and
``ECOSYSTEM`` (the package manager's own rules: PEP 440, Maven, Debian, apk,
RubyGems...). :func:`scheme_for` picks the ``univers`` class for a range, and
:meth:`VersionScheme.parse` returns ``None`` for a string the scheme cannot
read — the caller then records why a range could not be evaluated instead of
guessing.

Only ``<`` is used to compare parsed versions: some ``univers`` classes
(Gentoo/Alpine) define ``<`` and ``==`` through their own ``vercmp`` but leave
``<=`` to a field-wise default, so ``a <= b`` is written ``not b < a``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from univers.versions import SemverVersion, Version

from engine.vuln.ecosystems import ECOSYSTEMS


@lru_cache(maxsize=262_144)
def _parse(cls: type[Version], strip_build: bool, text: str) -> Version | None:
    candidate = text.strip()
    if strip_build:
        # SemVer 2.0 §10: build metadata does not take part in precedence
        # (Go's "+incompatible" is such metadata too).
        candidate = candidate.split("+", 1)[0]
    if not candidate:
        return None
    try:
        return cls(candidate)
    except Exception:  # univers raises several types for unreadable strings
        return None


@dataclass(frozen=True)
class VersionScheme:
    """How one range's (or one ecosystem's) version strings are read and ordered."""

    version_class: type[Version]
    strip_build: bool

    @property
    def name(self) -> str:
        return self.version_class.__name__

    def parse(self, text: str) -> Version | None:
        return _parse(self.version_class, self.strip_build, text)  # type: ignore[arg-type]  # a class hashes


def scheme_for(ecosystem: str, range_type: str | None) -> VersionScheme | None:
    """The scheme for ``range_type`` (``SEMVER``/``ECOSYSTEM``, or ``None`` for a
    ``versions`` list) in ``ecosystem``; ``None`` when the ecosystem is unknown."""
    spec = ECOSYSTEMS.get(ecosystem)
    if range_type == "SEMVER":
        if spec is not None and issubclass(spec.version_class, SemverVersion):
            return VersionScheme(spec.version_class, True)
        return VersionScheme(SemverVersion, True)
    if spec is None:
        return None
    return VersionScheme(spec.version_class, issubclass(spec.version_class, SemverVersion))


def less(a: Version, b: Version) -> bool:
    return bool(a < b)


def at_least(a: Version, b: Version) -> bool:
    """``a >= b`` using only ``<``."""
    return not a < b
