"""The trust root in force, at the top of the Bundles page: everything a bundle is
checked against. Expiry turns amber under 30 days and red once passed (an expired root
verifies nothing); a first install shows that it was trust on first use."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from app.screens.import_jobs import TrustRootView
from views.common.format import short, when
from views.import_dialog.text import FAILED, PASSED, WARNING

METHODS = {"trust-on-first-use": "trust on first use (installed without a previous root "
                                 "to vouch for it)",
           "rotation": "rotation signed by the previous root"}
EXPIRY_COLOURS = {"ok": PASSED, "soon": WARNING, "expired": FAILED}


def expiry_html(root: TrustRootView) -> str:
    colour = EXPIRY_COLOURS[root.expiry_state]
    days = int(root.days_left)
    if root.expiry_state == "expired":
        left = "EXPIRED — no bundle can be imported until a new root is installed"
    elif days < 1:
        left = "expires today"
    else:
        left = f"{days} day{'s' if days != 1 else ''} left"
    return (f"<span style='color:{colour}; font-weight:bold'>expires "
            f"{html.escape(when(root.expires))} ({left})</span>")


def summary_html(root: TrustRootView) -> str:
    roles = " · ".join(f"{html.escape(role)} {threshold} of {count} key{'s' if count != 1 else ''}"
                       for role, count, threshold in root.preview.roles)
    method = html.escape(METHODS.get(root.method, root.method))
    if root.trust_on_first_use:
        method = f"<span style='color:{WARNING}'>{method}</span>"
    demo = (f"<br><span style='color:{FAILED}; font-weight:bold'>⚠ DEMO-ONLY keys: their "
            f"private halves are public — for demos and tests only.</span>"
            if root.preview.demo_only else "")
    return (f"<b>Trust root version {root.version}</b> &nbsp;<code>"
            f"{html.escape(short(root.digest, 16))}</code> &nbsp;{expiry_html(root)}<br>"
            f"Installed by <b>{html.escape(root.installed_by)}</b> on "
            f"{html.escape(when(root.installed_at))} — {method}<br>"
            f"Signatures needed per role: {roles}{demo}")


NO_ROOT = (f"<b style='color:{WARNING}'>No trust root is installed</b>, so no bundle can be "
           f"imported yet.<br>"
           "Import the site's first trust root (a <code>.dsse.json</code> file) with "
           "<i>Import bundle…</i> or by dropping it here; you will be asked to confirm its "
           "fingerprint (trust on first use).")


class TrustRootPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trustRootPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("QFrame#trustRootPanel { background: white; border: 1px solid "
                           "#cfd8dc; border-radius: 6px; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.label = QLabel("Loading the trust root…")
        self.label.setObjectName("trustRootSummary")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label)
        self.root: TrustRootView | None = None

    def show_root(self, root: TrustRootView | None) -> None:
        self.root = root
        if root is None:
            self.label.setText(NO_ROOT)
            self.label.setToolTip("")
            return
        self.label.setText(summary_html(root))
        history = "\n".join(f"v{version}: {METHODS.get(method, method).split(' (')[0]} by {by}, "
                            f"{when(at)}" for version, method, by, at in root.history)
        self.label.setToolTip(f"{root.digest}\n\nHistory:\n{history}")

    def show_error(self, message: str) -> None:
        self.label.setText(f"<span style='color:{FAILED}'>Could not read the trust root: "
                           f"{html.escape(message)}</span>")
