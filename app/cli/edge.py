"""Values checked where they enter: numbers, dates, durations, sizes and files given on
the command line, each against its range, so a bad one is a usage error (exit 2)
naming the option, never an overflow deep inside a service.

Ranges: counts 0..100 (approvals); epoch seconds 0..year 9999; a bundle's validity
one minute..ten years; a JSON settings file at most 8 MiB and 64 levels deep.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.errors import NotFound, UsageError
from engine.text import terminal_safe

MAX_VALIDITY = timedelta(days=3660)
MAX_JSON_BYTES = 8 * 1024 * 1024
MAX_JSON_DEPTH = 64
_MAX_EPOCH = int(datetime(9999, 12, 31, tzinfo=UTC).timestamp())


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type=``: a whole number within [low, high]."""

    def parse(text: str) -> int:
        cleaned = text.strip()
        digits = cleaned.removeprefix("-")
        if not (digits.isascii() and digits.isdigit()):
            raise argparse.ArgumentTypeError(f"{terminal_safe(text)!r} is not a whole number "
                                             f"from {low} to {high}")
        if len(digits) > 20 or not low <= int(cleaned) <= high:
            raise argparse.ArgumentTypeError(f"{terminal_safe(text)} is out of range: give "
                                             f"{low} to {high}")
        value = int(cleaned)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range: give {low} to {high}")
        return value

    parse.__name__ = "number"  # argparse names the type in its own messages
    return parse


MAX_SPLIT = 1 << 50  # 1 PiB: beyond any medium
_SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def split_size(text: str) -> int:
    """``--split-size``: ``4G``, ``700M``, ``1.5G``, ``65536`` (binary units), 1 byte..1 PiB."""
    match = re.fullmatch(r"([0-9]{1,15}(?:\.[0-9]{1,6})?)\s*([KMGT]?)(?:i?B)?", text.strip(),
                         re.IGNORECASE)
    if not match:
        raise UsageError(f"--split-size {terminal_safe(text)!r} is not a size (e.g. 4G, 700M, "
                         "65536)")
    size = int(float(match[1]) * _SIZE_UNITS[match[2].upper()])
    if not 1 <= size <= MAX_SPLIT:
        raise UsageError(f"--split-size {terminal_safe(text)} is out of range: give 1 byte to "
                         "1024T")
    return size


def bounded_float(low: float, high: float) -> Callable[[str], float]:
    """An argparse ``type=``: a finite decimal number within [low, high]."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{terminal_safe(text)!r} is not a number") from None
        if not low <= value <= high:  # NaN fails this too
            raise argparse.ArgumentTypeError(f"{terminal_safe(text)} is out of range: give "
                                             f"{low:g} to {high:g}")
        return value

    parse.__name__ = "number"
    return parse


def epoch_seconds(text: str, name: str) -> datetime:
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isdigit()) or int(cleaned) > _MAX_EPOCH:
        raise UsageError(f"{name}={terminal_safe(text)!r}: give whole seconds since 1970 "
                         "(before the year 9999)")
    return datetime.fromtimestamp(int(cleaned), UTC)


def output_file(path: str, option: str) -> Path:
    """A file to be written: its folder exists and it is not itself a folder."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{option} {terminal_safe(path)} is a folder; give the path of a "
                         "file to write")
    folder = target.parent
    if not folder.is_dir():
        raise NotFound(f"{option} {terminal_safe(path)}: the folder {terminal_safe(folder)} "
                       "does not exist; create it or choose another place")
    return target


def read_json_file(path: str, option: str) -> Any:
    """A JSON file given by a person: at most 8 MiB, 64 levels, strict (no duplicate
    keys, no NaN)."""
    shown = terminal_safe(path)
    source = Path(path)
    if source.is_dir():
        raise UsageError(f"{option} {shown} is a folder; give a JSON file")
    try:
        with open(source, "rb") as handle:
            data = handle.read(MAX_JSON_BYTES + 1)
    except FileNotFoundError:
        raise NotFound(f"{option} {shown}: no such file") from None
    if len(data) > MAX_JSON_BYTES:
        raise UsageError(f"{option} {shown} is larger than {MAX_JSON_BYTES >> 20} MiB")
    if json_depth(data) > MAX_JSON_DEPTH:
        raise UsageError(f"{option} {shown} is nested deeper than {MAX_JSON_DEPTH} levels")
    # imported here: engine.crypto loads the cryptography library, which the grammar
    # (these helpers are its argument types) must not pay for at every start
    from engine.crypto.strict_json import StrictJSONError, loads_strict

    try:
        return loads_strict(data)
    except StrictJSONError as exc:
        raise UsageError(f"{option} {shown} is not JSON: {terminal_safe(exc)}") from None


def json_depth(data: bytes) -> int:
    """The deepest nesting of brackets outside strings (before parsing: a deep document
    would otherwise exhaust the parser's recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest
