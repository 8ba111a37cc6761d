"""``stella site migrate --to URL``: a site with a finished run is copied into an empty
database (PostgreSQL on the PostgreSQL pass, another SQLite file otherwise), verified
there, and its own database is left as it was."""

from __future__ import annotations

import json

from app.cli.main import main
from app.context import Site
from app.executor import Executor
from app.services import promotions
from app.site import SiteConfig
from models.db import sqlite_url
from tests.support import postgres
from tests.support.doubles import doubles_registry
from tests.support.factories import add_release, make_site, who


def _empty_url(tmp_path) -> str:
    server = postgres.server_url()
    return postgres.fresh_database(server) if server else sqlite_url(tmp_path / "copy.db")


def test_migrate_copies_and_verifies_and_leaves_the_source(tmp_path, capsys) -> None:
    home = tmp_path / "home"
    site = make_site(home, db_url=sqlite_url(home.resolve() / "stella.db"))  # SQLite on both passes
    add_release(site)
    done = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
    Executor(site, done, doubles_registry()).run()
    waiting = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-prod", who(site, "alice"))
    home = str(site.paths.home)
    site.close()
    before = site.paths.db_file.read_bytes()
    target = _empty_url(tmp_path)

    assert main(["--home", home, "--json", "site", "migrate", "--to", target]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["runs_verified"] == 2 and report["roster_records"] >= 7
    assert report["rows"]["run_events"] > 10
    assert site.paths.db_file.read_bytes() == before  # the source is untouched

    copy = Site.open(SiteConfig.resolve(home=home, db_url=target))
    try:
        original = Site.open(SiteConfig.resolve(home=home))
        try:
            for pid in (done, waiting):
                assert [e.hash for e in promotions.load_run(copy, pid)[0]] == \
                    [e.hash for e in promotions.load_run(original, pid)[0]]
        finally:
            original.close()
        assert promotions.load_run(copy, done)[1].status == "completed"
        # the copy is a working site: ids and log continue after the copied ones
        again = promotions.create_promotion(copy, "platform@1.3.0-rc1", "eu-stage",
                                            who(copy, "alice"))
        assert again not in (done, waiting)
    finally:
        copy.close()

    capsys.readouterr()
    assert main(["--home", home, "site", "migrate", "--to", target]) != 0
    assert "not empty" in capsys.readouterr().err  # a second copy is refused, said plainly
