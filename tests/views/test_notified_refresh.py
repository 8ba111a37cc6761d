"""On PostgreSQL the GUI wakes on the database's notifications: a promotion created
through a second site home on the same database reaches the screens within 1 s, though
the poller's timer (the safety net, SQLite's only signal) would not tick for a minute."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.qt.context import GuiContext
from app.qt.db_notifications import DatabaseNotifications
from tests.support import postgres
from tests.support.doubles import doubles_registry
from tests.support.factories import add_release

ROOT = Path(__file__).resolve().parents[2]
SLOW_TIMER_MS = 60_000

pytestmark = pytest.mark.skipif(postgres.server_url() is None,
                                reason="SQLite has no cross-process notification: its GUI "
                                       "polls (tests/views/test_live_refresh.py)")

_CREATE = """
import json, sys, time
from app.context import Site
from app.services import promotions
from app.site import SiteConfig
from tests.support.factories import who
site = Site.open(SiteConfig.resolve(home=sys.argv[1]))
pid = promotions.create_promotion(site, "platform@1.3.0-rc1", "eu-stage", who(site, "alice"))
print(json.dumps({"id": pid, "committed": time.time()}))
site.close()
"""


def test_a_promotion_made_on_another_workstation_shows_within_a_second(qtbot, site, tmp_path):
    import shutil

    add_release(site)
    other = tmp_path / "workstation-b"
    shutil.copytree(site.paths.keys, other / "keys")
    (other / "database.url").write_text(site.config.db_url + "\n", encoding="utf-8")
    assert DatabaseNotifications.available(site)

    ctx = GuiContext(site, doubles_registry, poll_interval_ms=SLOW_TIMER_MS)
    seen: dict[str, float] = {}
    ctx.changes.changed.connect(lambda change: seen.update(
        dict.fromkeys(change.changes.promotions, time.time())))
    try:
        ctx.poller.start()
        qtbot.waitUntil(lambda: ctx.poller._known is not None, timeout=10_000)
        qtbot.wait(1_000)  # the listener is connected (its thread), the first poll done
        done = subprocess.run([sys.executable, "-c", _CREATE, str(other)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        made = json.loads(done.stdout)
        qtbot.waitUntil(lambda: made["id"] in seen, timeout=5_000)
        assert seen[made["id"]] - made["committed"] < 1.0
    finally:
        assert ctx.shutdown(10_000)
