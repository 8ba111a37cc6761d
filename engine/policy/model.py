"""The gate policy (DESIGN §5): rules with CEL conditions, actions and messages.

``policy.json`` (a ``policy.yaml`` parsed to the same structure is equivalent)::

    {"name": "prod-gate", "version": 3,
     "feeds": {"max_age_hours": 24},
     "rules": [
       {"id": "no-critical", "description": "No unsuppressed critical finding",
        "each_finding": "!f.suppressed && f.severity == 'CRITICAL'",
        "condition": "size(matched) > 0",
        "action": "block", "message": "Critical vulnerabilities must be fixed"},
       {"id": "many-highs", "condition": "counts.high > 10",
        "action": "require-approval", "message": "More than 10 high findings"}]}

* ``condition`` (CEL, over the input document of docs/policy-input.md) is true
  when the rule *triggers*. It may be omitted when ``each_finding`` is given,
  and then defaults to ``size(matched) > 0``.
* ``each_finding`` (optional CEL) is evaluated once per finding with the
  finding bound to ``f``; the findings for which it is true are ``matched``
  (a list usable in ``condition``) and are the findings the verdict names
  behind the rule.
* ``action``: ``block`` | ``warn`` | ``require-approval``.
* ``feeds.max_age_hours`` (default 24): a feed older than this is stale.
* A policy without a rule ``feeds-fresh`` gets the built-in one
  (:data:`BUILTIN_FEEDS_FRESH`), so stale feeds are always a visible outcome.

Unknown fields are kept and count in the policy digest, which is ``sha256:``
of the RFC 8785 canonical JSON of the whole document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.canonical import canonical_digest
from engine.crypto.strict_json import StrictJSONError, loads_strict
from engine.policy.errors import PolicyFormatError

if TYPE_CHECKING:  # the CEL engine (~0.25 s to import) loads when a policy is compiled
    from engine.policy.cel import CelProgram

ACTIONS = ("block", "require-approval", "warn")
DEFAULT_MAX_FEED_AGE_HOURS = 24.0
FEEDS_FRESH = "feeds-fresh"
_RULE_ID = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
_DEFAULT_CONDITION = "size(matched) > 0"


@dataclass(frozen=True)
class Rule:
    id: str
    action: str
    message: str
    condition: str
    description: str | None = None
    each_finding: str | None = None
    builtin: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "action": self.action, "message": self.message,
                               "condition": self.condition}
        if self.description is not None:
            out["description"] = self.description
        if self.each_finding is not None:
            out["each_finding"] = self.each_finding
        return out

    @property
    def digest(self) -> str:
        """Digest of the rule's definition, so a verdict diff can name a changed rule."""
        return canonical_digest(self.to_json())


BUILTIN_FEEDS_FRESH = Rule(
    id=FEEDS_FRESH,
    action="block",
    message=("Vulnerability feed data is stale or missing; proceeding needs an approver's "
             "explicit, reasoned override."),
    condition="size(feeds) == 0 || feeds.exists(s, s.stale)",
    description="Every ecosystem in the release has a feed snapshot younger than the "
                "policy's max_age_hours (built in: the policy has no feeds-fresh rule).",
    builtin=True,
)


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    condition: CelProgram
    each_finding: CelProgram | None


@dataclass(frozen=True)
class Policy:
    """A validated, compiled policy. Build with :meth:`from_bytes` / :meth:`from_json`."""

    name: str
    version: int | str
    max_feed_age_hours: float
    rules: tuple[CompiledRule, ...]  # the built-in feeds-fresh first when added
    digest: str
    document: Mapping[str, Any]

    @classmethod
    def from_bytes(cls, data: bytes) -> Policy:
        try:
            obj = loads_strict(data)
        except StrictJSONError as exc:
            raise PolicyFormatError(f"not JSON: {exc}") from None
        return cls.from_json(obj)

    @classmethod
    def from_json(cls, obj: Any) -> Policy:
        if not isinstance(obj, dict):
            raise PolicyFormatError("must be a JSON object")
        name = obj.get("name")
        if not isinstance(name, str) or not name.strip():
            raise PolicyFormatError("needs a non-empty string", field="name")
        version = obj.get("version")
        if isinstance(version, bool) or not isinstance(version, int | str) or version == "":
            raise PolicyFormatError("must be an integer or a non-empty string", field="version")
        max_age = _feed_age(obj.get("feeds"))
        raw_rules = obj.get("rules")
        if not isinstance(raw_rules, list):
            raise PolicyFormatError("must be a list", field="rules")
        rules = [_rule(item, i) for i, item in enumerate(raw_rules)]
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise PolicyFormatError(f"rule id {rule.id!r} is used twice", field="rules")
            seen.add(rule.id)
        if FEEDS_FRESH not in seen:
            rules.insert(0, BUILTIN_FEEDS_FRESH)
        compiled = tuple(_compile(rule) for rule in rules)
        return cls(name=name, version=version, max_feed_age_hours=max_age, rules=compiled,
                   digest=canonical_digest(obj), document=obj)


def _feed_age(feeds: Any) -> float:
    if feeds is None:
        return DEFAULT_MAX_FEED_AGE_HOURS
    if not isinstance(feeds, dict):
        raise PolicyFormatError("must be an object", field="feeds")
    value = feeds.get("max_age_hours", DEFAULT_MAX_FEED_AGE_HOURS)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise PolicyFormatError("must be a positive number of hours",
                                field="feeds.max_age_hours")
    return float(value)


def _opt_text(item: dict[str, Any], key: str, where: str) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise PolicyFormatError("must be a string", field=f"{where}.{key}")
    return value


def _rule(item: Any, index: int) -> Rule:
    where = f"rules[{index}]"
    if not isinstance(item, dict):
        raise PolicyFormatError("must be an object", field=where)
    rid = item.get("id")
    if not isinstance(rid, str) or not _RULE_ID.match(rid):
        raise PolicyFormatError("needs an id of letters, digits, '.', '_' or '-'",
                                field=f"{where}.id")
    where = f"rule {rid!r}"
    action = item.get("action")
    if action not in ACTIONS:
        raise PolicyFormatError(f"must be one of {', '.join(ACTIONS)}", field=f"{where} action")
    message = item.get("message")
    if not isinstance(message, str) or not message.strip():
        raise PolicyFormatError("needs a non-empty message", field=f"{where} message")
    each_finding = _opt_text(item, "each_finding", where)
    condition = _opt_text(item, "condition", where)
    if condition is None:
        if each_finding is None:
            raise PolicyFormatError("needs a condition (or each_finding)",
                                    field=f"{where} condition")
        condition = _DEFAULT_CONDITION
    return Rule(id=rid, action=action, message=message, condition=condition,
                description=_opt_text(item, "description", where), each_finding=each_finding)


def _compile(rule: Rule) -> CompiledRule:
    from engine.policy.cel import CelProgram

    return CompiledRule(
        rule=rule,
        condition=CelProgram(rule.condition, rule=rule.id, field="condition"),
        each_finding=(CelProgram(rule.each_finding, rule=rule.id, field="each_finding")
                      if rule.each_finding is not None else None),
    )
