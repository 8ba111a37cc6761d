"""What CEL expressions see, converted once and only as far as needed.

Converting the input document to CEL values, and evaluating an expression per
finding, are the costly parts of a gate on a large release. Two savings, both
exact:

* A top-level field of the document is converted only when some expression of
  the policy names it (an unnamed field can never be read).
* ``each_finding`` is evaluated once per distinct combination of the finding
  fields the expression names, not once per finding, when the expression only
  reads ``f`` through ``f.<field>``. CEL is side-effect free, so findings that
  agree on every field the expression can read get the same result. An
  expression that uses ``f`` in any other way (``f[...]``, ``f`` passed whole,
  a macro variable called ``f``) is evaluated per finding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.policy.cel import CelOutcome, CelProgram

_BARE_F = re.compile(r"\bf\b(?!\s*\.)")
_F_INDEX = re.compile(r"\bf\s*\[")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A condition that can only observe how many findings matched.
_SIZE_ONLY = re.compile(r"\s*size\(\s*matched\s*\)\s*(==|!=|>=|<=|>|<)\s*\d+\s*")


def to_cel(value: Any) -> Any:
    """engine.policy.cel's, imported on first use: the CEL engine takes ~0.25 s to load and
    most processes that import the policy package never evaluate one."""
    from engine.policy.cel import to_cel as convert

    return convert(value)


def cel_list(items: list[Any]) -> Any:
    from engine.policy.cel import cel_list as make

    return make(items)


def finding_fields(source: str, keys: Iterable[str]) -> tuple[str, ...] | None:
    """Finding fields ``source`` can read via ``f.<field>``; ``None`` if it uses ``f`` whole.

    Words inside string literals count too, so the answer is a superset.
    """
    if _BARE_F.search(source) or _F_INDEX.search(source):
        return None
    words = set(_WORD.findall(source))
    return tuple(k for k in keys if k in words)


class Scope:
    """CEL variables for one evaluation of one policy over one input document."""

    def __init__(self, document: dict[str, Any], programs: Iterable[CelProgram]) -> None:
        self.document = document
        self.findings: list[dict[str, Any]] = document["findings"]
        named: set[str] = set()
        for program in programs:
            named |= program.names
            if finding_fields(program.source, ()) is None:
                named.add("findings")  # per-finding evaluation uses the converted list
        self.variables = {k: to_cel(v) for k, v in document.items() if k in named}
        self._cel_findings: dict[int, Any] = {}

    def cel_finding(self, index: int) -> Any:
        if index not in self._cel_findings:
            converted = self.variables.get("findings")
            self._cel_findings[index] = (converted[index] if converted is not None
                                         else to_cel(self.findings[index]))
        return self._cel_findings[index]

    def each_finding(self, program: CelProgram) -> list[CelOutcome]:
        """The program's outcome for every finding, in document order."""
        keys = self.findings[0].keys() if self.findings else ()
        fields = finding_fields(program.source, keys)
        if fields is None:
            return [program.evaluate_bool({**self.variables, "f": self.cel_finding(i)})
                    for i in range(len(self.findings))]
        memo: dict[str, CelOutcome] = {}
        out = []
        for finding in self.findings:
            projection = {k: finding[k] for k in fields}
            key = json.dumps(projection, sort_keys=True)
            if key not in memo:
                memo[key] = program.evaluate_bool({**self.variables, "f": to_cel(projection)})
            out.append(memo[key])
        return out

    def with_matched(self, indexes: list[int], condition: CelProgram) -> dict[str, Any]:
        """Variables plus ``matched``, the CEL list of those findings (their keys
        stand in for them when the condition only compares ``size(matched)``)."""
        if _SIZE_ONLY.fullmatch(condition.source):
            items = [to_cel(self.findings[i]["key"]) for i in indexes]
        else:
            items = [self.cel_finding(i) for i in indexes]
        return {**self.variables, "matched": cel_list(items)}
