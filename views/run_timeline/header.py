"""The run header: which promotion, where to, how far, and whether its chain holds."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.screens.snapshots import RunSnapshot
from views.common.format import short, slot_time, when
from views.common.palette import status_badge_css


class RunHeader(QFrame):
    """One line above the timeline — which promotion, where to, its status — and the
    run's other facts (workflow, times, chain, requester) in ``facts``, a column the
    run view puts beside the timeline: on a 768 px screen every header line would be
    a timeline row less."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runHeader")
        line = QHBoxLayout(self)
        line.setContentsMargins(10, 3, 10, 3)
        line.setSpacing(16)
        self.title = QLabel()
        self.title.setObjectName("runTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # a narrow window cuts the title (its tooltip has the digest), never widens itself
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setMinimumWidth(160)
        self.target = QLabel()
        self.status_badge = QLabel()
        self.status_badge.setObjectName("statusBadge")
        self.status_detail = QLabel()
        self.workflow = QLabel()
        self.started = QLabel()
        self.chain = QLabel()
        self.chain.setObjectName("chainLabel")
        self.requester = QLabel()
        for label in (self.title, self.target, self.status_detail):
            label.setTextFormat(Qt.TextFormat.RichText)
        line.addWidget(self.title, 1)
        line.addWidget(self.target)
        line.addWidget(self.status_badge)
        line.addWidget(self.status_detail)

        self.facts = QWidget()
        self.facts.setObjectName("runFacts")
        column = QVBoxLayout(self.facts)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        for label in (self.workflow, self.started, self.chain, self.requester):
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)  # a narrow column wraps a fact, never cuts it
            column.addWidget(label)

    def show_snapshot(self, snapshot: RunSnapshot) -> None:
        state = snapshot.state
        release = {k: html.escape(str(v)) for k, v in state.release.items()}
        self.title.setText(
            f"<b>Promotion {state.promotion_id}</b> &nbsp; {release['name']} "
            f"<b>{release['version']}</b> &nbsp; <span style='color:#546e7a'>manifest "
            f"{short(release['digest'])}</span>")
        self.title.setToolTip(f"release manifest digest {release['digest']}")
        route = f"{state.from_env} → {state.to_env}" if state.from_env else state.to_env
        self.target.setText(f"Target: <b>{html.escape(route)}</b>")
        self.workflow.setText(f"Workflow: <b>{snapshot.workflow_title}</b> "
                              f"<span style='color:#78909c'>({state.workflow})</span>")
        self.status_badge.setText(state.status.upper())
        self.status_badge.setStyleSheet(status_badge_css(state.status))
        self.status_badge.setToolTip("")
        current = state.current
        self.status_detail.setText(f"({html.escape(current.title)})" if current else "")
        if snapshot.scheduled_at:  # waits for its slot: only the site agent starts it
            self.status_badge.setText(f"SCHEDULED {slot_time(snapshot.scheduled_at)}")
            self.status_badge.setStyleSheet(status_badge_css("scheduled"))
            self.status_detail.setText("")
            self.status_badge.setToolTip(f"Schedule {snapshot.schedule_id}: only the site agent "
                                         "starts it, at its slot and inside its window")
        self.started.setText(f"Started: {when(state.created_at)}"
                             + (f"<br>Ended: {when(state.ended_at)}" if state.ended_at else ""))
        if snapshot.history_unsigned:  # links intact, but an event no roster key signed
            self.chain.setText(f"Chain: <span style='color:#c62828'>✗ not signed</span> — "
                               f"{state.event_count} events stored; one is not signed by its "
                               "actor's key")
            self.chain.setToolTip(snapshot.history_problem or "")
        elif snapshot.history_problem:  # links intact, but events are missing (a cut tail)
            self.chain.setText(f"Chain: <span style='color:#c62828'>✗ incomplete</span> — "
                               f"{state.event_count} events stored; the site log holds more")
            self.chain.setToolTip(snapshot.history_problem)
        else:
            self.chain.setText(f"Chain: <span style='color:#2e7d32'>✓ verified</span> — "
                               f"{state.event_count} events, head {state.head[:12]}…")
            self.chain.setToolTip(f"every event's hash links to the one before it and the site "
                                  f"log holds no more; head {state.head}")
        approvals = f" · approved by {', '.join(state.approvals)}" if state.approvals else ""
        self.requester.setText(html.escape(f"Requested by {state.requester}{approvals}"))
