"""Windows and dialogs open within the screen they are on, use the room a large
screen gives, and come back where the operator left them.

Sizes are asked for as a share of the screen's available area with a floor (what
the content needs to read well) and a ceiling (beyond which it only spreads
out); the result is always clamped to the available area, so a window never opens
with its buttons off-screen. The geometry a window last had is kept in QSettings
(geometry only, nothing else) and used again when it still fits the screen.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, QSettings, QSize
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

ORGANIZATION = "stella-ops"
APPLICATION = "Stella Ops Offline Console"
GROUP = "geometry"


def settings() -> QSettings:
    """The app's settings file (INI, per user): window geometry lives here."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION,
                     APPLICATION)


def screen_of(widget: QWidget) -> QScreen | None:
    """The screen the window is on (a dialog is on its parent's) or the primary one."""
    return widget.screen() or QGuiApplication.primaryScreen()


def available_rect(widget: QWidget) -> QRect:
    screen = screen_of(widget)
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 720)


def preferred_size(available: QSize, share: tuple[float, float], floor: QSize,
                   ceiling: QSize | None = None) -> QSize:
    """``share`` of the available area, at least ``floor`` and at most ``ceiling``
    — and never more than the screen (less a margin for the window frame)."""
    width = max(int(available.width() * share[0]), floor.width())
    height = max(int(available.height() * share[1]), floor.height())
    if ceiling is not None:
        width, height = min(width, ceiling.width()), min(height, ceiling.height())
    return QSize(min(width, available.width() - FRAME.width()),
                 min(height, available.height() - FRAME.height()))


FRAME = QSize(16, 40)  # room for a window manager's frame and title bar


def fit_window(window: QWidget, key: str, share: tuple[float, float] = (0.0, 0.0),
               floor: QSize | None = None, ceiling: QSize | None = None) -> None:
    """When ``window`` is first shown, size it for its screen (or restore its last
    geometry if that still fits), and remember its geometry whenever it is hidden.
    Without ``floor`` the window's own size hint is the floor (a small dialog stays
    small). Sizing waits for the first show so the layout is complete by then."""
    if window.findChild(GeometryKeeper, f"geometryKeeper:{key}") is None:
        GeometryKeeper(window, key, share, floor, ceiling)


def place(window: QWidget, key: str, share: tuple[float, float], floor: QSize | None,
          ceiling: QSize | None) -> None:
    area = available_rect(window)
    if _restore(window, key, area):
        return
    floor = floor if floor is not None else window.sizeHint()
    size = preferred_size(area.size(), share, floor, ceiling)
    size = size.expandedTo(window.minimumSize()).boundedTo(area.size() - FRAME)
    window.resize(size)
    _centre(window, area)


class GeometryKeeper(QObject):
    """Places the window on its first show; saves its geometry when it is hidden
    (accept, reject and close all hide a dialog)."""

    def __init__(self, window: QWidget, key: str, share: tuple[float, float],
                 floor: QSize | None, ceiling: QSize | None) -> None:
        super().__init__(window)
        self.setObjectName(f"geometryKeeper:{key}")
        self.key = key
        self._placement = (share, floor, ceiling)
        self._placed = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(watched, QWidget) or not watched.isWindow():
            return False
        if event.type() == QEvent.Type.Show and not self._placed:
            self._placed = True
            place(watched, self.key, *self._placement)
        elif event.type() == QEvent.Type.Hide and self._placed:
            settings().setValue(f"{GROUP}/{self.key}", watched.saveGeometry())
        return False


def _restore(window: QWidget, key: str, area: QRect) -> bool:
    saved = settings().value(f"{GROUP}/{key}")
    if not isinstance(saved, (QByteArray, bytes)) or not window.restoreGeometry(QByteArray(saved)):
        return False
    if area.contains(window.geometry()) and window.width() <= area.width() - FRAME.width() \
            and window.height() <= area.height() - FRAME.height():
        return True
    return False  # saved on a larger or another screen: size it afresh


def _centre(window: QWidget, area: QRect) -> None:
    parent = window.parentWidget()
    centre = parent.mapToGlobal(parent.rect().center()) if parent is not None \
        and parent.isVisible() else area.center()
    x = min(max(centre.x() - window.width() // 2, area.left()),
            area.right() - window.width() - FRAME.width() + 1)
    y = min(max(centre.y() - window.height() // 2, area.top()),
            area.bottom() - window.height() - FRAME.height() + 1)
    window.move(max(x, area.left()), max(y, area.top()))
