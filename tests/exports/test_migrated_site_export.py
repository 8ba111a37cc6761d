"""A site moved with ``stella site migrate`` (to PostgreSQL on the PostgreSQL pass) exports
an auditor bundle of a sealed run that ``stella verify`` accepts."""

from __future__ import annotations

from app.cli.main import main
from app.context import Site
from app.services.site_migrate import migrate_site
from app.site import SiteConfig
from engine.clock import FixedClock
from models.db import sqlite_url
from tests.support import exporting, postgres
from tests.support.factories import START, who


def test_the_auditor_bundle_from_the_copy_verifies(sealed, tmp_path, capsys) -> None:
    site, pid = sealed
    config = site.config
    site.close()
    server = postgres.server_url()
    target = postgres.fresh_database(server) if server else sqlite_url(tmp_path / "copy.db")

    report = migrate_site(config, target)
    assert report.ok, report.problems

    copy = Site.open(SiteConfig.resolve(home=config.paths.home, db_url=target,
                                        clock=FixedClock(START)))
    try:
        out = tmp_path / "out"
        out.mkdir()
        outcome = exporting.export(copy, pid, "auditor", out, who(copy, "audrey"))
    finally:
        copy.close()
    capsys.readouterr()
    assert main(["verify", str(out / outcome.files.archive.name)]) == 0, capsys.readouterr()
