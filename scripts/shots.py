"""What every screenshot script needs: wait for the app without blocking its event
loop, wait for a condition, and grab a widget to a PNG."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer


def settle(ms: int = 400) -> None:
    """Let the event loop run for ``ms`` (workers report, widgets paint)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def waiter(failure: str, default_timeout_ms: int = 15_000) -> Callable[..., None]:
    """``until(check, timeout_ms=…)``: run the event loop until ``check()`` holds."""

    def until(check: Callable[[], object], timeout_ms: int = default_timeout_ms) -> None:
        waited = 0
        while not check():
            if waited > timeout_ms:
                raise SystemExit(failure)
            settle(50)
            waited += 50

    return until


def saver(out: Path, saved: list[Path] | None = None) -> Callable[..., None]:
    """``save(widget, name)``: grab ``widget`` to ``out/name`` once painting settled."""

    def save(widget, name: str) -> None:
        settle(300)
        path = out / name
        if not widget.grab().save(str(path)):
            raise SystemExit(f"could not write {path}")
        if saved is None:
            print(path)
        else:
            saved.append(path)

    return save
