"""Resolve a release's declared inputs (DESIGN §4.4 ``inputs``) through the site's
providers, recording which resolved and which are missing and why.

Only digests leave this module in anything that is stored: :meth:`ResolvedInputs.record`
is the evidence form. The values stay in memory, in :class:`SecretValue`, for the one
deployment that needs them (:meth:`ResolvedInputs.environment`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.secrets.base import (
    InputRef,
    InputRefError,
    SecretMissing,
    SecretProvider,
    SecretRefused,
    SecretValue,
)
from app.secrets.environ import EnvironmentProvider
from app.secrets.folder import SiteSecretsFolder

ENV_PREFIX = "STELLA_INPUT_"
_UNSAFE = re.compile(r"[^A-Z0-9]+")

RESOLVED = "resolved"
MISSING = "missing"


@dataclass(frozen=True)
class Resolution:
    """What happened to one input: resolved (with the value's digest) or missing (why)."""

    ref: str
    scheme: str
    provider: str
    status: str
    digest: str | None = None
    reason: str = ""
    value: SecretValue | None = field(default=None, repr=False, compare=False)

    @property
    def resolved(self) -> bool:
        return self.status == RESOLVED

    def record(self) -> dict[str, Any]:
        """The stored form: never the value."""
        out: dict[str, Any] = {"ref": self.ref, "scheme": self.scheme, "provider": self.provider,
                               "status": self.status}
        if self.digest:
            out["digest"] = self.digest
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class ResolvedInputs:
    items: tuple[Resolution, ...]

    @property
    def missing(self) -> list[Resolution]:
        return [r for r in self.items if not r.resolved]

    @property
    def resolved(self) -> list[Resolution]:
        return [r for r in self.items if r.resolved]

    def record(self) -> list[dict[str, Any]]:
        return [r.record() for r in self.items]

    def digests(self) -> dict[str, str]:
        return {r.ref: r.digest for r in self.items if r.digest}

    def secret_values(self) -> list[bytes]:
        """Every resolved value, for redacting them out of command output."""
        return [r.value.reveal() for r in self.items if r.value is not None]

    def environment(self) -> dict[str, str]:
        """``STELLA_INPUT_<REF>`` variables for command deployments, e.g.
        ``vault:secret/platform/db-password`` → ``STELLA_INPUT_SECRET_PLATFORM_DB_PASSWORD``."""
        out: dict[str, str] = {}
        for item in self.items:
            if item.value is None:
                continue
            name = env_name(item.ref)
            if name in out:
                raise InputRefError(f"inputs {item.ref} and another one both map to {name}", ref=item.ref)
            out[name] = item.value.reveal_text()
        return out


def env_name(ref: str) -> str:
    path = InputRef.parse(ref).path
    return ENV_PREFIX + _UNSAFE.sub("_", path.upper()).strip("_")


class InputResolver:
    """Resolves references by scheme; a scheme without a provider is reported missing."""

    def __init__(self, providers: Sequence[SecretProvider],
                 digest: Callable[[bytes], str] | None = None) -> None:
        """``digest`` makes the recorded digest of a value (a site passes its keyed one,
        :mod:`app.secrets.digest_key`); without it, plain SHA-256."""
        self._digest = digest
        self._providers: dict[str, SecretProvider] = {}
        for provider in providers:
            if provider.scheme in self._providers:
                raise ValueError(f"two secret providers for the scheme {provider.scheme!r}")
            self._providers[provider.scheme] = provider

    @property
    def schemes(self) -> list[str]:
        return sorted(self._providers)

    def resolve(self, text: object) -> Resolution:
        try:
            ref = InputRef.parse(text)
        except InputRefError as err:
            return Resolution(str(text), "", "", MISSING, reason=err.message)
        provider = self._providers.get(ref.scheme)
        if provider is None:
            extra = " (a Vault/OpenBao provider can be added to the site)" if ref.scheme == "vault" else ""
            return Resolution(str(ref), ref.scheme, "", MISSING, reason=(
                f"no '{ref.scheme}' secret provider is configured at this site{extra}; configured: "
                f"{', '.join(self.schemes) or 'none'}"))
        try:
            value = provider.resolve(ref)
        except (SecretMissing, SecretRefused, InputRefError) as err:
            return Resolution(str(ref), ref.scheme, provider.description, MISSING, reason=err.message)
        digest = self._digest(value.reveal()) if self._digest else value.digest
        return Resolution(str(ref), ref.scheme, provider.description, RESOLVED, digest=digest,
                          value=value)

    def resolve_all(self, refs: Sequence[object]) -> ResolvedInputs:
        return ResolvedInputs(tuple(self.resolve(ref) for ref in refs))


def site_providers(secrets_folder: Any, environ: Mapping[str, str] | None = None) -> list[SecretProvider]:
    """The providers every site has: its secrets folder and environment variables."""
    return [SiteSecretsFolder(secrets_folder), EnvironmentProvider(environ)]
