"""Per-environment deploy settings in the site database (validated on the way in
and on the way out: a setting stored by an older build that no longer parses is
reported, not silently replaced by defaults)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.context import Site
from app.deploy.config import DeployConfig
from app.errors import NotFound
from app.services.roles import require_role
from models.tables import Environment, EnvironmentSettings

EDITORS = ("operator", "release-manager")


def environment(session: Session, name: str) -> Environment:
    row = session.scalar(select(Environment).where(Environment.name == name))
    if row is None:
        raise NotFound(f"no environment named {name}")
    return row


def deploy_config(site: Site, env: str) -> DeployConfig:
    with site.db.read() as session:
        row = environment(session, env)
        stored = session.get(EnvironmentSettings, row.id)
        data = dict(stored.settings) if stored is not None else {}
    return DeployConfig.from_json(data)


def set_deploy_config(site: Site, env: str, data: Mapping[str, Any], actor: str) -> DeployConfig:
    """Replace ``env``'s deploy settings after validating them; operators and release managers."""
    config = DeployConfig.from_json(data)
    with site.db.write() as session:
        require_role(session, actor, EDITORS, "change deploy settings")
        row = environment(session, env)
        stored = session.get(EnvironmentSettings, row.id)
        if stored is None:
            session.add(EnvironmentSettings(environment_id=row.id, settings=config.to_json(),
                                            updated_at=site.clock.now(), updated_by=actor))
        else:
            stored.settings = config.to_json()
            stored.updated_at = site.clock.now()
            stored.updated_by = actor
    return config
