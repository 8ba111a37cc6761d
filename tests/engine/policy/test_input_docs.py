"""docs/policy-input.md describes every field the rules can read and the verdict seals."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from engine.policy import Baseline
from tests.engine.policy.scenario import gate

DOC = Path(__file__).resolve().parents[3] / "docs" / "policy-input.md"


def _fields(value: Any, out: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            out.add(key)
            _fields(item, out)
    elif isinstance(value, list):
        for item in value:
            _fields(item, out)
    return out


def test_every_input_and_verdict_field_is_documented() -> None:
    documented = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_.]*)`", DOC.read_text()))
    result = gate(baseline=Baseline("eu-prod", frozenset({"x"})),
                  observed={"pkg:npm/ws"})
    document = result.document
    # Field names of maps, not values or map keys that are data (ids, package names).
    data_keys = set(document["counts"]["by_severity"])
    verdict = result.verdict.to_json()
    names = (_fields(document, set()) | _fields({k: v for k, v in verdict.items()
                                                 if k != "inputs"}, set())
             | set(verdict["inputs"]) | set(verdict["inputs"]["release"])
             | set(verdict["inputs"]["feeds"][0]) | set(verdict["inputs"]["baseline"]))
    names -= data_keys
    missing = sorted(n for n in names if n not in documented)
    assert missing == [], missing
