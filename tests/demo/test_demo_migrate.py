"""The demo site, as ``stella demo`` builds it (SQLite), moved with ``stella site migrate``
into an empty PostgreSQL database (on the PostgreSQL pass): every chain, the roster and
the site log verify there, and an auditor bundle exported from the copy is accepted by
``stella verify``."""

from __future__ import annotations

import json

import pytest

from app.cli.main import main
from app.context import Site
from app.demo import control, layout
from app.demo.builder import build
from app.services import identity
from app.site import SiteConfig
from tests.support import exporting, postgres


@pytest.mark.slow
@pytest.mark.skipif(postgres.server_url() is None,
                    reason="moving up is SQLite to PostgreSQL: the PostgreSQL pass runs it "
                           "(tests/app/test_site_migrate.py copies SQLite to SQLite)")
def test_the_demo_site_migrates_and_its_copy_exports_a_verifying_bundle(tmp_path, capsys):
    config = SiteConfig.resolve(home=tmp_path / "demo")
    try:
        build(config, say=lambda _line: None)
    finally:
        control.stop(config.paths)  # the copy needs the database, not the demo's processes
    server = postgres.server_url()
    target = postgres.fresh_database(server)
    home = str(config.paths.home)
    before = config.paths.db_file.read_bytes()

    capsys.readouterr()
    assert main(["--home", home, "--json", "site", "migrate", "--to", target]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"], report["problems"]
    assert report["runs_verified"] >= 6 and report["roster_records"] >= 7
    assert config.paths.db_file.read_bytes() == before  # the demo's own database untouched
    # the release bundles' files go into the shared database for the other workstations
    assert report["rows"]["bundle files (from the store folder)"] > 0

    copy = Site.open(SiteConfig.resolve(home=home, db_url=target))
    try:
        auditor = identity.authenticate(copy, "audrey", layout.DEMO_ONLY_PASSPHRASE)
        out = tmp_path / "out"
        out.mkdir()
        outcome = exporting.export(copy, "P-0001", "auditor", out, auditor)
    finally:
        copy.close()
    capsys.readouterr()
    assert main(["verify", str(out / outcome.files.archive.name)]) == 0, capsys.readouterr()
