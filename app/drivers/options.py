"""What each deploy driver accepts as ``--option KEY=VALUE``, checked when a target is
added or changed, so a wrong value is refused then (naming the option and its type)
instead of breaking a deploy later.

Each driver declares its options here: name, type and range. Neither built-in driver
reads per-target options today (the ``command`` driver takes everything from the
environment's deploy settings, the ``demo-fleet`` driver from its fleet), so both
declare none and any option given to them is refused with that explanation; a driver
that reads options declares them, and :func:`validate_options` holds values to them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.errors import UsageError
from engine.text import terminal_safe

TEXT, INTEGER, PORT, BOOLEAN, HOST = "text", "integer", "port", "boolean", "host"
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


@dataclass(frozen=True)
class OptionSpec:
    name: str
    kind: str  # text | integer | port | boolean | host
    help: str
    low: int | None = None
    high: int | None = None
    required: bool = False
    max_length: int = 256

    def parse(self, value: str) -> str:
        """The value in its one canonical spelling, or UsageError naming what is wrong."""
        shown = terminal_safe(value)
        if self.kind in (INTEGER, PORT):
            low, high = (1, 65535) if self.kind == PORT else (self.low, self.high)
            if not (value.isascii() and value.isdigit() and len(value) <= 18):
                raise UsageError(f"option {self.name}={shown!r}: {self.help} must be a whole "
                                 f"number" + (f" from {low} to {high}" if low is not None else ""))
            number = int(value)
            if (low is not None and number < low) or (high is not None and number > high):
                raise UsageError(f"option {self.name}={number}: out of range, give {low} to {high}")
            return str(number)
        if self.kind == BOOLEAN:
            if value.lower() in _TRUE:
                return "true"
            if value.lower() in _FALSE:
                return "false"
            raise UsageError(f"option {self.name}={shown!r}: give true or false")
        if self.kind == HOST:
            if not _HOST.fullmatch(value):
                raise UsageError(f"option {self.name}={shown!r}: not a host name")
            return value.lower()
        if not value or len(value) > self.max_length or any(not ch.isprintable() for ch in value):
            raise UsageError(f"option {self.name}={shown!r}: give printable text of at most "
                             f"{self.max_length} characters")
        return value


DECLARED: dict[str, tuple[OptionSpec, ...]] = {
    "command": (),
    "demo-fleet": (),
    "ssh": (
        OptionSpec("host", HOST, "the host to reach over SSH", required=True),
        OptionSpec("port", PORT, "the SSH port"),
        OptionSpec("user", TEXT, "the user the commands run as", required=True, max_length=64),
        OptionSpec("host_key", TEXT, "the pinned known_hosts entry of the host", required=True,
                   max_length=8192),
        OptionSpec("client_key", TEXT, "a secrets reference to the client's private key "
                   "(e.g. file:ssh/deploy-key)", required=True),
    ),
}


def validate_options(driver: str, options: Mapping[str, str],
                     declared: Mapping[str, tuple[OptionSpec, ...]] = DECLARED) -> dict[str, str]:
    """``options`` checked against ``driver``'s declaration: unknown keys, wrong types and
    missing required ones are refused; values come back canonical."""
    if driver not in declared:
        raise UsageError(f"driver must be one of {', '.join(sorted(declared))}")
    specs = {spec.name: spec for spec in declared[driver]}
    unknown = sorted(set(options) - set(specs))
    if unknown:
        names = ", ".join(terminal_safe(name) for name in unknown)
        accepted = (f"it accepts {', '.join(sorted(specs))}" if specs
                    else "it takes no per-target options")
        raise UsageError(f"driver {driver} has no option {names}: {accepted}")
    missing = sorted(name for name, spec in specs.items() if spec.required and name not in options)
    if missing:
        raise UsageError(f"driver {driver} needs option {', '.join(missing)}")
    return {name: specs[name].parse(str(value)) for name, value in sorted(options.items())}
