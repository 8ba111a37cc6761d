"""An environment's targets, each canary stage's share of them, and what the site
last deployed to each.

A stage of ``pct`` percent covers ``ceil(pct% × n)`` targets (at least one), the
first ones in name order, so stages are cumulative: the targets of canary 10% are
among those of 50%, and 100% covers all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.context import Site
from app.deploy.settings import environment
from app.drivers.base import Target
from app.errors import NotFound
from app.services import site_roster
from models import deploy_store


@dataclass(frozen=True)
class KnownRelease:
    """What the site last put on a target."""

    name: str
    version: str
    digest: str


def environment_targets(site: Site, env: str) -> list[Target]:
    """The targets the verified site roster holds for ``env`` (a row added to the
    targets table behind the product's back is never deployed to)."""
    roster = site_roster.read(site)
    if roster.environment(env) is None:
        raise NotFound(f"no environment named {env}")
    return [Target(env=env, name=t.name, driver=t.driver,
                   options={str(k): str(v) for k, v in t.options.items()})
            for t in roster.targets(env)]


def stage_count(percent: int, total: int) -> int:
    if total <= 0:
        return 0
    return max(1, min(total, (percent * total + 99) // 100))


def stage_targets(targets: Sequence[Target], percent: int) -> list[Target]:
    ordered = sorted(targets, key=lambda t: t.name)
    return ordered[:stage_count(percent, len(ordered))]


def plan(targets: Sequence[Target], percents: Sequence[int]) -> dict[str, list[str]]:
    """``{"deploy-10": ["eu-prod-01"], "deploy-50": [...], ...}``."""
    return {f"deploy-{p}": [t.name for t in stage_targets(targets, p)] for p in percents}


def known_releases(site: Site, env: str) -> dict[str, KnownRelease]:
    with site.db.read() as session:
        row = environment(session, env)
        found = deploy_store.target_releases(session, row.id)
        return {name: KnownRelease(rel.release_name, rel.version, rel.digest) for name, rel in found}


def remember(site: Site, env: str, target: str, release: KnownRelease,
             promotion_id: str | None, step: str | None) -> None:
    """Record that ``release`` is now on ``target`` (after a deploy or a rollback)."""
    with site.db.write() as session:
        row = environment(session, env)
        deploy_store.remember_target_release(
            session, row.id, target, release_name=release.name, version=release.version,
            digest=release.digest, promotion_id=promotion_id, step=step, at=site.clock.now())
