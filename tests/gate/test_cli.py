"""``stella feeds | verdicts | replay | health | override`` on a site built by the services."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from app.cli.main import main
from engine.clock import rfc3339
from models.tables import GateVerdict
from tests.gate.conftest import run_to_gate
from tests.support.gate_data import POLICY, add_shop_release, store_feed, store_policy_doc


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_feeds_and_verdicts(gate_site, capsys):
    home = str(gate_site.paths.home)
    pid, _ = run_to_gate(gate_site, add_shop_release(gate_site))
    code, out, _ = _run(capsys, "feeds", "--home", home, "--json")
    data = json.loads(out)
    assert code == 0 and data["thresholds"] == {"feed_warn_hours": 6.0, "feed_fail_hours": 24.0}
    assert {(f["source"], f["ecosystem"]) for f in data["freshness"]} >= {("osv", "npm"),
                                                                       ("osv", "Debian")}
    assert [s["records"] for s in data["snapshots"]] == [349]
    code, out, _ = _run(capsys, "verdicts", pid, "--home", home)
    assert code == 0 and f"{pid} #1  BLOCK" in out
    code, _, err = _run(capsys, "verdicts", "P-9999", "--home", home)
    assert code == 3 and "no promotion P-9999" in err


def test_replay_one_all_and_mismatch_exit_codes(gate_site, capsys):
    home = str(gate_site.paths.home)
    pid, _ = run_to_gate(gate_site, add_shop_release(gate_site))
    [verdict] = json.loads(_run(capsys, "verdicts", "--home", home, "--json")[1])
    code, out, _ = _run(capsys, "replay", verdict["verdict_id"], "--home", home, "--as", "audrey",
                        "--reason", "audit")
    assert code == 0 and out.startswith(f"rr-001  {verdict['verdict_id']}  {pid}  COMPLETED  match")
    code, out, _ = _run(capsys, "replay", "--all", "--home", home, "--json")
    data = json.loads(out)
    assert code == 0 and data["determinism"]["match_rate"] == 1.0
    assert data["requests"][0]["requested_by"] == "cli"
    with gate_site.db.write() as session:  # tamper with the stored baseline
        row = session.get(GateVerdict, 1)
        material = json.loads(row.replay)
        material["baseline"]["known"] = ["GHSA-29mw-wpgm-hmr9"]
        session.execute(update(GateVerdict).values(replay=json.dumps(material).encode()))
    code, out, _ = _run(capsys, "replay", "--all", "--home", home)
    assert code == 1
    assert "MISMATCH" in out and "input baseline/digest" in out
    assert "finding changed: GHSA-29mw-wpgm-hmr9 npm/lodash@4.17.19 (new)" in out
    assert "Determinism: total 3 | matching 2 | mismatches 1 | match rate 67%" in out
    code, _, err = _run(capsys, "replay", "--home", home)
    assert code == 2 and "give a verdict id or --all" in err


def test_what_if(gate_site, capsys):
    home = str(gate_site.paths.home)
    pid, _ = run_to_gate(gate_site, add_shop_release(gate_site))
    store_policy_doc(gate_site, {**POLICY, "version": 8, "rules": []})
    # The CLI's clock is the system clock: a snapshot taken an hour ago is fresh now.
    store_feed(gate_site, rfc3339(datetime.now(UTC) - timedelta(hours=1)))
    code, out, _ = _run(capsys, "replay", "--all", "--what-if", "--home", home)
    assert code == 0 and out.splitlines()[0].endswith(f"{pid}  block → pass  WOULD FLIP")
    code, out, _ = _run(capsys, "replay", "--all", "--what-if", "--home", home, "--json")
    [result] = json.loads(out)
    assert (result["promotion"], result["before"], result["after"]) == (pid, "block", "pass")
    assert [r["id"] for r in result["diff"]["rules"]] == ["no-critical", "reachable-high",
                                                          "unfixed"]


def test_health_and_thresholds(gate_site, capsys):
    home = str(gate_site.paths.home)
    code, out, _ = _run(capsys, "health", "--home", home, "--json", "--no-probe")
    data = json.loads(out)
    assert set(data["sections"]) == {"feeds", "jobs", "integrations"}
    assert code == (1 if data["status"] == "FAIL" else 0)
    code, out, _ = _run(capsys, "health", "thresholds", "--feed-warn-hours", "12",
                        "--feed-fail-hours", "48", "--home", home, "--as", "olga")
    assert code == 0 and out.strip() == "feed freshness: WARN from 12h, FAIL from 48h"
    code, _, err = _run(capsys, "health", "thresholds", "--feed-warn-hours", "12",
                        "--feed-fail-hours", "48", "--home", home, "--as", "audrey")
    assert code == 1 and "may not change the data health thresholds" in err


def test_override_stale_feeds(site, capsys, monkeypatch):
    home = str(site.paths.home)
    store_feed(site, "2026-02-17T06:00:00Z")
    store_policy_doc(site, {**POLICY, "rules": []})
    pid, _ = run_to_gate(site, add_shop_release(site))
    code, _, err = _run(capsys, "override", "stale-feeds", pid, "--home", home, "--as", "bob",
                        "--reason", "mirror down")
    assert code == 1 and "give its passphrase" in err
    monkeypatch.setenv("STELLA_PASSPHRASE", "bob-passphrase")
    code, out, _ = _run(capsys, "override", "stale-feeds", pid, "--home", home, "--as", "bob",
                        "--reason", "mirror down")
    assert code == 0 and f"{pid}: stale-feeds override recorded" in out
    code, _, err = _run(capsys, "override", "stale-feeds", pid, "--home", home, "--as", "bob")
    assert code == 2 and "--reason" in err
