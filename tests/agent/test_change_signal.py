"""The agent's change signal: quiet while nothing is committed, fires once per commit
from any connection, also for a home whose path holds spaces and brackets."""

from __future__ import annotations

import time

from app.agent.change_signal import ChangeSignal
from tests.support.factories import add_release, make_site


def _soon(signal: ChangeSignal, within: float = 1.0) -> bool:
    """SQLite's signal is there at once; PostgreSQL's notification arrives a moment after
    the commit."""
    deadline = time.monotonic() + within
    while not signal.changed():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_fires_once_for_each_commit_elsewhere(tmp_path):
    site = make_site(tmp_path / "a home [1]")
    signal = ChangeSignal(site)
    try:
        assert not signal.changed()
        add_release(site)  # a commit through the site's own pool
        assert _soon(signal)
        time.sleep(0.1)
        assert not signal.changed()  # once per change
    finally:
        signal.close()
        site.close()


def test_a_commit_on_another_workstation_is_seen_within_a_second(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    site = make_site(tmp_path / "home")
    signal = ChangeSignal(site)
    try:
        assert not signal.changed()
        other = tmp_path / "workstation-b"
        other.mkdir()
        (other / "database.url").write_text(site.config.db_url, encoding="utf-8")
        script = ("from app.context import Site; from app.site import SiteConfig;"
                  "from tests.support.factories import add_release;"
                  f"s = Site.open(SiteConfig.resolve(home={str(other)!r})); add_release(s); s.close()")
        root = Path(__file__).resolve().parents[2]
        subprocess.run([sys.executable, "-c", script], cwd=root, check=True, timeout=60)
        committed = time.monotonic()
        while not signal.changed():
            assert time.monotonic() - committed < 1.0, "no change seen within 1 s"
            time.sleep(0.01)
    finally:
        signal.close()
        site.close()
