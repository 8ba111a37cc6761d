"""How a typed payload reads and writes JSON: the machinery under engine/run/payloads.py.

A payload class is a frozen dataclass; its fields are read from the JSON object by
their annotations (``str``, ``int``, ``float``, ``bool``, ``Mapping[str, Any]``,
``Any``, another payload class, ``tuple[...]`` of them, each optionally ``| None``) under
their own name or the key ``key()`` gives. Reading keeps every value as it was parsed
(an int stays an int) and every key it does not model in ``extra``, and notes in
``absent`` the modelled keys that were missing; writing puts back exactly those keys,
so ``read(data).to_data() == data``.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from engine.canonical import canonical_bytes

P = TypeVar("P", bound="Payload")
_Convert = Callable[[Any, str, str], Any]  # (value, where, key): where.key names it
_BOOKKEEPING = ("extra", "absent")


class PayloadError(ValueError):
    """A stored payload whose modelled key holds a value of the wrong type."""


def key(name: str, default: Any = None) -> Any:
    """A field stored under JSON key ``name`` (for keys that are not Python names)."""
    return field(default=default, metadata={"key": name})


@dataclass(frozen=True, kw_only=True)
class Payload:
    """Base of every payload and nested payload object."""

    extra: Mapping[str, Any] = field(default_factory=dict)  # keys this type does not model
    absent: frozenset[str] = frozenset()  # modelled keys the stored payload did not carry

    @classmethod
    def read(cls: type[P], data: Mapping[str, Any], where: str = "data") -> P:
        """The typed payload of ``data``; raises :class:`PayloadError` on a wrongly typed value."""
        reader = _reader(cls)
        values: dict[str, Any] = {}
        missing: list[str] = []
        for name, json_key, plain, convert, default, factory in reader.fields:
            if json_key in data:
                value = data[json_key]
                # the common case (a value of a plain expected type) needs no call
                values[name] = value if type(value) in plain else convert(value, where, json_key)
            else:
                missing.append(json_key)
                values[name] = default if factory is None else factory()
        values["extra"] = {k: v for k, v in data.items() if k not in reader.modelled}
        values["absent"] = frozenset(missing)
        # every field is set above, from the data or its default: __init__ would repeat it
        payload = object.__new__(cls)
        payload.__dict__.update(values)
        return payload

    def to_data(self) -> dict[str, Any]:
        """The payload as stored: modelled keys that were present, then everything else."""
        out = dict(self.extra)
        for name, json_key, *_ in _reader(type(self)).fields:
            if json_key not in self.absent:
                out[json_key] = _write(getattr(self, name))
        return out

    def canonical(self) -> bytes:
        return canonical_bytes(self.to_data())


# -- reading and writing by annotation -------------------------------------------------


@dataclass(frozen=True)
class _Reader:
    # (attribute, JSON key, plain types taken as they are, converter, default, factory)
    fields: tuple[tuple[str, str, frozenset[type], _Convert, Any, Callable[[], Any] | None], ...]
    modelled: frozenset[str]


_READERS: dict[type[Payload], _Reader] = {}


def _reader(cls: type[Payload]) -> _Reader:
    """How to read and write ``cls``: its modelled fields, from their annotations."""
    known = _READERS.get(cls)
    if known is None:
        known = _READERS[cls] = _make_reader(cls)
    return known


def _make_reader(cls: type[Payload]) -> _Reader:
    hints = get_type_hints(cls)
    rows = []
    for f in fields(cls):
        if f.name in _BOOKKEEPING:
            continue
        factory = None if f.default_factory is MISSING else f.default_factory
        default = None if f.default is MISSING else f.default
        rows.append((f.name, str(f.metadata.get("key", f.name)), _plain(hints[f.name]),
                     _converter(hints[f.name]), default, factory))
    return _Reader(tuple(rows), frozenset(row[1] for row in rows))


_ANY_JSON: frozenset[type] = frozenset({str, int, float, bool, dict, list, type(None)})


def _plain(hint: Any) -> frozenset[type]:
    """The JSON value types a field of type ``hint`` takes as they are, with no conversion."""
    if hint is Any:
        return _ANY_JSON
    if get_origin(hint) in (Union, types.UnionType):
        return frozenset[type]().union(*(_plain(a) for a in get_args(hint)))
    simple: dict[Any, frozenset[type]] = {
        str: frozenset({str}), bool: frozenset({bool}), int: frozenset({int}),
        float: frozenset({int, float}), type(None): frozenset({type(None)})}
    if hint in simple:
        return simple[hint]
    if hint is Mapping or get_origin(hint) is Mapping:
        return frozenset({dict})
    return frozenset()  # lists and nested objects are always converted


def _converter(hint: Any) -> _Convert:
    origin, args = get_origin(hint), get_args(hint)
    if hint is Any:
        return lambda value, where, name: value
    if origin in (Union, types.UnionType):
        inner = _converter(next(a for a in args if a is not type(None)))
        return lambda value, where, name: None if value is None else inner(value, where, name)
    if origin is tuple:
        item = _converter(args[0])
        return lambda value, where, name: tuple(
            item(v, f"{where}.{name}", f"[{i}]")
            for i, v in enumerate(_checked(value, list, where, name)))
    if origin is Mapping or hint is Mapping:
        return lambda value, where, name: _checked(value, dict, where, name)
    if isinstance(hint, type) and issubclass(hint, Payload):
        nested = hint
        return lambda value, where, name: nested.read(_checked(value, dict, where, name),
                                                      f"{where}.{name}")
    if hint is bool:
        return lambda value, where, name: _checked(value, bool, where, name)
    if hint is str:
        return lambda value, where, name: _checked(value, str, where, name)
    if hint is int:
        return _number((int,))
    if hint is float:
        return _number((int, float))
    raise TypeError(f"no reader for payload field type {hint!r}")


def _number(kinds: tuple[type, ...]) -> _Convert:
    def convert(value: Any, where: str, name: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise PayloadError(f"{where}.{name} should be a number, not {_json_type(value)}")
        return value  # kept as read: an int stays an int, so the bytes do not change
    return convert


def _checked(value: Any, kind: type, where: str, name: str) -> Any:
    if type(value) is not kind and not isinstance(value, kind):
        raise PayloadError(f"{where}.{name} should be {_json_name(kind)}, not {_json_type(value)}")
    return value


def _json_name(kind: type) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true or false"}.get(
        kind, kind.__name__)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return _json_name(type(value)) if type(value) in (dict, list, str, bool) else "a number" \
        if isinstance(value, int | float) else type(value).__name__


def _write(value: Any) -> Any:
    if isinstance(value, Payload):
        return value.to_data()
    if isinstance(value, tuple):
        return [_write(item) for item in value]
    return value
