from __future__ import annotations

import json
from typing import Any

import pytest

from engine.canonical import canonical_digest
from engine.policy import BUILTIN_FEEDS_FRESH, Policy, PolicyFormatError, RuleCompileError
from tests.engine.policy.scenario import POLICY_DOC


def test_policy_parses_and_the_builtin_feeds_rule_comes_first() -> None:
    pol = Policy.from_json(POLICY_DOC)
    assert (pol.name, pol.version, pol.max_feed_age_hours) == ("prod-gate", 7, 24.0)
    assert [c.rule.id for c in pol.rules] == [
        "feeds-fresh", "no-critical", "reachable-high", "unfixed", "too-many-highs"]
    assert pol.rules[0].rule is BUILTIN_FEEDS_FRESH and BUILTIN_FEEDS_FRESH.action == "block"
    # each_finding without condition means "some finding matched".
    assert pol.rules[1].rule.condition == "size(matched) > 0"


def test_digest_is_the_canonical_json_of_the_whole_document() -> None:
    pol = Policy.from_bytes(json.dumps(POLICY_DOC, indent=4).encode())
    assert pol.digest == canonical_digest(POLICY_DOC)
    with_extra = Policy.from_json({**POLICY_DOC, "owner": "release-managers"})
    assert with_extra.digest != pol.digest  # unknown fields are kept and count


def test_a_policy_with_its_own_feeds_rule_keeps_it() -> None:
    own = {"id": "feeds-fresh", "condition": "feeds.exists(s, s.stale)", "action": "warn",
           "message": "Feeds are old"}
    pol = Policy.from_json({**POLICY_DOC, "rules": [own]})
    assert [(c.rule.id, c.rule.action, c.rule.builtin) for c in pol.rules] == [
        ("feeds-fresh", "warn", False)]


def test_rule_definition_digest_changes_with_the_rule() -> None:
    a = Policy.from_json(POLICY_DOC).rules[4].rule
    changed = json.loads(json.dumps(POLICY_DOC))
    changed["rules"][3]["condition"] = "counts.high > 10"
    b = Policy.from_json(changed).rules[4].rule
    assert a.id == b.id and a.digest != b.digest


def _rules(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"name": "p", "version": "1", "rules": list(rules)}


GOOD = {"id": "r", "condition": "true", "action": "warn", "message": "m"}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "must be a JSON object"),
        ({"version": 1, "rules": []}, "policy name: needs a non-empty string"),
        ({"name": "p", "version": True, "rules": []}, "policy version: must be an integer"),
        ({"name": "p", "version": 1}, "policy rules: must be a list"),
        ({"name": "p", "version": 1, "rules": [], "feeds": {"max_age_hours": 0}},
         "feeds.max_age_hours: must be a positive number"),
        (_rules({**GOOD, "id": "no spaces"}), "needs an id of letters"),
        (_rules(GOOD, GOOD), "rule id 'r' is used twice"),
        (_rules({**GOOD, "action": "deny"}), "rule 'r' action: must be one of"),
        (_rules({**GOOD, "message": ""}), "rule 'r' message: needs a non-empty message"),
        (_rules({"id": "r", "action": "warn", "message": "m"}), "needs a condition"),
        (_rules({**GOOD, "description": 3}), "rule 'r'.description: must be a string"),
    ],
)
def test_invalid_policies_are_rejected(doc: Any, message: str) -> None:
    with pytest.raises(PolicyFormatError, match=message):
        Policy.from_json(doc)


def test_cel_syntax_errors_name_the_rule_and_the_field() -> None:
    with pytest.raises(RuleCompileError) as err:
        Policy.from_json(_rules(GOOD, {**GOOD, "id": "broken", "each_finding": "f.severity =="}))
    assert (err.value.policy_rule, err.value.expression_field) == ("broken", "each_finding")
    assert "rule 'broken' each_finding: does not compile" in str(err.value)


def test_not_json_is_rejected() -> None:
    with pytest.raises(PolicyFormatError, match="not JSON"):
        Policy.from_bytes(b"name: prod-gate\n")
