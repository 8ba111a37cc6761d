"""Screenshots of the evidence screens, taken by ``scripts/screenshot_site.py`` on its
fixture site once the main window is up: Step Detail's Evidence and Artifacts tabs,
the Evidence Timeline mid-run and sealed, the packet viewer, the Evidence pages, the
export dialog, and auditor mode on a good bundle and on one with a flipped byte.

A trust root from DEMO-ONLY test keys is installed so that the completed run can be
exported as an auditor bundle; the exports go to a folder under the fixture's home.
"""

from __future__ import annotations

import tarfile
from collections.abc import Callable
from pathlib import Path

from app.qt.report_pdf import render_report
from app.services import exports
from devkit.factories import who
from devkit.sealed_site import flip_byte, install_trust_root

Save = Callable[[object, str], None]
Until = Callable[..., None]


def shoot_evidence(window, site, ids: dict[str, str], out: Path, save: Save,
                   until: Until) -> None:
    from views.auditor.window import AuditorWindow
    from views.evidence.dialog import EvidenceTimelineDialog

    install_trust_root(site)
    media = site.paths.home / "exports"
    media.mkdir(exist_ok=True)
    page = window.promotions
    view = page.run_view
    window.set_actor("audrey")

    def show(pid: str) -> None:
        window.navigate("promotions")
        page.select(pid)
        until(lambda: view.snapshot is not None and view.snapshot.promotion_id == pid)

    # Step Detail of the live run: gate-eval captured, proof chain still pending
    show(ids["live"])
    dialog = view.open_step_detail("gate-eval")
    dialog.resize(900, 600)
    dialog.tabs.setCurrentWidget(dialog.evidence)
    until(lambda: dialog.evidence.receipts and dialog.evidence.timeline is not None)
    save(dialog, "step-detail-evidence.png")
    dialog.close()

    live = EvidenceTimelineDialog(window.ctx, ids["live"], window)
    live.resize(1280, 640)
    live.show()
    until(lambda: live.view.timeline is not None)
    live.view.select_entry("gate-eval", "policy-decision")
    save(live, "evidence-timeline.png")
    live.close()

    # the completed run, exported as an auditor bundle and as an evidence pack
    done = ids["completed"]
    auditor = exports.export(site, done, "auditor", media, who(site, "audrey"),
                             renderer=render_report)
    exports.export(site, done, "evidence", media, who(site, "audrey"), renderer=render_report)
    exports.export(site, ids["live"], "evidence", media, who(site, "olga"), allow_partial=True,
                   renderer=render_report)
    show(done)
    dialog = view.open_step_detail("seal-evidence")
    dialog.resize(900, 640)
    dialog.tabs.setCurrentWidget(dialog.artifacts)
    until(lambda: dialog.artifacts.artifacts is not None)
    save(dialog, "step-detail-artifacts.png")
    dialog.close()

    sealed = EvidenceTimelineDialog(window.ctx, done, window)
    sealed.resize(1280, 640)
    sealed.show()
    until(lambda: sealed.view.timeline is not None and sealed.view.timeline.exports)
    save(sealed, "evidence-timeline-sealed.png")
    sealed.view.select_entry("gate-eval", "policy-decision")
    sealed.view.packet_button.click()
    until(lambda: sealed.view.packets.last is not None)
    packet = sealed.view.packets.last
    packet.resize(820, 640)
    save(packet, "evidence-packet.png")
    packet.close()

    export = sealed.view.open_export("auditor")
    export.destination.set_folder(str(media))
    until(lambda: export.timeline is not None and not export.destination._looking)
    save(export, "export-dialog.png")
    export.export_button.click()
    until(lambda: export.outcome is not None and not export.running, 60_000)
    save(export, "export-dialog-done.png")
    export.close()
    sealed.close()

    for key, name in (("evidence", "evidence-page.png"), ("evidence-packets", "evidence-packets.png"),
                      ("proof-chains", "evidence-proof-chains.png"),
                      ("export-center", "evidence-export-center.png")):
        shown = window.navigate(key)
        if key == "evidence":
            shown.show_promotion(done)
            until(lambda s=shown: s.view.timeline is not None
                  and s.view.timeline.promotion_id == done)
        else:
            until(lambda s=shown: s.loaded_once)
            shown.table.selectRow(0)
        save(window, name)

    bundles = window.navigate("evidence-bundles")
    until(lambda: bundles.loaded_once)
    bundles.table.selectRow(0)
    bundles.verify(str(media / auditor.files.archive.name))
    until(lambda: bundles.auditor.result is not None)
    save(window, "evidence-bundles.png")

    good = AuditorWindow()
    good.resize(1240, 820)
    good.show()
    good.view.verify(str(media / auditor.files.archive.name))
    until(lambda: good.view.result is not None)
    save(good, "auditor-verified.png")

    damaged = site.paths.home / "damaged"
    with tarfile.open(media / auditor.files.archive.name) as tar:
        tar.extractall(damaged, filter="data")
    gate = next(damaged.glob("evidence/*-gate-eval/policy-decision.dsse.json"))
    flip_byte(gate)
    good.view.verify(str(damaged))
    until(lambda: good.view.result is not None and not good.view.result.ok)
    save(good, "auditor-failed.png")
    good.close()
