"""A site with a trust root and a promotion run to completion with real evidence and seal."""

from __future__ import annotations

import pytest

from app.context import Site
from app.site import SiteConfig
from devkit.sealed_site import install_trust_root, sealed_promotion
from engine.clock import FixedClock
from tests.support import exporting
from tests.support.factories import START, make_site, who
from tests.support.postgres import copy_home


def _open(home):
    return Site.open(SiteConfig.resolve(home=home, clock=FixedClock(START)))


@pytest.fixture(scope="session")
def _templates(tmp_path_factory):
    """Sites built once per session; each test gets its own copy of the home folder."""
    root = tmp_path_factory.mktemp("templates")
    trusted = make_site(root / "trusted")
    install_trust_root(trusted)
    trusted.close()
    copy_home(root / "trusted", root / "sealed")
    site = _open(root / "sealed")
    pid = sealed_promotion(site)
    site.close()
    return {"trusted": root / "trusted", "sealed": root / "sealed", "pid": pid}


@pytest.fixture
def trusted_site(_templates, tmp_path):
    site = _open(copy_home(_templates["trusted"], tmp_path / "home"))
    yield site
    site.close()


@pytest.fixture
def sealed(_templates, tmp_path):
    site = _open(copy_home(_templates["sealed"], tmp_path / "home"))
    yield site, _templates["pid"]
    site.close()


def extract(archive, into):
    """Unpack an export with the standard library, as an auditor would."""
    import tarfile

    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


@pytest.fixture(scope="module")
def auditor_export(_templates, tmp_path_factory):
    """One sealed run exported once as an auditor bundle, shared by read-only tests."""

    root = tmp_path_factory.mktemp("auditor")
    site = _open(copy_home(_templates["sealed"], root / "home"))
    pid = _templates["pid"]
    out = root / "out"
    out.mkdir()
    outcome = exporting.export(site, pid, "auditor", out, who(site, "audrey"))
    archive = out / outcome.files.archive.name
    folder = extract(archive, root / "extracted")
    yield {"site": site, "pid": pid, "outcome": outcome, "archive": archive, "folder": folder,
           "root": root}
    site.close()
