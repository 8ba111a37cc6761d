"""Secret providers behind one interface (issue 6 item 5).

- :mod:`app.secrets.base` — :class:`SecretProvider`, :class:`SecretValue`, :class:`InputRef`;
- :mod:`app.secrets.folder` — the site secrets folder, per-file permissions checked;
- :mod:`app.secrets.environ` — environment variables;
- :mod:`app.secrets.resolver` — resolve a release's declared ``inputs`` through them.

A Vault/OpenBao provider joins by implementing :class:`SecretProvider` for the
``vault`` scheme and being passed to :class:`app.secrets.resolver.InputResolver`.
"""

from app.secrets.base import (
    InputRef,
    InputRefError,
    SecretMissing,
    SecretProvider,
    SecretRefused,
    SecretsError,
    SecretValue,
)
from app.secrets.environ import EnvironmentProvider
from app.secrets.folder import SiteSecretsFolder
from app.secrets.resolver import InputResolver, Resolution, ResolvedInputs, site_providers

__all__ = [
    "EnvironmentProvider",
    "InputRef",
    "InputRefError",
    "InputResolver",
    "Resolution",
    "ResolvedInputs",
    "SecretMissing",
    "SecretProvider",
    "SecretRefused",
    "SecretValue",
    "SecretsError",
    "SiteSecretsFolder",
    "site_providers",
]
