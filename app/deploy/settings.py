"""Per-environment deploy settings, as the verified site roster holds them (validated
on the way in and on the way out: a setting stored by an older build that no longer
parses is reported, not silently replaced by defaults). Only an admin changes them,
with a signed roster record; the ``environment_settings`` rows are a projection."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from app.context import Site
from app.deploy.config import DeployConfig
from app.errors import NotFound
from app.services import setup, site_roster
from models import deploy_store
from models.tables import Environment

if TYPE_CHECKING:
    from app.services.identity import Identity


def environment(session: Any, name: str) -> Environment:
    """The environment's row in the caller's transaction, or NotFound."""
    row = deploy_store.environment(session, name)
    if row is None:
        raise NotFound(f"no environment named {name}")
    return row


def deploy_config(site: Site, env: str) -> DeployConfig:
    """What the executor deploys with: read from the verified roster, never a row alone
    (a deploy command is too powerful to take from a table anyone could write)."""
    found = site_roster.read(site).environment(env)
    if found is None:
        raise NotFound(f"no environment named {env}")
    return DeployConfig.from_json(dict(found.settings.get("deploy") or {}))


def set_deploy_config(site: Site, env: str, data: Mapping[str, Any],
                      admin: Identity) -> DeployConfig:
    """Replace ``env``'s deploy settings after validating them; an admin's signed change."""
    config = DeployConfig.from_json(data)
    setup.configure_environment(site, admin, env, {"deploy": config.to_json()})
    return config
