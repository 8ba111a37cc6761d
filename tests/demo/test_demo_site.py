"""The demo site of `make run`, built for real: sample bundles through the import
door, a demo fleet on 127.0.0.1, promotions in every interesting state, and every
recorded verdict replays to the same decision digest."""

from __future__ import annotations

import pytest

from app.context import Site
from app.demo import control, layout
from app.demo.builder import build
from app.services import evidence, identity, promotions, replay, scheduler, site_roster
from app.site import SiteConfig


@pytest.mark.slow
def test_demo_site_has_every_state_and_its_verdicts_replay(tmp_path):
    config = SiteConfig.resolve(home=tmp_path / "demo")
    try:
        summary = build(config, say=lambda _line: None)
        site = Site.open(config)
        states = {p.id: (p.release_version, p.to_env, p.status, p.current_step)
                  for p in promotions.list_promotions(site)}
        assert states["P-0001"][2] == "completed"
        assert states["P-0002"][2] == "completed"
        assert states["P-0003"][:3] == ("1.3.0-rc1-bad", "eu-stage", "rolled-back")
        assert states["P-0004"][2:] == ("waiting", "approval")
        assert summary.live == "P-0005" and states["P-0005"][3] == "deploy-start"
        assert [s.promotion_id for s in scheduler.list_schedules(site)] == ["P-0006"]
        for sealed in ("P-0001", "P-0002"):
            assert evidence.list_evidence(site, sealed)[-1].name == "proof-chain"
        admin = identity.authenticate(site, "admin", layout.DEMO_ONLY_PASSPHRASE)
        assert admin.role == "admin" and site_roster.read(site).is_admin("admin")
        results = replay.replay_all(site, "audrey", "demo determinism check")
        assert len(results) >= 5
        assert {r.result for r in results} == {"match"}, [(r.verdict_id, r.diff) for r in results]
        site.close()
    finally:
        control.stop(config.paths)
