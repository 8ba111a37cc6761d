"""Strict JSON parsing for untrusted, signed documents.

``json.loads`` is lenient in ways that matter for signed data: a duplicated key
silently keeps the last value (so two readers may see two different documents
behind one signature), ``NaN``/``Infinity`` are accepted, and deep nesting or
huge integers raise exceptions that are not ``ValueError``. This module turns
all of that into one :class:`StrictJSONError` with a readable message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


class StrictJSONError(ValueError):
    """The bytes are not one strict JSON document."""


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise StrictJSONError(f"duplicate key {key!r} in a JSON object")
            seen.add(key)
    return result


def _reject_constant(name: str) -> Any:
    raise StrictJSONError(f"{name} is not valid JSON")


def loads_strict(data: bytes | str, *, compact: Callable[[dict[str, Any]], Any] | None = None) -> Any:
    """Parse one JSON document, refusing duplicate keys, NaN/Infinity and bad UTF-8.

    ``compact``, when given, is applied to every object once its keys are checked, as
    soon as it is parsed: a reader of many small objects keeps a lean form of each
    instead of the dict (a dict is ~200 bytes before its contents)."""
    if isinstance(data, bytes | bytearray | memoryview):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StrictJSONError(f"not UTF-8 text (byte {exc.start})") from None
    else:
        text = data
    hook = _reject_duplicates
    if compact is not None:
        def hook(pairs: list[tuple[str, Any]]) -> Any:
            return compact(_reject_duplicates(pairs))
    try:
        return json.loads(text, object_pairs_hook=hook, parse_constant=_reject_constant)
    except StrictJSONError:
        raise
    except RecursionError:
        raise StrictJSONError("JSON nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise StrictJSONError(f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
    except ValueError as exc:  # e.g. integers longer than the interpreter's digit limit
        raise StrictJSONError(f"not valid JSON: {exc}") from None


def is_utf8_text(value: str) -> bool:
    """True when ``value`` encodes to UTF-8 (no lone surrogates from ``\\ud800`` escapes)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
