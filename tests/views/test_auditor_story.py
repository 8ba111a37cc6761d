"""Auditor mode tells the run's story from the verified export alone — every step and
attempt, approvals, the gate verdict, rollback decisions and custody — each line linked
to the checks of the file it comes from; report.pdf tells the same story."""

from __future__ import annotations

import pytest

from airgap_bundles.export import narrative
from app.executor import Executor
from app.qt import report_pdf
from app.services import actions
from engine.crypto.intoto import Statement
from engine.evidence import statements
from tests.support import exporting, factories
from tests.support.doubles import doubles_registry
from tests.views.evidence_helpers import flip_byte, install_trust_root, promotion
from views.auditor.story import FROM, ITEM_ROLE, UNTOLD
from views.auditor.view import AuditorView

REASON = "p95 latency doubled after 50%"


@pytest.fixture(scope="module")
def bundles(qapp, tmp_path_factory):
    """A completed sealed run and a rolled-back sealed run, each exported as an auditor
    bundle; the report.pdf documents are kept as they were rendered."""
    root = tmp_path_factory.mktemp("story")
    site = factories.make_site(root / "home")
    documents: list[str] = []
    real = report_pdf.render_pdf

    def keep(document):
        documents.append(document.html)
        return real(document)

    report_pdf.render_pdf = keep
    try:
        install_trust_root(site)
        done = promotion(site)
        rolled = promotion(site, until="deploy-50")
        who = getattr(factories, "who", lambda _site, name: name)
        actions.act(site, rolled, "rollback", who(site, "olga"), REASON, scope="full",
                    data={"ticket": "INC-1234"})
        Executor(site, rolled, doubles_registry()).run()
        out = {}
        for name, pid in (("completed", done), ("rolled_back", rolled)):
            folder = root / name
            folder.mkdir()
            outcome = exporting.export(site, pid, "auditor", folder, who(site, "audrey"))
            out[name] = folder / outcome.files.archive.name
    finally:
        report_pdf.render_pdf = real
        site.close()
    out["reports"] = documents
    return out


def _verified(qtbot, path):
    view = AuditorView()
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.verified, timeout=30_000):
        view.verify(path)
    return view


def _lines(view: AuditorView, section: str) -> list[tuple[str, str, str]]:
    tree = view.story.tree
    for n in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(n)
        if top.text(0) == section:
            return [(top.child(i).text(1), top.child(i).text(2), top.child(i).text(FROM))
                    for i in range(top.childCount())]
    return []


def test_a_completed_run_opens_on_its_story(qtbot, bundles):
    view = _verified(qtbot, bundles["completed"])
    assert view.result.ok and view.result.story is not None
    assert view.tabs.currentIndex() == 0  # the story first, the checks a tab away
    assert "COMPLETED" in view.story.headline.text()
    steps = _lines(view, narrative.TIMELINE)
    titles = [what for what, _, _ in steps]
    assert "Gate Eval (Policy)" in titles and "Promotion Complete" in titles
    assert all(source == "timeline.json" for _, _, source in steps)
    assert _lines(view, narrative.ROLLBACKS) == []
    custody = _lines(view, narrative.CUSTODY)
    assert custody == [] or all("exported by" in what for what, _, _ in custody)


def test_a_rolled_back_run_shows_the_decision_and_every_attempt(qtbot, bundles):
    view = _verified(qtbot, bundles["rolled_back"])
    assert view.result.ok
    rollbacks = _lines(view, narrative.ROLLBACKS)
    assert rollbacks[0][0].startswith("Rollback requested at deploy-")
    assert REASON in rollbacks[0][1] and "INC-1234" in rollbacks[0][1]
    assert "by olga" in rollbacks[0][1] and "scope full" in rollbacks[0][1]
    assert any(what == "Rollback completed" for what, _, _ in rollbacks)
    source = rollbacks[0][2]
    assert source == "timeline.json"
    timeline = _lines(view, narrative.TIMELINE)
    assert any("ROLLED-BACK" in detail or "rolled back" in detail for _, detail, _ in timeline)
    # a story line leads to the checks of the file it comes from
    top = next(view.story.tree.topLevelItem(n) for n in range(view.story.tree.topLevelItemCount())
               if view.story.tree.topLevelItem(n).text(0) == narrative.ROLLBACKS)
    line = top.child(0)
    assert line.data(FROM, ITEM_ROLE) == source
    view.story.tree.itemActivated.emit(line, 0)
    assert view.tabs.currentIndex() == 1
    current = view.tree.currentIndex()
    assert view.model.item(current.row()).name == source
    assert view.model.item(current.row()).ok is True


def test_report_pdf_tells_the_same_story(bundles):
    html = "\n".join(bundles["reports"])
    assert "The run's story" in html and REASON in html and "Rollback decisions" in html


def test_a_damaged_export_tells_no_story(qtbot, bundles, tmp_path):
    copy = tmp_path / bundles["rolled_back"].name
    copy.write_bytes(bundles["rolled_back"].read_bytes())
    flip_byte(copy, 2000)
    view = _verified(qtbot, copy)
    assert not view.result.ok and view.result.story is None
    assert view.story.headline.text() == UNTOLD
    assert view.tabs.currentIndex() == 1


def test_approvals_and_the_gate_verdict_read_as_sentences():
    approval = Statement((), statements.APPROVAL, {
        "decision": "approved", "approver": {"name": "bob", "role": "approver",
                                             "keyid": "ab" * 32},
        "reason": "gate PASS, change CR-4411 approved", "decidedAt": "2026-02-18T09:00:00Z",
        "gate": {"outcome": "pass"}, "eventChain": {"head": "cd" * 32, "events": 9}})
    verdict = {"outcome": "pass", "evaluated_at": "2026-02-18T08:59:00Z",
               "policy": {"name": "baseline", "version": "3", "digest": "sha256:" + "ef" * 32},
               "decision_digest": "sha256:" + "12" * 32, "rules": [],
               "findings": [{"id": "CVE-1", "severity": "HIGH", "package": "lodash",
                             "version": "2.4.2", "suppressed": True,
                             "justification": "vulnerable_code_not_in_execute_path"},
                            {"id": "CVE-2", "severity": "LOW", "package": "qs",
                             "version": "6.0.0", "suppressed": False, "fixed_version": "6.0.4"}]}
    lines = narrative._approvals([("evidence/04-approval/approval.dsse.json", approval)])
    assert lines[0].what == "APPROVED by bob (approver)"
    assert "gate PASS, change CR-4411 approved" in lines[0].detail and "abababab" in lines[0].detail
    gate = narrative._gate([("policy/03-gate-eval/verdict.json", verdict)])
    assert gate[0].what == "PASS — policy baseline v3"
    assert "2 finding(s), 1 suppressed by VEX" in gate[0].detail
    assert "suppressed by VEX: vulnerable_code_not_in_execute_path" in gate[1].detail
    assert gate[2].detail == "qs 6.0.0 — open; fixed in 6.0.4"
