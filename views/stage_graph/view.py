"""The workflow's stages as a graph: nodes coloured by status, forward edges, the
approval branch and the dashed rollback edges to "Auto-Rollback / Pause".

Positions come from :mod:`engine.run.graph` (columns by topological generation),
computed off the GUI thread with the rest of the run snapshot; this module only
draws. The scene is rebuilt when the layout changes and recoloured otherwise.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPolygonItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsTextItem,
    QGraphicsView,
    QWidget,
)

from app.screens.snapshots import RunSnapshot
from views.common.palette import status_colour, status_fill

NODE_W = 112.0
NODE_H = 62.0
COLUMN_W = 134.0
LANE_H = 150.0
BRANCH_RISE = 62.0
MIN_SCALE = 0.9  # below this labels are too small to read (~7 px at 0.6); scroll instead

FORWARD_COLOUR = QColor("#546e7a")
BRANCH_COLOUR = QColor("#78909c")
ROLLBACK_COLOUR = QColor("#8e24aa")

_Drawn = tuple[QGraphicsPathItem, QGraphicsPolygonItem]


class StageNodeItem(QGraphicsPathItem):
    def __init__(self, name: str, title: str, side: bool) -> None:
        super().__init__()
        self.name = name
        self.side = side
        self.status = "pending"
        path = QPainterPath()
        path.addRoundedRect(QRectF(-NODE_W / 2, -NODE_H / 2, NODE_W, NODE_H), 9, 9)
        self.setPath(path)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.title_item = QGraphicsTextItem(self)
        font = QFont()
        font.setPointSizeF(9.0)
        font.setBold(True)
        self.title_item.setFont(font)
        self.title_item.setTextWidth(NODE_W - 8)
        self.title_item.setHtml(f"<div align='center'>{title}</div>")
        self.status_item = QGraphicsSimpleTextItem(self)
        small = QFont()
        small.setPointSizeF(8.5)
        self.status_item.setFont(small)
        self._place_text()

    def _place_text(self) -> None:
        title_h = self.title_item.boundingRect().height()
        status_h = self.status_item.boundingRect().height()
        top = -(title_h + status_h) / 2
        self.title_item.setPos(-NODE_W / 2 + 4, top)
        width = self.status_item.boundingRect().width()
        self.status_item.setPos(-width / 2, top + title_h - 2)

    def set_status(self, status: str, current: bool) -> None:
        self.status = status
        colour = status_colour(status)
        pen = QPen(colour, 3.2 if current else 1.6)
        if self.side:
            pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        self.setBrush(QBrush(QColor("white") if status == "pending" else status_fill(status)))
        self.status_item.setText(status.upper())
        self.status_item.setBrush(QBrush(colour))
        self._place_text()
        self.setToolTip(f"{self.title_item.toPlainText()}: {status}")


class StageGraphView(QGraphicsView):
    node_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stageGraph")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setBackgroundBrush(QBrush(QColor("#fafbfc")))
        self.nodes: dict[str, StageNodeItem] = {}
        self.edge_kinds: list[tuple[str, str, str]] = []
        self.edges: dict[tuple[str, str], tuple[QGraphicsPathItem, QGraphicsPolygonItem]] = {}
        self._layout_key: object = None
        self._user_zoomed = False

    # -- content ----------------------------------------------------------------
    def clear(self) -> None:
        self.scene().clear()
        self.nodes = {}
        self.edge_kinds = []
        self.edges = {}
        self._layout_key = None

    def show_snapshot(self, snapshot: RunSnapshot) -> None:
        if snapshot.graph != self._layout_key:
            self._build(snapshot)
        state = snapshot.state
        for view, status in zip(state.steps, snapshot.statuses, strict=True):
            item = self.nodes.get(view.name)
            if item is not None:
                item.set_status(status, view.name == state.current_step)
        for item in self.nodes.values():
            if item.side:
                item.set_status(snapshot.rollback_node_status, False)
        self._mark_taken_branch(snapshot)

    def _mark_taken_branch(self, snapshot: RunSnapshot) -> None:
        """When no approval was needed, the branch is the path the run took."""
        skipped = "approval" in self.nodes and snapshot.status_of("approval") == "skipped"
        for (source, target, kind) in self.edge_kinds:
            if kind == "branch":
                colour = status_colour("succeeded") if skipped else BRANCH_COLOUR
                self._restyle((source, target), colour, 2.2 if skipped else 1.4,
                              Qt.PenStyle.SolidLine)
            elif kind == "forward" and "approval" in (source, target):
                style = Qt.PenStyle.DotLine if skipped else Qt.PenStyle.SolidLine
                self._restyle((source, target), FORWARD_COLOUR, 1.6, style)

    def _restyle(self, key: tuple[str, str], colour: QColor, width: float,
                 style: Qt.PenStyle) -> None:
        line, head = self.edges[key]
        line.setPen(QPen(colour, width, style))
        head.setBrush(QBrush(colour))
        head.setPen(QPen(colour, 1))

    def _build(self, snapshot: RunSnapshot) -> None:
        self.clear()
        layout = snapshot.graph
        scene = self.scene()
        for node in layout.nodes:
            item = StageNodeItem(node.name, node.title, node.kind != "step")
            item.setPos(node.column * COLUMN_W, node.lane * LANE_H)
            item.setZValue(2)
            scene.addItem(item)
            self.nodes[node.name] = item
        rollback_labelled = False
        for edge in layout.edges:
            source, target = self.nodes[edge.source], self.nodes[edge.target]
            self.edge_kinds.append((edge.source, edge.target, edge.kind))
            if edge.kind == "forward":
                drawn = self._straight(source.pos(), target.pos())
            elif edge.kind == "branch":
                drawn = self._branch(source.pos(), target.pos(), edge.label)
            else:
                drawn = self._rollback(source.pos(), target.pos(),
                                       "" if rollback_labelled else edge.label)
                rollback_labelled = True
            self.edges[(edge.source, edge.target)] = drawn
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-24, -20, 24, 20))
        self._layout_key = layout
        self._fit()

    def _straight(self, a: QPointF, b: QPointF) -> _Drawn:
        start = QPointF(a.x() + NODE_W / 2, a.y())
        end = QPointF(b.x() - NODE_W / 2, b.y())
        path = QPainterPath(start)
        path.lineTo(end)
        return self._edge(path, end, QPointF(1, 0), QPen(FORWARD_COLOUR, 1.6))

    def _branch(self, a: QPointF, b: QPointF, label: str) -> _Drawn:
        start = QPointF(a.x(), a.y() - NODE_H / 2)
        end = QPointF(b.x(), b.y() - NODE_H / 2)
        peak = min(start.y(), end.y()) - BRANCH_RISE
        path = QPainterPath(start)
        path.cubicTo(QPointF(start.x(), peak), QPointF(end.x(), peak), end)
        pen = QPen(BRANCH_COLOUR, 1.4)
        drawn = self._edge(path, end, QPointF(0, 1), pen)
        if label:
            self._label(label, QPointF((start.x() + end.x()) / 2, peak + 4), BRANCH_COLOUR)
        return drawn

    def _rollback(self, a: QPointF, b: QPointF, label: str) -> _Drawn:
        start = QPointF(a.x(), a.y() + NODE_H / 2)
        end = QPointF(b.x() + (a.x() - b.x()) * 0.25, b.y() - NODE_H / 2)
        path = QPainterPath(start)
        middle = (start.y() + end.y()) / 2
        path.cubicTo(QPointF(start.x(), middle), QPointF(end.x(), middle), end)
        pen = QPen(ROLLBACK_COLOUR, 1.4, Qt.PenStyle.DashLine)
        drawn = self._edge(path, end, QPointF(0, 1), pen)
        if label:
            self._label(label, QPointF(b.x() - NODE_W * 1.25, b.y() - NODE_H / 2 - 26),
                        ROLLBACK_COLOUR)
        return drawn

    def _edge(self, path: QPainterPath, tip: QPointF, direction: QPointF, pen: QPen) -> _Drawn:
        item = QGraphicsPathItem(path)
        item.setPen(pen)
        item.setZValue(1)
        self.scene().addItem(item)
        size = 7.0
        back = QPointF(tip.x() - direction.x() * size, tip.y() - direction.y() * size)
        normal = QPointF(-direction.y() * size / 2, direction.x() * size / 2)
        head = QGraphicsPolygonItem(QPolygonF([tip, back + normal, back - normal]))
        head.setBrush(QBrush(pen.color()))
        head.setPen(QPen(pen.color(), 1))
        head.setZValue(1)
        self.scene().addItem(head)
        return item, head

    def _label(self, text: str, centre: QPointF, colour: QColor) -> QGraphicsItem:
        item = QGraphicsSimpleTextItem(text)
        font = QFont()
        font.setPointSizeF(8.5)
        font.setItalic(True)
        item.setFont(font)
        item.setBrush(QBrush(colour))
        rect = item.boundingRect()
        item.setPos(centre.x() - rect.width() / 2, centre.y() - rect.height())
        self.scene().addItem(item)
        return item

    # -- view -------------------------------------------------------------------
    def _fit(self) -> None:
        if self._user_zoomed or not self.nodes:
            return
        rect = self.sceneRect()
        view = self.viewport().rect()
        if rect.width() <= 0 or view.width() <= 0:
            return
        # fit the width; a short view scrolls rather than shrinking the labels
        scale = min(view.width() / rect.width(), 1.25)
        scale = max(scale, MIN_SCALE)
        self.resetTransform()
        self.scale(scale, scale)
        self.centerOn(rect.center())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
            self._user_zoomed = True
            self.scale(factor, factor)
            event.accept()
            return
        super().wheelEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        item = self.itemAt(event.position().toPoint())
        while item is not None and not isinstance(item, StageNodeItem):
            item = item.parentItem()
        if isinstance(item, StageNodeItem) and not item.side:
            self.node_activated.emit(item.name)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)
