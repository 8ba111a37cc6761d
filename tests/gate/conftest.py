"""Gate fixtures: a site with the real fixture feed snapshot and the test policy.

The site is built once per session by the real services and copied per test
(key generation and migrations are the slow part of a new site).
"""

from __future__ import annotations

import pytest

from app.context import Site
from app.executor import Executor
from app.services import promotions
from app.site import SiteConfig
from engine.clock import FixedClock
from engine.run.state import RunState
from tests.support.factories import START, make_site, who
from tests.support.gate_data import gate_registry, store_feed, store_policy_doc
from tests.support.postgres import copy_home


@pytest.fixture(scope="session")
def _templates(tmp_path_factory):
    root = tmp_path_factory.mktemp("gate-templates")
    make_site(root / "bare").close()
    copy_home(root / "bare", root / "gate")
    site = Site.open(SiteConfig.resolve(home=root / "gate", clock=FixedClock(START)))
    store_feed(site)
    store_policy_doc(site)
    site.close()
    return root


def _open_copy(template, tmp_path) -> Site:
    home = tmp_path / "home"
    copy_home(template, home)
    return Site.open(SiteConfig.resolve(home=home, clock=FixedClock(START)))


@pytest.fixture
def site(_templates, tmp_path):
    """A fresh site without feeds or policy."""
    opened = _open_copy(_templates / "bare", tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def gate_site(_templates, tmp_path):
    """A fresh site with the fixture feed snapshot (05:30, three hours old) and POLICY."""
    opened = _open_copy(_templates / "gate", tmp_path)
    yield opened
    opened.close()


def run_to_gate(site, release_digest: str, to_env: str = "eu-stage", requester: str = "alice",
                registry=None) -> tuple[str, RunState]:
    """Create a promotion and run it through the gate; return its id and state."""
    pid = promotions.create_promotion(site, release_digest, to_env, who(site, requester),
                                      "eu-stage" if to_env == "eu-prod" else None)
    Executor(site, pid, registry or gate_registry()).run(until="gate-eval")
    return pid, promotions.load_run(site, pid)[1]
