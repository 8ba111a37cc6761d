"""After a change, say what changed and who did it; each screen decides to refresh.

Anki's ``operation_did_execute(changes, initiator)`` in Qt form: one broadcaster,
typed change sets, and the initiator so a screen can skip reacting to itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

POLLER = "poller"
EXECUTOR = "executor"


@dataclass(frozen=True)
class ChangeSet:
    promotions: frozenset[str] = field(default_factory=frozenset)
    logs: frozenset[str] = field(default_factory=frozenset)
    promotion_list: bool = False
    users: bool = False
    # kinds of the bundles just imported ("release", "feed-snapshot", "policy", "trust-root")
    bundles: frozenset[str] = field(default_factory=frozenset)
    schedules: bool = False  # scheduled jobs, their attempts or dead letters changed

    @classmethod
    def run(cls, promotion_id: str, logs: bool = False) -> ChangeSet:
        ids = frozenset({promotion_id})
        return cls(promotions=ids, logs=ids if logs else frozenset())

    def touches(self, promotion_id: str | None) -> bool:
        return promotion_id is not None and promotion_id in self.promotions


@dataclass(frozen=True)
class Change:
    changes: ChangeSet
    initiator: object = None


class ChangeBroadcaster(QObject):
    changed = Signal(object)  # Change

    def broadcast(self, changes: ChangeSet, initiator: object = None) -> None:
        self.changed.emit(Change(changes, initiator))
