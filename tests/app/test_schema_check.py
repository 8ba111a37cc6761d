"""Opening a site checks its schema revision with one query and loads Alembic only to
migrate a site that is behind."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import text

from app.context import Site
from app.site import SiteConfig
from models.migrate import _config, current_revision, head_revision


def test_head_revision_read_from_the_files_is_alembics_head():
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory.from_config(_config("sqlite://")).get_current_head()


def test_opening_a_current_site_does_not_load_alembic(site):
    assert current_revision(site.db.engine) == head_revision()
    probe = ("import sys, json\n"
             "from app.context import Site\nfrom app.site import SiteConfig\n"
             f"Site.open(SiteConfig.resolve(home={str(site.paths.home)!r})).row()\n"
             "print(json.dumps('alembic' in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         timeout=60)
    assert json.loads(out.stdout.strip().splitlines()[-1]) is False


def test_a_site_behind_is_migrated_on_open(site):
    from alembic import command

    command.downgrade(_config(site.config.db_url), "0007")
    assert current_revision(site.db.engine) == "0007"
    again = Site.open(SiteConfig.resolve(home=site.paths.home))
    assert current_revision(again.db.engine) == head_revision()
    again.close()


def test_a_database_without_revision_table_is_no_site(tmp_path):
    site = Site(SiteConfig.resolve(home=tmp_path))
    with site.db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE other (x INTEGER)"))
    assert current_revision(site.db.engine) is None
    site.close()
