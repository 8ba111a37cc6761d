"""``python -m tests.support.gui_audit_driver ARCHIVE``: the real ``stella gui --audit``
in a process of its own, closed by a timer once the bundle is verified; prints the
verdict. Run apart because a finished ``QApplication.exec()`` changes the test
process for every later test."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.cli.main import main
from app.gui import application
from views.auditor.window import AuditorWindow


def close_when_verified() -> None:
    windows = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, AuditorWindow) and w.isVisible()]
    if windows and windows[0].view.result is not None:
        print(f"verified ok={windows[0].view.result.ok}", flush=True)
        windows[0].close()
        QApplication.instance().quit()
    else:
        QTimer.singleShot(50, close_when_verified)


if __name__ == "__main__":
    application()
    QTimer.singleShot(50, close_when_verified)
    sys.exit(main(["gui", "--audit", sys.argv[1]]))
