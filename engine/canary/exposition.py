"""Prometheus text exposition format 0.0.4: a strict parser.

Strict because a health gate that skips a line it cannot read may skip exactly the
errors it exists to catch: any malformed line rejects the whole scrape with a
:class:`MetricsParseError` naming the line. What is checked, after the format's
own definition (prometheus.io/docs/instrumenting/exposition_formats):

- line syntax: metric and label names, quoted label values with ``\\\\``, ``\\"``
  and ``\\n`` escapes only, a float value (``NaN``, ``+Inf``, ``-Inf`` allowed) and an
  optional integer timestamp, nothing after it;
- ``# HELP`` / ``# TYPE`` at most once per metric, ``TYPE`` before its samples, a
  known type; the lines of one metric form a single group;
- no duplicate series and no duplicate label names in one sample;
- counters are never negative; histogram samples are ``_bucket`` (with a numeric
  ``le``), ``_sum`` or ``_count``; buckets are cumulative, include ``le="+Inf"``, and
  that bucket equals ``_count``; summary quantiles are numbers between 0 and 1.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from engine.canary.errors import CanaryError, MetricsParseError
from engine.canary.histogram import Histogram

METRIC_TYPES = frozenset({"counter", "gauge", "histogram", "summary", "untyped"})
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_FLOAT = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF])|[nN][aA][nN]")
_TIMESTAMP = re.compile(r"-?\d+")
_BLANKS = " \t"
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n"}


@dataclass(frozen=True)
class Sample:
    """One series value. ``labels`` are ``(name, value)`` pairs sorted by name."""

    name: str
    labels: tuple[tuple[str, str], ...]
    value: float
    timestamp_ms: int | None = None

    def label(self, key: str) -> str | None:
        for name, value in self.labels:
            if name == key:
                return value
        return None

    def matches(self, where: Mapping[str, str] | None) -> bool:
        return not where or all(self.label(k) == v for k, v in where.items())


@dataclass(frozen=True)
class MetricFamily:
    name: str
    type: str
    help: str
    samples: tuple[Sample, ...]


@dataclass(frozen=True)
class Exposition:
    """A parsed scrape. Build it with :meth:`parse`; it is valid once it exists."""

    families: tuple[MetricFamily, ...]

    @classmethod
    def parse(cls, data: str | bytes) -> Exposition:
        if isinstance(data, bytes):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as err:
                line_no = data.count(b"\n", 0, err.start) + 1
                raise MetricsParseError("not UTF-8", line_no=line_no, line="") from None
        else:
            text = data
        return _Parser().run(text)

    def family(self, name: str) -> MetricFamily | None:
        for family in self.families:
            if family.name == name:
                return family
        return None

    def value_sum(self, name: str, where: Mapping[str, str] | None = None) -> float | None:
        """Sum of every series of counter/gauge/untyped ``name`` matching ``where``.

        None when the metric is absent; a histogram or summary name is refused.
        """
        family = self.family(name)
        if family is None:
            return None
        if family.type in ("histogram", "summary"):
            raise CanaryError(f"metric {name!r} is a {family.type}, not a counter or gauge")
        return math.fsum(s.value for s in family.samples if s.name == name and s.matches(where))

    def histogram(self, name: str, where: Mapping[str, str] | None = None) -> Histogram | None:
        """Histogram ``name`` summed over all other labels (``sum by (le)``), or None."""
        family = self.family(name)
        if family is None:
            return None
        if family.type != "histogram":
            raise CanaryError(f"metric {name!r} is a {family.type}, not a histogram")
        by_bound: dict[float, float] = {}
        total = count = 0.0
        for sample in family.samples:
            if not sample.matches(where):
                continue
            if sample.name == name + "_bucket":
                bound = float(sample.label("le") or "nan")
                by_bound[bound] = by_bound.get(bound, 0.0) + sample.value
            elif sample.name == name + "_sum":
                total += sample.value
            elif sample.name == name + "_count":
                count += sample.value
        if not by_bound:
            return None
        # Label sets with different bounds make the sum non-cumulative at some
        # bounds; PromQL forces monotonic counts (ensureMonotonic), and so do we.
        pairs, highest = [], 0.0
        for bound, value in sorted(by_bound.items()):
            highest = max(highest, value)
            pairs.append((bound, highest))
        return Histogram.from_pairs(pairs, sum=total, count=count)


@dataclass
class _Draft:
    name: str
    type: str = "untyped"
    help: str | None = None
    typed: bool = False
    samples: list[tuple[int, str, Sample]] = field(default_factory=list)


@dataclass
class _SeriesGroup:
    """One histogram label set while checking it: its buckets and ``_count``."""

    line_no: int
    line: str
    buckets: list[tuple[float, float]] = field(default_factory=list)
    count: float | None = None


_Fail = Callable[[str], MetricsParseError]


class _Parser:
    def __init__(self) -> None:
        self.drafts: dict[str, _Draft] = {}
        self.order: list[str] = []
        self.current: str | None = None
        self.series: set[tuple[str, tuple[tuple[str, str], ...]]] = set()

    def run(self, text: str) -> Exposition:
        for line_no, raw in enumerate(text.split("\n"), start=1):
            line = raw[:-1] if raw.endswith("\r") else raw
            stripped = line.strip(_BLANKS)
            if not stripped:
                continue
            if stripped.startswith("#"):
                self._comment(stripped, line_no, line)
            else:
                self._sample(stripped, line_no, line)
        families = []
        for name in self.order:
            draft = self.drafts[name]
            samples = [s for _, _, s in draft.samples]
            _check_family(draft)
            families.append(MetricFamily(name, draft.type, draft.help or "", tuple(samples)))
        return Exposition(tuple(families))

    def _open(self, name: str, line_no: int, line: str) -> _Draft:
        draft = self.drafts.get(name)
        if draft is None:
            draft = _Draft(name=name)
            self.drafts[name] = draft
            self.order.append(name)
        elif self.current != name:
            raise MetricsParseError(
                f"lines of metric {name!r} are not grouped together", line_no=line_no, line=line
            )
        self.current = name
        return draft

    def _comment(self, stripped: str, line_no: int, line: str) -> None:
        body = stripped[1:].lstrip(_BLANKS)
        keyword, _, rest = body.partition(" ")
        if keyword not in ("HELP", "TYPE"):
            return
        rest = rest.lstrip(_BLANKS)
        name, _, tail = rest.partition(" ")
        if not name or not _METRIC_NAME.fullmatch(name):
            raise MetricsParseError(f"invalid metric name in # {keyword}", line_no=line_no, line=line)
        draft = self._open(name, line_no, line)
        if keyword == "HELP":
            if draft.help is not None:
                raise MetricsParseError(f"second HELP line for {name!r}", line_no=line_no, line=line)
            draft.help = _unescape_help(tail, line_no, line)
            return
        kind = tail.strip(_BLANKS)
        if kind not in METRIC_TYPES:
            raise MetricsParseError(f"unknown metric type {kind!r}", line_no=line_no, line=line)
        if draft.typed:
            raise MetricsParseError(f"second TYPE line for {name!r}", line_no=line_no, line=line)
        if draft.samples:
            raise MetricsParseError(f"TYPE line for {name!r} after its samples", line_no=line_no, line=line)
        draft.type, draft.typed = kind, True

    def _family_of(self, sample_name: str) -> str:
        if sample_name in self.drafts and self.drafts[sample_name].type != "histogram":
            return sample_name
        for suffix in ("_bucket", "_sum", "_count"):
            if sample_name.endswith(suffix):
                base = sample_name[: -len(suffix)]
                draft = self.drafts.get(base)
                if draft is not None and (
                    draft.type == "histogram" or (draft.type == "summary" and suffix != "_bucket")
                ):
                    return base
        return sample_name

    def _sample(self, stripped: str, line_no: int, line: str) -> None:
        sample = _parse_sample_line(stripped, line_no, line)
        family = self._family_of(sample.name)
        draft = self._open(family, line_no, line)
        key = (sample.name, sample.labels)
        if key in self.series:
            raise MetricsParseError("duplicate series", line_no=line_no, line=line)
        self.series.add(key)
        _check_sample(draft, sample, line_no, line)
        draft.samples.append((line_no, line, sample))


def _check_sample(draft: _Draft, sample: Sample, line_no: int, line: str) -> None:
    kind, base = draft.type, draft.name
    if kind == "counter" and sample.value < 0:
        raise MetricsParseError("counter value is negative", line_no=line_no, line=line)
    if kind == "histogram":
        if sample.name == base + "_bucket":
            le = sample.label("le")
            if le is None:
                raise MetricsParseError("histogram bucket without an 'le' label", line_no=line_no, line=line)
            if not _FLOAT.fullmatch(le) or math.isnan(float(le)):
                raise MetricsParseError(f"bucket bound le={le!r} is not a number", line_no=line_no, line=line)
        elif sample.name not in (base + "_sum", base + "_count"):
            raise MetricsParseError(
                f"histogram {base!r} sample must end in _bucket, _sum or _count", line_no=line_no, line=line
            )
        if sample.name != base + "_sum" and (sample.value < 0 or math.isnan(sample.value)):
            raise MetricsParseError("histogram count is negative or NaN", line_no=line_no, line=line)
    if kind == "summary" and sample.name == base:
        quantile = sample.label("quantile")
        if quantile is None or not _FLOAT.fullmatch(quantile) or not 0.0 <= float(quantile) <= 1.0:
            raise MetricsParseError(
                "summary sample needs a 'quantile' label between 0 and 1", line_no=line_no, line=line
            )


def _check_family(draft: _Draft) -> None:
    """Histogram consistency, per label set: cumulative buckets ending at +Inf == _count."""
    if draft.type != "histogram":
        return
    groups: dict[tuple[tuple[str, str], ...], _SeriesGroup] = {}
    for line_no, line, sample in draft.samples:
        others = tuple(pair for pair in sample.labels if pair[0] != "le")
        group = groups.setdefault(others, _SeriesGroup(line_no, line))
        if sample.name == draft.name + "_bucket":
            group.buckets.append((float(sample.label("le") or "nan"), sample.value))
        elif sample.name == draft.name + "_count":
            group.count = sample.value
    for group in groups.values():
        line_no, line = group.line_no, group.line
        buckets = sorted(group.buckets)
        if not buckets:
            raise MetricsParseError(f"histogram {draft.name!r} has no buckets", line_no=line_no, line=line)
        if buckets[-1][0] != math.inf:
            raise MetricsParseError(
                f"histogram {draft.name!r} has no le=\"+Inf\" bucket", line_no=line_no, line=line
            )
        for (_, lower), (_, upper) in zip(buckets, buckets[1:], strict=False):
            if upper < lower:
                raise MetricsParseError(
                    f"histogram {draft.name!r} buckets are not cumulative", line_no=line_no, line=line
                )
        if group.count is not None and group.count != buckets[-1][1]:
            raise MetricsParseError(
                f"histogram {draft.name!r}: _count differs from the +Inf bucket", line_no=line_no, line=line
            )


def _unescape_help(text: str, line_no: int, line: str) -> str:
    out: list[str] = []
    chars = iter(text)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        nxt = next(chars, "")
        if nxt == "\\":
            out.append("\\")
        elif nxt == "n":
            out.append("\n")
        else:
            raise MetricsParseError("invalid escape in HELP text", line_no=line_no, line=line)
    return "".join(out)


def _parse_sample_line(text: str, line_no: int, line: str) -> Sample:
    def fail(reason: str) -> MetricsParseError:
        return MetricsParseError(reason, line_no=line_no, line=line)

    match = _METRIC_NAME.match(text)
    if match is None:
        raise fail("invalid metric name")
    name, pos = match.group(), match.end()
    labels: dict[str, str] = {}
    if pos < len(text) and text[pos] == "{":
        pos = _parse_labels(text, pos + 1, labels, fail)
    if pos >= len(text) or text[pos] not in _BLANKS:
        raise fail("expected a blank and a value after the metric name and labels")
    tokens = text[pos:].split()
    if not 1 <= len(tokens) <= 2:
        raise fail("expected a value and an optional timestamp")
    if not _FLOAT.fullmatch(tokens[0]):
        raise fail(f"value {_short(tokens[0])!r} is not a number")
    timestamp = None
    if len(tokens) == 2:
        if not _TIMESTAMP.fullmatch(tokens[1]):
            raise fail(f"timestamp {_short(tokens[1])!r} is not an integer")
        timestamp = int(tokens[1])
    return Sample(name, tuple(sorted(labels.items())), float(tokens[0]), timestamp)


def _short(token: str) -> str:
    return token if len(token) <= 40 else token[:37] + "..."


def _parse_labels(text: str, pos: int, labels: dict[str, str], fail: _Fail) -> int:
    """Parse ``name="value",...}`` from ``pos``; return the index after ``}``."""
    while True:
        while pos < len(text) and text[pos] in _BLANKS:
            pos += 1
        if pos < len(text) and text[pos] == "}":
            return pos + 1
        match = _LABEL_NAME.match(text, pos)
        if match is None:
            raise fail("invalid label name")
        label = match.group()
        pos = match.end()
        while pos < len(text) and text[pos] in _BLANKS:
            pos += 1
        if pos >= len(text) or text[pos] != "=":
            raise fail(f"expected '=' after label {label!r}")
        pos += 1
        while pos < len(text) and text[pos] in _BLANKS:
            pos += 1
        if pos >= len(text) or text[pos] != '"':
            raise fail(f"label {label!r} value must be quoted")
        pos += 1
        value: list[str] = []
        while True:
            if pos >= len(text):
                raise fail(f"unterminated value of label {label!r}")
            char = text[pos]
            if char == '"':
                pos += 1
                break
            if char == "\\":
                escaped = _ESCAPES.get(text[pos + 1] if pos + 1 < len(text) else "")
                if escaped is None:
                    raise fail(f"invalid escape in value of label {label!r}")
                value.append(escaped)
                pos += 2
                continue
            value.append(char)
            pos += 1
        if label in labels:
            raise fail(f"label {label!r} appears twice")
        labels[label] = "".join(value)
        while pos < len(text) and text[pos] in _BLANKS:
            pos += 1
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        if pos < len(text) and text[pos] == "}":
            return pos + 1
        raise fail("expected ',' or '}' after a label value")
