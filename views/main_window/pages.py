"""The main window's pages, each built the first time it is asked for.

The window paints its frame before the site is open; until then every page is the
same "Loading…" page. Afterwards a page (and the modules behind it: its services,
SQLAlchemy queries, the policy engine…) is built when it is first shown, so start-up
pays only for the promotions list."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from views.main_window.navigation import all_entries

LOADING = "Loading…"


class LoadingPage(QWidget):
    """Shown for every page while the site is being opened."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loadingPage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 32, 32, 32)
        self.label = QLabel(LOADING)
        self.label.setObjectName("loadingLabel")
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.label.setWordWrap(True)
        layout.addWidget(self.label)
        layout.addStretch(1)

    def say(self, text: str) -> None:
        self.label.setText(text)


class LazyPages(Mapping[str, QWidget]):
    """Navigation key → page; ``build(key)`` makes a page the first time it is read."""

    def __init__(self, build: Callable[[str], QWidget]) -> None:
        self._build = build
        self._keys = [entry.key for entry in all_entries()]
        self._built: dict[str, QWidget] = {}

    def __getitem__(self, key: str) -> QWidget:
        if key not in self._keys:
            raise KeyError(key)
        page = self._built.get(key)
        if page is None:
            page = self._built[key] = self._build(key)
        return page

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def built(self, key: str) -> QWidget | None:
        """The page if it was built already (never builds one)."""
        return self._built.get(key)
