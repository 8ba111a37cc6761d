"""Python's cyclic garbage collection on the GUI thread only.

The collector runs in whichever thread happens to allocate when a generation's
threshold is passed. When that is a worker and the garbage holds a Qt wrapper, the
QObject is destroyed off its own thread and the process crashes (seen as a
segmentation fault "Garbage-collecting" in a worker). While a GUI context lives,
automatic collection is off and a timer on the GUI thread collects instead, one
generation at a time as the thresholds would.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

COLLECT_EVERY_MS = 500


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start(COLLECT_EVERY_MS)

    def collect_due(self) -> None:
        """Collect the oldest generation whose threshold is passed (none if none is)."""
        thresholds, counts = gc.get_threshold(), gc.get_count()
        due = [gen for gen in (2, 1, 0) if counts[gen] > thresholds[gen]]
        if due:
            gc.collect(due[0])

    def stop(self) -> None:
        """Back to automatic collection, after collecting once here on the GUI thread."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
