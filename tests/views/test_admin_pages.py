"""Approvals, Release Control, Integrations and Security on a real site: each page
loads its rows in a worker and shows them; the models pass Qt's model checks."""

from __future__ import annotations

from pathlib import Path

import pytest

import airgap_bundles
from app.executor import Executor
from app.screens import admin_screens
from app.screens.admin_screens import masked_url
from app.services import promotions, trust
from tests.support.doubles import doubles_registry
from tests.support.factories import add_target, who
from tests.support.gate_data import (
    gated_promotion,
)
from tests.views.conftest import new_promotion
from views.admin_pages.approvals import EMPTY, ApprovalsPage
from views.admin_pages.integrations import IntegrationsPage
from views.admin_pages.release_control import ReleaseControlPage
from views.admin_pages.security import NO_VERDICTS, SecurityPage

SAMPLES = Path(airgap_bundles.__file__).parent / "samples"


def _shown(qtbot, page):
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.loaded_once and not page.loading)
    return page


def _texts(model, column: int) -> list[str]:
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_approvals_lists_a_waiting_promotion_and_opens_its_run(qtbot, qtmodeltester, gui,
                                                                site):
    pid = new_promotion(site)  # eu-stage → eu-prod, one approval required
    Executor(site, pid, doubles_registry()).run()
    assert promotions.load_run(site, pid)[1].current.waiting_for == "approval"
    new_promotion(site, "eu-stage")  # not advanced: not waiting for anyone
    opened: list[str] = []
    page = _shown(qtbot, ApprovalsPage(gui, opened.append))
    qtmodeltester.check(page.model)
    assert page.model.rowCount() == 1
    row = page.model.row(0)
    assert (row.promotion_id, row.to_env, row.from_env, row.requester) == \
        (pid, "eu-prod", "eu-stage", "alice")
    assert (len(row.approvals), row.required) == (0, 1)
    assert page.model.index(0, 5).data() == "0 / 1"
    assert page.model.index(0, 1).data().startswith("platform 1.3.0-rc1  sha256:")
    assert row.waiting_since is not None and "UTC" in page.model.index(0, 6).data()
    assert "1</b> promotion(s) waiting" in page.status.text()
    page.table.activated.emit(page.model.index(0, 0))
    assert opened == [pid]


def test_approvals_empty_state(qtbot, gui):
    page = _shown(qtbot, ApprovalsPage(gui, lambda _pid: None))
    assert page.model.rowCount() == 0
    assert EMPTY in page.status.text()


def test_release_control_environments_gates_and_targets(qtbot, qtmodeltester, gui, site):
    add_target(site, "eu-prod", "eu-prod-01", "demo-fleet")
    add_target(site, "eu-prod", "eu-prod-02", "demo-fleet")
    page = _shown(qtbot, ReleaseControlPage(gui))
    for model in (page.environments, page.gates, page.targets):
        qtmodeltester.check(model)
    assert _texts(page.environments, 0) == ["eu-prod", "eu-stage"]
    assert _texts(page.environments, 2) == ["1", "0"]
    assert page.selected().name == "eu-prod"
    assert _texts(page.gates, 0) == ["deploy-10", "deploy-50", "deploy-100"]
    assert page.gates.index(0, 1).data() == "proceed if 95% healthy for 5m, error rate < 1%"
    assert _texts(page.targets, 0) == ["eu-prod-01", "eu-prod-02"]
    assert page.targets.index(0, 2).data() == "— (none recorded)"
    page.env_table.selectRow(1)
    assert page.selected().name == "eu-stage" and page.targets.rowCount() == 0
    assert "stella target add" in page.env_heading.text()


def test_integrations_probe_targets_and_report_site_services(qtbot, qtmodeltester, gui, site):
    add_target(site, "eu-prod", "eu-prod-01", "demo-fleet")
    page = _shown(qtbot, IntegrationsPage(gui))
    qtmodeltester.check(page.targets)
    qtmodeltester.check(page.site_items)
    assert page.targets.rowCount() == 1
    assert page.targets.index(0, 1).data() == "eu-prod"
    assert page.targets.index(0, 3).data() == "demo-fleet"
    kinds = _texts(page.site_items, 2)
    assert kinds[:2] == ["secret provider", "secret provider"]
    assert kinds[2] == "database — SQLite (WAL journal)"
    assert kinds[3] == "transparency log"
    assert page.site_items.index(3, 1).data() == "stella.local/test-site/log"
    assert "drivers in use: demo-fleet" in page.status.text()


def test_integrations_warns_on_a_secrets_folder_others_can_write(qtbot, gui, site):
    folder = site.paths.home / "secrets"
    folder.mkdir()
    folder.chmod(0o777)
    page = _shown(qtbot, IntegrationsPage(gui))
    assert page.site_items.index(0, 0).data() == "WARN"
    assert "chmod 700" in page.site_items.index(0, 3).data()


def test_masked_database_url():
    assert masked_url("postgresql://stella:s3cret@db:5432/ops") == \
        "postgresql://stella:***@db:5432/ops"
    assert masked_url("sqlite:////var/lib/stella.db") == "sqlite:////var/lib/stella.db"


def test_security_without_verdicts_shows_users_keys_and_trust_state(qtbot, qtmodeltester,
                                                                       gui, site):
    key = who(site, "bob").key_id
    page = _shown(qtbot, SecurityPage(gui))
    qtmodeltester.check(page.users)
    assert page.releases.rowCount() == 0 and page.findings.rowCount() == 0
    assert NO_VERDICTS in page.status.text()
    users = {page.users.index(r, 0).data(): page.users.index(r, 2).data()
             for r in range(page.users.rowCount())}
    assert users["bob"] == f"yes — {key[:16]}…"
    assert users["alice"] == f"yes — {who(site, 'alice').key_id[:16]}…"  # nobody acts by name
    assert "no trust root" in page.trust.text()
    trust.install_first(site, (SAMPLES / "trust-root-v1.dsse.json").read_bytes(), "alice",
                        confirmed=True)
    page.refresh()
    qtbot.waitUntil(lambda: "Version 1" in page.trust.text())
    assert "trust-on-first-use" in page.trust.text() and "of" in page.trust.text()


@pytest.fixture
def gated(site) -> str:
    return gated_promotion(site)


def test_security_findings_snapshot_of_a_gated_release(qtbot, qtmodeltester, gui, site, gated):
    screen = admin_screens.security_screen(site)
    assert len(screen.releases) == 1
    snapshot = screen.releases[0]
    assert (snapshot.promotion_id, snapshot.environment, snapshot.outcome) == \
        (gated, "eu-stage", "block")
    page = _shown(qtbot, SecurityPage(gui))
    qtmodeltester.check(page.releases)
    qtmodeltester.check(page.findings)
    assert page.releases.index(0, 2).data() == "BLOCK"
    assert page.findings.rowCount() == len(snapshot.findings) > 0
    open_rows = [f for f in snapshot.findings if not f.suppressed]
    assert sum(snapshot.counts().values()) == len(open_rows)
    suppressed = [r for r in range(page.findings.rowCount())
                  if page.findings.row(r).suppressed]
    assert suppressed, "the VEX statement suppresses a finding"
    assert page.findings.index(suppressed[0], 5).data().startswith("suppressed — not_affected")
    assert page.findings.row(0).severity == "CRITICAL"  # most severe open finding first
