"""Build sites, releases and promotions for tests without going through bundles."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from app.context import Site
from app.services import setup
from app.services.releases import register_release
from app.site import SiteConfig
from engine.clock import Clock, FixedClock

START = datetime(2026, 2, 18, 8, 30, tzinfo=UTC)


def make_site(home: Path, clock: Clock | None = None, db_url: str | None = None) -> Site:
    config = SiteConfig.resolve(home=home, db_url=db_url, clock=clock or FixedClock(START))
    site = setup.init_site(config, "test-site")
    setup.add_environment(site, "eu-stage")
    setup.add_environment(site, "eu-prod", approvals_required=1)
    setup.add_user(site, "alice", "release-manager")
    setup.add_user(site, "olga", "operator")
    setup.add_user(site, "bob", "approver")
    setup.add_user(site, "carol", "approver")
    setup.add_user(site, "audrey", "auditor")
    return site


def add_release(site: Site, name: str = "platform", version: str = "1.3.0-rc1") -> str:
    manifest = {"name": name, "version": version, "workflow": "canary-10-50-100",
                "components": [{"name": "api", "image": "registry.local/platform/api",
                                "digest": "sha256:" + "ab" * 32, "sbom": "sbom/api.cdx.json"}],
                "inputs": []}
    with site.db.write() as session:
        release = register_release(session, json.dumps(manifest).encode(), None, site.clock.now())
    return release.digest
