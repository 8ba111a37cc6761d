"""What a write transaction already knows about rows it has locked and written: the
head of a run it appended to, the site log's tree after its last append. Reading them
again inside the transaction would return the same thing (the locks keep other
writers out), so appends that follow each other in one transaction skip the reads.

Kept in the session's ``info`` and forgotten whenever a transaction or savepoint of
that session ends, committed or rolled back: a memo never outlives the locks and
writes it stands for.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

_KEY = "stella.txn_memo"


def memo(session: Session) -> dict[str, Any]:
    """The session's memo for its current transaction (created empty on first use)."""
    found = session.info.get(_KEY)
    if found is None:
        found = session.info[_KEY] = {}
    return found


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    # the transaction or a savepoint; not the inner one every flush opens and closes
    # (a failed flush makes its transaction roll back, which ends here too)
    if transaction.parent is None or transaction.nested:
        session.info.pop(_KEY, None)
