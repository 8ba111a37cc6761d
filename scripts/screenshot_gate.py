"""Screenshots of the gate screens, on promotions ``scripts/screenshot_site.py`` adds to
its fixture site with :func:`build_gate`: Step Detail of Gate Eval (rules, findings, a
stale-feeds override), Replay/Verify (requests with a match and a mismatch, what-if),
the data health banner, and the Feeds and Platform Health pages.

The gate runs for real (the real OSV records and SBOMs of tests/data, stored through
the services the import calls); only the steps around it are doubles. The one
mismatch is made the way it happens in life: an SBOM in the site store replaced
after the verdict was recorded.

Alone, for a quick look at these screens only::

    python scripts/screenshot_gate.py --home /tmp/gate-shots --out /tmp/gate-png
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.executor import Executor  # noqa: E402
from app.services import actions, promotions, replay  # noqa: E402
from app.services.gate_inputs import release_root, release_row  # noqa: E402
from app.services.gate_override import override_stale_feeds  # noqa: E402
from devkit.factories import add_target, passphrase_of, who  # noqa: E402
from devkit.gate_data import (  # noqa: E402
    MAVEN_SBOM,
    POLICY,
    SHOP_SBOM,
    add_shop_release,
    fixture_records,
    gate_registry,
    store_feed,
    store_policy_doc,
    vex_document,
)
from engine.clock import rfc3339  # noqa: E402

Save = Callable[[object, str], None]
Until = Callable[..., None]
APPROVER_PASSPHRASE = passphrase_of("bob")  # the test site's approver
WITHDRAWN = ("GHSA-fjxv-7rqg-78g4", "GHSA-jf85-cpcp-j695", "GHSA-h4j5-c7cj-74xg")


def build_gate(site, clock) -> dict[str, str]:
    """Three real gate runs: blocked on criticals, passed with a warning, and blocked on
    stale feeds then let through by an approver's override. Then replays (one of which
    mismatches) and a newer snapshot and policy for what-if."""
    now = clock.now()
    store_feed(site, rfc3339(now - timedelta(hours=30)), ecosystems=["npm"],
                            records=fixture_records(["npm"]))
    store_policy_doc(site, {**POLICY, "version": 6, "rules": POLICY["rules"][2:]})
    add_target(site, "eu-prod", "eu-prod-01", "command")  # no deploy commands yet
    stale = promotions.create_promotion(site, add_shop_release(site, "11.0.9"), "eu-stage",
                                        who(site, "alice"))
    Executor(site, stale, gate_registry()).run(until="gate-eval")
    override_stale_feeds(site, stale, "bob", "OSV mirror down since 02:00; CR-5120 accepts "
                         "yesterday's data for the stage canary", APPROVER_PASSPHRASE)
    actions.act(site, stale, "retry", who(site, "olga"), "stale-feeds override recorded")
    Executor(site, stale, gate_registry()).run(until="gate-eval")

    store_feed(site, rfc3339(now - timedelta(hours=7)))  # fresh for the gate, WARN for ops
    store_policy_doc(site)
    vex = {"vex/shop.openvex.json": vex_document("CVE-2019-10744", "pkg:npm/lodash@2.4.2")}
    blocked = promotions.create_promotion(
        site, add_shop_release(site, "11.1.2", sboms=(SHOP_SBOM, MAVEN_SBOM), vex=vex),
        "eu-prod", who(site, "alice"), "eu-stage")
    Executor(site, blocked, gate_registry()).run(until="gate-eval")
    store_policy_doc(site, {**POLICY, "version": 8, "rules": POLICY["rules"][1:]})
    passed = promotions.create_promotion(site, add_shop_release(site, "11.1.3"), "eu-stage",
                                         who(site, "alice"))
    Executor(site, passed, gate_registry()).run(until="gate-eval")

    replay.replay_all(site, "audrey", "Quarterly audit: replay every verdict")
    with site.db.read() as session:
        row = release_row(session, promotions.load_run(site, passed)[1].release["digest"])
    sbom = release_root(site, row.digest, row.bundle_digest) / "sbom" / SHOP_SBOM
    sbom.write_bytes(sbom.read_bytes().replace(b"lodash@4.17.19", b"lodash@4.17.21")
                     .replace(b'"version": "4.17.19"', b'"version": "4.17.21"'))
    verdict = replay.requests(site, passed)[0].verdict_id
    replay.replay_verdict(site, verdict, "audrey", "SBOM store check after disk restore")
    kept = [(p, d) for p, d in fixture_records() if json.loads(d)["id"] not in WITHDRAWN]
    store_feed(site, rfc3339(clock.now() - timedelta(hours=2)), records=kept)
    return {"gate_blocked": blocked, "gate_passed": passed, "gate_override": stale}


def shoot_gate(window, site, ids: dict[str, str], out: Path, save: Save,
               until: Until) -> None:
    page = window.promotions
    view = page.run_view

    def show(pid: str) -> None:
        window.navigate("promotions")
        page.select(pid)
        until(lambda: view.snapshot is not None and view.snapshot.promotion_id == pid)

    show(ids["gate_blocked"])
    until(lambda: view.health_banner.report is not None)
    save(view, "health-banner.png")
    dialog = view.open_step_detail("gate-eval")
    dialog.resize(1180, 720)
    overview = dialog.overview
    until(lambda: overview.detail is not None)
    save(dialog, "gate-step-detail.png")
    overview.tabs.setCurrentIndex(1)
    overview.filter_edit.setText("lodash")
    save(dialog, "gate-step-detail-findings.png")
    overview.filter_edit.clear()
    overview.tabs.setCurrentIndex(2)
    save(dialog, "gate-step-detail-inputs.png")
    dialog.close()

    show(ids["gate_override"])
    dialog = view.open_step_detail("gate-eval")
    dialog.resize(1180, 720)
    until(lambda: dialog.overview.detail is not None)
    save(dialog, "gate-step-detail-override.png")
    dialog.close()

    show(ids["gate_passed"])
    view.replay_button.click()
    replay_page = window.current_page()
    until(lambda: replay_page.snapshot is not None
          and replay_page.snapshot.promotion_id == ids["gate_passed"])
    replay_page.requests_view.selectRow(0)
    save(window, "replay-verify.png")
    replay_page.tabs.setCurrentIndex(1)
    results: list = []
    replay_page.what_if_finished.connect(results.append)
    replay_page.scope.setCurrentIndex(0)
    replay_page.scope.activated.emit(0)
    until(lambda: replay_page.snapshot is not None and replay_page.snapshot.promotion_id is None)
    replay_page.run_what_if()
    until(lambda: bool(results), timeout_ms=30_000)
    replay_page.what_if_view.selectRow(next(
        (i for i in range(replay_page.what_if.rowCount()) if replay_page.what_if.row(i).flips),
        0))
    save(window, "replay-what-if.png")
    replay_page.tabs.setCurrentIndex(0)

    window.navigate("feeds-airgap")
    feeds = window.current_page()
    until(lambda: feeds.snapshot is not None)
    save(window, "health-feeds.png")
    window.navigate("platform-health")
    health_page = window.current_page()
    until(lambda: health_page.report is not None)
    save(window, "health-platform.png")
    window.navigate("promotions")


def main(argv: list[str] | None = None) -> int:
    from app.gui import application, main_window
    from devkit.factories import START, make_site
    from scripts import shots
    from scripts.screenshot_site import TickingClock, live_registry

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    clock = TickingClock(START - timedelta(hours=1))
    site = make_site(args.home, clock=clock)
    ids = build_gate(site, clock)
    app = application()
    window = main_window(site, live_registry)
    window.resize(1440, 920)
    window.show()

    until = shots.waiter("gate screenshots: the app did not reach the expected state")
    save = shots.saver(args.out)

    until(lambda: window.site_info is not None and window.promotions.model.rowCount() == 3)
    shoot_gate(window, site, ids, args.out, save, until)
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
