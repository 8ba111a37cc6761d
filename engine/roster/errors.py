"""Why a roster does not verify: the first bad record and the rule it breaks."""

from __future__ import annotations

# Named rules, so a refusal says which one was broken (and tests can match it).
RULE_FORMAT = "record-format"
RULE_SEQUENCE = "sequence"
RULE_CHAIN = "hash-chain"
RULE_TIME = "time-order"
RULE_GENESIS = "genesis"
RULE_ADMIN_ONLY = "admin-only"
RULE_SIGNATURE = "admin-signature"
RULE_CONSISTENCY = "consistency"
RULE_LAST_ADMIN = "last-admin"

RULES = (RULE_FORMAT, RULE_SEQUENCE, RULE_CHAIN, RULE_TIME, RULE_GENESIS, RULE_ADMIN_ONLY,
         RULE_SIGNATURE, RULE_CONSISTENCY, RULE_LAST_ADMIN)


class RosterError(Exception):
    """The roster does not verify. ``seq`` is the first bad record (``-1`` for an
    empty roster), ``rule`` one of :data:`RULES`, ``detail`` what was found."""

    def __init__(self, seq: int, rule: str, detail: str) -> None:
        self.seq = seq
        self.rule = rule
        self.detail = detail
        where = "the site roster" if seq < 0 else f"site roster record #{seq}"
        super().__init__(f"{where}: {detail} (rule: {rule})")

    @property
    def message(self) -> str:
        return str(self)


class EventSignatureError(Exception):
    """A run event's actor signature is missing, malformed or not from a key the
    roster enrolled for that actor at that time."""

    @property
    def message(self) -> str:
        return str(self)
