"""stella agent start|stop|status: a detached agent on a site with no run to move."""

from __future__ import annotations

import json

from app.cli.main import main
from tests.support.factories import make_site


def stella(home, capsys, *argv) -> tuple[int, str]:
    code = main([*argv, "--home", str(home)])
    return code, capsys.readouterr().out


def test_start_status_stop(tmp_path, capsys):
    home = tmp_path / "home"
    make_site(home).close()
    assert stella(home, capsys, "agent", "status") == (0, "agent: not running\n")
    code, out = stella(home, capsys, "agent", "start")
    try:
        assert code == 0 and out.startswith("agent: running since ") and "(pid " in out
        code, out = stella(home, capsys, "agent", "status", "--json")
        status = json.loads(out)
        assert code == 0 and status["running"] and status["pid"] > 0
        assert status["log_file"].endswith(("run/agent.log", ".log"))  # agent-<db>.log off SQLite
        assert "/run/agent" in status["log_file"]
        code, again = stella(home, capsys, "agent", "start")  # one per site: the same one
        assert code == 0 and f"(pid {status['pid']})" in again
    finally:
        code, out = stella(home, capsys, "agent", "stop")
    assert code == 0 and out == f"agent: stopped (was pid {status['pid']})\n"
    assert stella(home, capsys, "agent", "status") == (0, "agent: not running\n")
    assert stella(home, capsys, "agent", "stop") == (0, "agent: not running\n")
