"""The agent's change signal: quiet while nothing is committed, fires once per commit
from any connection, also for a home whose path holds spaces and brackets."""

from __future__ import annotations

from app.agent.change_signal import ChangeSignal
from tests.support.factories import add_release, make_site


def test_fires_once_for_each_commit_elsewhere(tmp_path):
    site = make_site(tmp_path / "a home [1]")
    signal = ChangeSignal(site)
    try:
        assert not signal.changed()
        add_release(site)  # a commit through the site's own pool
        assert signal.changed()
        assert not signal.changed()  # once per change
    finally:
        signal.close()
        site.close()
