"""Windows open within their screen and come back where the operator left them."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout

from views.common.geometry import available_rect, fit_window, preferred_size, settings


def dialog(qtbot, key: str = "probe") -> QDialog:
    box = QDialog()
    QVBoxLayout(box).addWidget(QLabel("content"))
    fit_window(box, key, (0.5, 0.5), QSize(400, 300))
    qtbot.addWidget(box)
    return box


def test_preferred_size_is_a_share_of_the_screen_within_floor_ceiling_and_screen():
    assert preferred_size(QSize(1920, 1080), (0.5, 0.5), QSize(760, 560)) == QSize(960, 560)
    assert preferred_size(QSize(1920, 1080), (0.9, 0.9), QSize(760, 560),
                          QSize(1400, 900)) == QSize(1400, 900)
    # a floor larger than the screen never wins over the screen
    assert preferred_size(QSize(1280, 720), (0.2, 0.2), QSize(2000, 1500)) == QSize(1264, 680)


def test_geometry_is_remembered_and_restored(qtbot):
    first = dialog(qtbot)
    first.show()
    area = available_rect(first)
    moved = QRect(area.x() + 20, area.y() + 30, 500, 360)
    first.setGeometry(moved)
    first.close()
    assert settings().value("geometry/probe") is not None
    second = dialog(qtbot)
    second.show()
    assert second.geometry() == moved


def test_a_saved_geometry_larger_than_the_screen_is_not_used(qtbot):
    first = dialog(qtbot, "huge")
    first.show()
    area = available_rect(first)
    first.setGeometry(QRect(area.x(), area.y(), area.width() + 400, area.height() + 400))
    first.close()
    second = dialog(qtbot, "huge")
    second.show()
    assert area.contains(second.frameGeometry())
