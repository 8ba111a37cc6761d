"""The contract between the streaming verifier and a kind's content checks.

The verifier streams members once. For each member it asks :meth:`wants`
(before reading, from the header's size); wanted members are handed over by
:meth:`accept` only **after** their digest matched the signed manifest. At the
end :meth:`finish` validates what it saw and returns the kind's content summary
and its report lines. The same inspectors run on the authoring side, so
``bundle build`` refuses what ``bundle verify`` would reject.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from airgap_bundles.errors import BundleRejected, ContentTooLarge
from airgap_bundles.manifest import BundleManifest
from airgap_bundles.options import BundleLimits
from airgap_bundles.report import Check
from engine.crypto.strict_json import StrictJSONError, loads_strict


class KindContent(ABC):
    """Verified, kind-specific facts about a bundle's content."""

    @abstractmethod
    def to_json(self) -> dict[str, Any]: ...


class Inspector(ABC):
    def __init__(self, manifest: BundleManifest, limits: BundleLimits) -> None:
        self.manifest = manifest
        self.limits = limits
        self._held: dict[str, bytes] = {}
        self._held_size = 0

    @abstractmethod
    def wants(self, path: str, size: int) -> bool: ...

    def accept(self, path: str, data: bytes) -> None:
        """Default: keep the document until :meth:`finish`, within the buffer budget."""
        self._held_size += len(data)
        if self._held_size > self.limits.max_buffered_size:
            raise ContentTooLarge(
                f"documents to inspect exceed {self.limits.max_buffered_size} bytes in total",
                member=path,
            )
        self._held[path] = data

    @abstractmethod
    def finish(self) -> tuple[KindContent, list[Check]]: ...

    # --- helpers for subclasses ------------------------------------------------------

    def document_fits(self, path: str, size: int, limit: int | None = None) -> bool:
        cap = self.limits.max_document_size if limit is None else limit
        if size > cap:
            raise ContentTooLarge(
                f"is {size} bytes; documents are inspected up to {cap}", member=path
            )
        return True

    def held(self, path: str) -> bytes | None:
        return self._held.get(path)


def parse_json(data: bytes, error: type[BundleRejected], path: str) -> Any:
    try:
        return loads_strict(data)
    except StrictJSONError as exc:
        raise error(f"is not valid JSON: {exc}", member=path) from None


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
