"""``stella gui``: the bootstrap opens the site off the GUI thread and reports a
missing site with its message and the CLI's exit code."""

from __future__ import annotations

import gc

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app import gui
from app.site import SiteConfig


def test_a_missing_site_is_reported_with_exit_code_3(qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(gui.QMessageBox, "critical",
                        staticmethod(lambda parent, title, text: shown.append((title, text))))
    code = gui.launch(SiteConfig.resolve(home=tmp_path / "nowhere"))
    assert code == 3
    assert len(shown) == 1
    assert "run `stella init` first" in shown[0][1]
    assert "Traceback" not in shown[0][1]


def test_launch_opens_the_main_window_and_returns_when_it_closes(qtbot, site):
    from views.main_window.window import MainWindow

    seen = []

    def close_when_ready() -> None:
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]
        if windows and windows[0].site_info is not None:
            seen.append(windows[0].windowTitle())
            windows[0].close()
        else:
            QTimer.singleShot(50, close_when_ready)

    QTimer.singleShot(50, close_when_ready)
    try:
        assert gui.launch(site.config) == 0
    finally:
        gc.unfreeze()
    assert seen == ["Stella Ops Offline Console — test-site"]
