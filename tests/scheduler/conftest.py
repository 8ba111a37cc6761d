"""Scheduler fixtures: a fresh site per test (copied from one built once), a clock the
test moves, and helpers to put feeds and promotions on it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.context import Site
from app.services import promotions, scheduler_tick
from app.site import SiteConfig
from engine.canonical import sha256_digest
from engine.clock import FixedClock, rfc3339
from tests.support.doubles import doubles_registry
from tests.support.factories import START, add_release, make_site, who
from tests.support.gate_data import store_feed
from tests.support.postgres import copy_home

OPENS = START + timedelta(hours=1)  # 09:30, an hour after the test clock starts


@pytest.fixture(scope="session")
def _template(tmp_path_factory):
    home = tmp_path_factory.mktemp("scheduler-template") / "home"
    make_site(home).close()
    return home


@pytest.fixture
def clock():
    return FixedClock(START)


@pytest.fixture
def site(_template, tmp_path, clock):
    home = tmp_path / "home"
    copy_home(_template, home)
    opened = Site.open(SiteConfig.resolve(home=home, clock=clock))
    yield opened
    opened.close()


def new_promotion(site: Site, to_env: str = "eu-stage") -> str:
    add_release(site)
    return promotions.create_promotion(site, "platform@1.3.0-rc1", to_env, who(site, "alice"),
                                       "eu-stage" if to_env == "eu-prod" else None)


def feed_taken(site: Site, when: datetime, ecosystem: str = "npm") -> str:
    """A feed snapshot (no records) whose data was taken at ``when``."""
    return store_feed(site, rfc3339(when), ecosystems=[ecosystem], records=[],
                      digest=sha256_digest(f"{rfc3339(when)} {ecosystem}".encode()))


def tick(site: Site, runner=None, now=None):
    return scheduler_tick.tick(site, runner or scheduler_tick.executor_runner(doubles_registry()),
                               now)
