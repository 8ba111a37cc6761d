"""Operator actions started from the Deploy Stage View: the same reason dialogs and
the same service call as the run view's quick actions, as the signed-in user."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from app.qt.changes import ChangeSet
from app.qt.context import GuiContext
from app.qt.operation import Operation
from app.screens import session
from app.screens.snapshots import REASON_REQUIRED, RunSnapshot
from views.common.reason_dialog import ActionRequest, ReasonDialog
from views.deploy_stage.rollback_dialog import ROLLBACK, rollback_rerun_dialog, run_subject
from views.run_timeline.action_bar import LABELS


class StageActionLauncher(QObject):
    recorded = Signal(str)  # action
    busy_changed = Signal(bool)

    def __init__(self, ctx: GuiContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._widget = parent
        self.active_dialog: QDialog | None = None
        self.busy = False

    def start(self, action: str, snapshot: RunSnapshot) -> QDialog | None:
        """Open the dialog for ``action``; None when the run does not allow it now."""
        if snapshot.refusal(action) is not None:
            return None
        if action == ROLLBACK:
            dialog: ReasonDialog = rollback_rerun_dialog(self.ctx, snapshot, self._widget)
        else:
            dialog = ReasonDialog(action, LABELS.get(action, action), run_subject(snapshot),
                                  reason_required=action in REASON_REQUIRED, parent=self._widget)
            dialog.finish_layout()
        pid = snapshot.promotion_id
        dialog.accepted.connect(lambda d=dialog: self.submit(pid, d.request()))
        dialog.finished.connect(lambda _code, d=dialog: self._closed(d))
        self.active_dialog = dialog
        dialog.open()
        return dialog

    def submit(self, promotion_id: str, request: ActionRequest) -> None:
        site, actor = self.ctx.site, self.ctx.actor or ""
        passphrase = session.passphrase_for(self.ctx.session, actor)
        data = {"ticket": request.ticket} if request.ticket else None
        self._set_busy(True)
        (Operation(self._widget, lambda: session.act(site, promotion_id, request.action, actor, passphrase,
                                                     request.reason, scope=request.scope, data=data),
                   tasks=self.ctx.tasks)
         .broadcasts(self.ctx.changes, ChangeSet.run(promotion_id), initiator=self)
         .success(lambda _state: self.recorded.emit(request.action))
         .finally_(lambda: self._set_busy(False))
         .run())

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_changed.emit(busy)

    def _closed(self, dialog: QDialog) -> None:
        if self.active_dialog is dialog:
            self.active_dialog = None
        dialog.deleteLater()
