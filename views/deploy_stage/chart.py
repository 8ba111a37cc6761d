"""A small line chart of one measured series over a canary stage's window.

Drawn with QPainter: PySide6-Essentials has no QtCharts, and the chart needs little
— the series over ``0 … window`` seconds, the gate's limit as a dashed line (or, when
a metrics provider measured the stage, the success/failure conditions its query was
actually judged by), failed measurements marked in red, and a plain sentence instead
of an empty frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from views.common.palette import status_hex

GRID = QColor("#e0e0e0")
AXIS_TEXT = QColor("#607d8b")
LIMIT = QColor(status_hex("failed"))
FAILED = QColor(status_hex("failed"))


@dataclass(frozen=True)
class ChartSample:
    seconds: float
    value: float
    failed: bool = False


# (``success`` | ``failure``, comparison, threshold in the chart's unit), e.g. ("success", "<", 0.05)
ChartCondition = tuple[str, str, float]


class LineChartWidget(QWidget):
    def __init__(self, title: str, value_text: Callable[[float], str], colour: str,
                 empty_text: str = "No measurements yet.", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.value_text = value_text
        self.colour = QColor(colour)
        self.empty_text = empty_text
        self.samples: tuple[ChartSample, ...] = ()
        self.window_seconds = 0.0
        self.limit: float | None = None
        self.conditions: tuple[ChartCondition, ...] = ()
        self.errors_at: tuple[float, ...] = ()  # when a provider could not answer (no value)
        self.setMinimumSize(260, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        return QSize(360, 160)

    def set_series(self, samples: Sequence[ChartSample], window_seconds: float,
                   limit: float | None, empty_text: str | None = None,
                   conditions: Sequence[ChartCondition] | None = None,
                   errors_at: Sequence[float] = ()) -> None:
        """``conditions`` (a metrics provider's, possibly empty) replace ``limit``: the
        chart then shows what was evaluated, never the gate's limit beside it.
        ``errors_at``: the seconds of Error measurements, marked on the time axis."""
        self.samples = tuple(samples)
        self.errors_at = tuple(errors_at)
        self.window_seconds = max(window_seconds, max((s.seconds for s in samples), default=0.0),
                                  max(self.errors_at, default=0.0))
        self.conditions = tuple(conditions or ())
        self.limit = None if conditions is not None else limit
        if empty_text is not None:
            self.empty_text = empty_text
        latest = self.value_text(self.samples[-1].value) if self.samples else "—"
        if conditions is not None:
            limit_text = "judged by " + (", ".join(self.condition_text(c) for c in self.conditions)
                                         or "no condition on this value")
        else:
            limit_text = "no limit" if limit is None else f"limit {self.value_text(limit)}"
        errors = f"; {len(self.errors_at)} Error measurement(s) (no answer)" if self.errors_at else ""
        self.setToolTip(f"{self.title}: {len(self.samples)} measurement(s), latest {latest}; "
                        f"{limit_text}; window {span(self.window_seconds)}{errors}")
        self.update()

    # -- drawing ---------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        frame = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(GRID))
        painter.setBrush(QColor("#ffffff"))
        painter.drawRoundedRect(frame, 4, 4)
        self._draw_title(painter)
        plot = QRectF(frame.left() + 52, frame.top() + 26, frame.width() - 64, frame.height() - 48)
        if plot.width() < 20 or plot.height() < 20:
            painter.end()
            return
        if not self.samples and not self.errors_at:
            painter.setPen(AXIS_TEXT)
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.empty_text)
            painter.end()
            return
        top = self._top()
        window = self.window_seconds or 1.0

        def at(seconds: float, value: float) -> QPointF:
            return QPointF(plot.left() + plot.width() * min(seconds / window, 1.0),
                           plot.bottom() - plot.height() * min(value / top, 1.0))

        self._draw_axes(painter, plot, top, window)
        if self.limit is not None:
            pen = QPen(LIMIT, 1.2, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            y = at(0, self.limit).y()
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        for condition in self.conditions:
            self._draw_condition(painter, plot, at(0, condition[2]).y(), condition)
        for seconds in self.errors_at:  # no value to plot: a cross on the time axis says "no answer"
            self._draw_error(painter, QPointF(at(seconds, 0).x(), plot.bottom()))
        path = QPainterPath()
        for index, sample in enumerate(self.samples):
            point = at(sample.seconds, sample.value)
            if index == 0:
                path.moveTo(point)
            else:
                path.lineTo(point)
        painter.setPen(QPen(self.colour, 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        for sample in self.samples:
            point = at(sample.seconds, sample.value)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(FAILED if sample.failed else self.colour)
            painter.drawEllipse(point, 4.0 if sample.failed else 2.5, 4.0 if sample.failed else 2.5)
        painter.end()

    def condition_text(self, condition: ChartCondition) -> str:
        kind, op, threshold = condition
        return f"{kind} {op} {self.value_text(threshold)}"

    def _draw_condition(self, painter: QPainter, plot: QRectF, y: float, condition: ChartCondition) -> None:
        """The boundary of a query's condition, labelled with the condition itself."""
        style = Qt.PenStyle.DashLine if condition[0] == "success" else Qt.PenStyle.DashDotLine
        painter.setPen(QPen(LIMIT, 1.2, style))
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1.5))
        painter.setFont(small)
        box = QRectF(plot.left() + 4, y - 15, plot.width() - 8, 14)
        painter.drawText(box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                         self.condition_text(condition))
        painter.setFont(self.font())

    def _draw_error(self, painter: QPainter, point: QPointF) -> None:
        painter.setPen(QPen(FAILED, 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        size = 4.0
        painter.drawLine(QPointF(point.x() - size, point.y() - size), QPointF(point.x() + size, point.y() + size))
        painter.drawLine(QPointF(point.x() - size, point.y() + size), QPointF(point.x() + size, point.y() - size))

    def _top(self) -> float:
        highest = max((s.value for s in self.samples), default=0.0)
        if self.limit is not None:
            highest = max(highest, self.limit * 1.25)
        for _, _, threshold in self.conditions:
            highest = max(highest, threshold * 1.25)
        return nice_ceiling(highest * 1.05) if highest > 0 else 1.0

    def _draw_title(self, painter: QPainter) -> None:
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("#263238"))
        box = QRectF(10, 4, self.width() - 20, 20)
        painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.title)
        painter.setFont(self.font())
        if self.samples:
            latest = f"now {self.value_text(self.samples[-1].value)}"
            if self.limit is not None:
                latest += f"  ·  limit {self.value_text(self.limit)}"
            for condition in self.conditions:
                latest += f"  ·  {self.condition_text(condition)}"
            painter.setPen(AXIS_TEXT)
            painter.drawText(box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, latest)

    def _draw_axes(self, painter: QPainter, plot: QRectF, top: float, window: float) -> None:
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1.5))
        painter.setFont(small)
        for fraction in (0.0, 0.5, 1.0):
            y = plot.bottom() - plot.height() * fraction
            painter.setPen(QPen(GRID, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(AXIS_TEXT)
            painter.drawText(QRectF(2, y - 8, plot.left() - 6, 16),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             self.value_text(top * fraction))
        for fraction in (0.0, 0.5, 1.0):
            x = plot.left() + plot.width() * fraction
            width = 90.0
            if fraction == 0.0:
                box, align = QRectF(x, plot.bottom() + 3, width, 14), Qt.AlignmentFlag.AlignLeft
            elif fraction == 1.0:
                box, align = QRectF(x - width, plot.bottom() + 3, width, 14), Qt.AlignmentFlag.AlignRight
            else:
                box, align = QRectF(x - width / 2, plot.bottom() + 3, width, 14), Qt.AlignmentFlag.AlignHCenter
            painter.drawText(box, align | Qt.AlignmentFlag.AlignTop, span(window * fraction))
        painter.setFont(self.font())


def nice_ceiling(value: float) -> float:
    """The smallest round number (1, 1.2, 1.5, 2 … 8 × 10^k) at or above ``value``, for axis labels."""
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * power >= value * (1 - 1e-9):
            return step * power
    return 10 * power


def span(seconds: float) -> str:
    """``0s``, ``45s``, ``6m18s``, ``5m``, ``1h02m`` — whole seconds, for people."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole}s"
    minutes, rest = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m" + (f"{rest:02d}s" if rest else "")
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
