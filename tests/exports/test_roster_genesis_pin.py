"""A database writer replaces the site roster wholesale with one starting from a record
#0 of their own (their own first admin): every rule of the roster holds, but record #0
is not the one pinned in the site's keys folder, so the site refuses it."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from app.cli.main import main
from app.services import site_roster
from app.services.history import history_of
from engine.roster import site_created, verify_roster
from models import roster_store
from models.tables import RosterRecordRow
from tests.support import exporting
from tests.support.factories import signer_of


def test_the_site_pins_record_0_outside_the_database(sealed):
    site, _ = sealed
    pinned = (site.paths.keys / site_roster.GENESIS_PIN).read_text().strip()
    assert pinned == site_roster.read(site).records[0].hash


def test_a_roster_replaced_wholesale_is_refused(sealed, capsys):
    site, pid = sealed
    mallory = signer_of("mallory")
    fake = verify_roster([site_created(site.row().name, "mallory", mallory,
                                       mallory.public_key.to_pem(), "2026-01-01T00:00:00Z")])
    with site.db.write() as session:
        session.execute(delete(RosterRecordRow))
        roster_store.append(session, fake.records)
    with pytest.raises(site_roster.RosterDamaged, match="pinned"):
        site_roster.read(site)
    check = history_of(site, pid)
    assert not check.ok and "the roster was replaced in the database" in check.summary
    capsys.readouterr()
    assert main(["timeline", pid, "--home", str(site.paths.home)]) == 1
    assert "pinned" in capsys.readouterr().err


def test_an_export_never_ships_a_replaced_roster(sealed, tmp_path):
    from tests.support.factories import who

    site, pid = sealed
    real = who(site, "audrey")
    mallory = signer_of("mallory")
    fake = verify_roster([site_created(site.row().name, "mallory", mallory,
                                       mallory.public_key.to_pem(), "2026-01-01T00:00:00Z")])
    with site.db.write() as session:
        session.execute(delete(RosterRecordRow))
        roster_store.append(session, fake.records)
    with pytest.raises(site_roster.RosterDamaged, match="pinned"):
        exporting.export(site, pid, "auditor", tmp_path, real)
    assert not list(tmp_path.glob("*.tar.gz"))
