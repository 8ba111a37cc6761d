"""Trust on first use, shown as such: before the first trust root is installed, the
operator sees its fingerprint and keys and confirms having compared them out of band.
Install stays disabled until that box is ticked."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.screens.import_jobs import RootPreview
from views.common.format import when
from views.common.geometry import fit_window
from views.import_dialog.text import FAILED, WARNING, key_text


def fingerprint(digest: str) -> str:
    """Groups of eight hex digits, four to a line, as people read them out to each other."""
    algorithm, _, hexpart = digest.partition(":")
    groups = [hexpart[i:i + 8] for i in range(0, len(hexpart), 8)]
    lines = [" ".join(groups[i:i + 4]) for i in range(0, len(groups), 4)]
    return html.escape(f"{algorithm}:") + "<br>" + "<br>".join(html.escape(x) for x in lines)


def preview_html(preview: RootPreview) -> str:
    names = dict(preview.key_names)
    roles = "".join(
        f"<li>{html.escape(role)}: {threshold} of {count} key(s)</li>"
        for role, count, threshold in preview.roles)
    keys = "".join(f"<li><code>{html.escape(key_text(kid, names))}</code></li>"
                   for kid, _ in preview.key_names)
    demo = (f"<p style='color:{FAILED}; font-weight:bold'>⚠ Its keys are labelled DEMO-ONLY: "
            f"their private halves are public. Never install this root on a real site.</p>"
            if preview.demo_only else "")
    return (f"<p><b>Trust root version {preview.version}</b>, valid until "
            f"{html.escape(when(preview.expires))}</p>"
            f"<p>Fingerprint (SHA-256 of the envelope, read it out in groups):<br>"
            f"<code style='font-size:11pt'>{fingerprint(preview.digest)}</code></p>{demo}"
            f"<p>Roles:</p><ul>{roles}</ul><p>Keys:</p><ul>{keys}</ul>")


class FirstRootDialog(QDialog):
    def __init__(self, file_name: str, preview: RootPreview,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRootDialog")
        self.preview = preview
        self.setWindowTitle("Install the first trust root — trust on first use")
        self.setMinimumWidth(700)
        fit_window(self, "firstRoot")
        layout = QVBoxLayout(self)
        warning = QLabel(
            f"<span style='color:{WARNING}; font-weight:bold'>Trust on first use.</span> "
            f"This site has no trust root yet, so nothing can vouch for "
            f"<b>{html.escape(file_name)}</b>: every bundle this site accepts from now on is "
            f"checked against it. Compare the fingerprint below with the one you were given "
            f"through another channel (paper, phone) before installing it.")
        warning.setWordWrap(True)
        layout.addWidget(warning)
        details = QLabel(preview_html(preview))
        details.setObjectName("rootPreview")
        details.setTextFormat(Qt.TextFormat.RichText)
        details.setWordWrap(True)
        details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(details)
        self.confirm_box = QCheckBox("I compared this fingerprint with the one I was given")
        self.confirm_box.setObjectName("confirmFingerprint")
        layout.addWidget(self.confirm_box)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.install_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.install_button.setText("Install trust root")
        self.install_button.setEnabled(False)
        self.confirm_box.toggled.connect(self.install_button.setEnabled)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
