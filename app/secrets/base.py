"""The secret-provider interface and the values it hands out.

A :class:`SecretValue` never shows its bytes in ``repr``/``str``, nor a digest of them
(a digest of a short secret is a way to guess it): a value that ends up in a log line
or an exception message by mistake prints as its length.
Providers raise :class:`SecretMissing` (nothing there) or :class:`SecretRefused`
(something there that must not be used, e.g. a group-readable file); both say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from app.errors import Rejected
from engine.canonical import sha256_digest

_REF = re.compile(r"^([a-z][a-z0-9-]{0,15}):(\S{1,512})$")


class SecretsError(Rejected):
    """Base of every secrets error; ``ref`` names the input concerned when known."""

    def __init__(self, message: str, *, ref: str = "") -> None:
        super().__init__(message)
        self.ref = ref


class InputRefError(SecretsError):
    """An input reference that is not ``scheme:path``."""


class SecretMissing(SecretsError):
    """The provider has no value for the reference."""


class SecretRefused(SecretsError):
    """A value exists but may not be used (unsafe permissions, a link, too large…)."""


@dataclass(frozen=True)
class InputRef:
    """``vault:secret/platform/db-password`` → scheme ``vault``, path ``secret/platform/db-password``."""

    scheme: str
    path: str

    @classmethod
    def parse(cls, text: object) -> InputRef:
        if not isinstance(text, str):
            raise InputRefError(f"input {text!r} is not a string like 'env:NAME'")
        match = _REF.fullmatch(text)
        if match is None:
            raise InputRefError(
                f"input {text!r} is not of the form scheme:reference (e.g. env:PLATFORM_REGION, "
                "file:db-password, vault:secret/platform/db-password)", ref=text)
        return cls(match.group(1), match.group(2))

    def __str__(self) -> str:
        return f"{self.scheme}:{self.path}"


@dataclass(frozen=True)
class SecretValue:
    """Secret bytes that do not print themselves."""

    _value: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self._value, bytes):
            raise TypeError("a secret value is bytes")

    def reveal(self) -> bytes:
        """The bytes, for the one place that must hand them to a deployment."""
        return self._value

    def reveal_text(self) -> str:
        return self._value.decode("utf-8", errors="replace")

    @property
    def digest(self) -> str:
        return sha256_digest(self._value)

    def __repr__(self) -> str:
        return f"SecretValue(<{len(self._value)} bytes>)"

    __str__ = __repr__


@runtime_checkable
class SecretProvider(Protocol):
    """Resolves references of one scheme; raises SecretMissing / SecretRefused."""

    @property
    def scheme(self) -> str: ...

    @property
    def description(self) -> str: ...

    def resolve(self, ref: InputRef) -> SecretValue: ...
