"""The one liveness rule for run leases and scheduled attempts (engine/run/lease.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.run import lease

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)


def _alive(pid: int) -> bool:
    return pid == 100


def test_fresh_holder_on_another_host_is_live() -> None:
    holder = lease.Holder("other", 999, NOW - timedelta(seconds=5))
    assert lease.liveness(holder, NOW, TTL, "here", _alive) == lease.LIVE


def test_a_dead_process_on_this_host_is_gone_even_with_a_fresh_heartbeat() -> None:
    holder = lease.Holder("here", 999, NOW)
    assert lease.liveness(holder, NOW, TTL, "here", _alive) == lease.GONE
    assert not lease.is_alive(holder, NOW, TTL, "here", _alive)


def test_an_old_heartbeat_is_stale_and_not_alive() -> None:
    holder = lease.Holder("here", 100, NOW - TTL)
    assert lease.liveness(holder, NOW, TTL, "here", _alive) == lease.STALE
    assert not lease.is_alive(holder, NOW, TTL, "here", _alive)


def test_a_stored_time_without_a_zone_is_read_in_the_clock_zone() -> None:
    holder = lease.Holder("here", 100, (NOW - timedelta(seconds=1)).replace(tzinfo=None))
    assert lease.is_alive(holder, NOW, TTL, "here", _alive)


def test_a_process_elsewhere_cannot_be_known_gone() -> None:
    assert not lease.process_gone("other", 999, "here", _alive)
    assert lease.process_gone("here", 999, "here", _alive)
