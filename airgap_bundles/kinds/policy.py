"""Policy bundles: policy.json, the gate policy of DESIGN §5.

The policy is parsed and compiled by the gate itself (:class:`engine.policy.Policy`),
so a bundle is accepted only if the gate can load every rule: a syntax error
in a CEL expression is refused at import, naming the rule. Only JSON is read:
YAML would need a dependency the product does not declare, and a JSON policy
has one canonical form, so its digest (``sha256:`` of the RFC 8785 bytes) is the
same for every reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airgap_bundles.errors import PolicyInvalid, PolicyYamlUnsupported
from airgap_bundles.kinds.base import Inspector, KindContent, parse_json, plural
from airgap_bundles.report import Check

POLICY_FILE = "policy.json"
YAML_FILES = ("policy.yaml", "policy.yml")


@dataclass(frozen=True)
class PolicyContent(KindContent):
    policy_digest: str
    name: str
    version: int | str
    rule_ids: tuple[str, ...]  # the policy's own rules, in order (built-ins excluded)
    policy_json: bytes  # the member's bytes, as signed

    def to_json(self) -> dict[str, Any]:
        return {
            "policyDigest": self.policy_digest,
            "name": self.name,
            "version": self.version,
            "rules": list(self.rule_ids),
        }


class PolicyInspector(Inspector):
    def wants(self, path: str, size: int) -> bool:
        if path in YAML_FILES:
            raise PolicyYamlUnsupported(
                "YAML policies are not read; ship the same policy as policy.json", member=path
            )
        if path == POLICY_FILE:
            return self.document_fits(path, size)
        return False

    def finish(self) -> tuple[PolicyContent, list[Check]]:
        from engine.policy import Policy, PolicyError  # CEL grammar: loaded only for policies

        data = self.held(POLICY_FILE)
        if data is None:
            raise PolicyInvalid("a policy bundle must contain policy.json", member=POLICY_FILE)
        doc = parse_json(data, PolicyInvalid, POLICY_FILE)
        try:
            policy = Policy.from_json(doc)
        except PolicyError as exc:
            raise PolicyInvalid(exc.message, member=POLICY_FILE) from None
        except ValueError as exc:  # e.g. not canonicalisable (RFC 8785)
            raise PolicyInvalid(
                f"cannot be canonicalised (RFC 8785): {exc}", member=POLICY_FILE
            ) from None
        own = tuple(r.rule.id for r in policy.rules if not r.rule.builtin)
        content = PolicyContent(
            policy_digest=policy.digest,
            name=policy.name,
            version=policy.version,
            rule_ids=own,
            policy_json=data,
        )
        check = Check(
            "policy-json",
            "The policy is valid",
            True,
            f"{policy.name} version {policy.version}: {plural(len(own), 'rule')}, every "
            f"expression compiles; policy digest {policy.digest}",
        )
        return content, [check]
