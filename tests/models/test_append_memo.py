"""Appends that do not read back what they know: the run summary is folded from the
events of the run's last fold plus the new ones, and appends inside one transaction
continue the run's head and the site log's tree they left. Every shape of append
must leave exactly what a full fold and a fresh read of the log give."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.run import events as ev
from engine.run.history import event_leaf
from engine.tlog.checkpoint import Checkpoint
from engine.tlog.store import MemoryNodeStore
from engine.tlog.tree import LogTree
from models import run_store, run_summary
from models.event_leaf import EventLeaf
from models.tables import RunSummary, TlogCheckpoint
from models.tlog_store import SqlNodeStore, latest_checkpoint, log_size
from tests.support.run_story import created, every_kind, new_run


def _stored_summary(session, promotion_id: str) -> dict:
    row = session.get(RunSummary, promotion_id)
    return {column: getattr(row, column) for column in run_summary.APPEND_COLUMNS}


_LOAD_RAW = run_summary.load_raw  # the checks read with it, uncounted


def _full_fold(session, promotion_id: str) -> dict:
    """The backfill's summary: the stored chain verified and folded whole."""
    return run_summary.summarise(_LOAD_RAW(session, promotion_id))


def _assert_log_is_whole(site) -> None:
    """The latest checkpoint's root is the tree of every leaf on record, in order, and
    the stored nodes give the same root: no append continued from a stale tree."""
    with site.db.read() as session:
        leaves = session.execute(select(EventLeaf.promotion_id, EventLeaf.seq,
                                        EventLeaf.event_hash).order_by(EventLeaf.log_index)).all()
        note = latest_checkpoint(session).note
        stored = LogTree(SqlNodeStore(session), log_size(session))
        fresh = LogTree(MemoryNodeStore())
        fresh.append_many([event_leaf(pid, seq, h) for pid, seq, h in leaves])
        signed = Checkpoint.from_body(note.split("\n\n", 1)[0] + "\n")
    assert (signed.size, signed.root_hash) == (fresh.size, fresh.root) == (stored.size, stored.root)


@pytest.fixture
def folds(monkeypatch):
    """Counts the runs whose stored events an append read back."""
    calls: list[str] = []
    real = run_summary.load_raw

    def counting(session, promotion_id):
        calls.append(promotion_id)
        return real(session, promotion_id)

    monkeypatch.setattr(run_summary, "load_raw", counting)
    run_summary.FOLDED.clear()
    return calls


def test_the_summary_of_each_append_is_the_full_fold_after_every_kind_of_event(site, folds):
    story = every_kind()
    for pid in ("P-0001", "P-0002"):
        new_run(site, pid)
    heads = {pid: ev.GENESIS for pid in ("P-0001", "P-0002")}
    # one run event by event, one transaction each; the other in runs of three appends
    # per transaction, interleaved with the first, so both memos serve two runs at once
    plan = [("P-0001", [created("P-0001")]), ("P-0002", [created("P-0002")])]
    for i, new in enumerate(story):
        plan.append(("P-0001", [new]))
        if i % 2 == 0:
            plan.append(("P-0002", story[i:i + 2]))
    for start in range(0, len(plan), 3):
        with site.db.write() as session:
            for pid, new in plan[start:start + 3]:
                sealed = run_store.append(session, pid, heads[pid], new)
                heads[pid] = sealed[-1].hash
                assert _stored_summary(session, pid) == _full_fold(session, pid), (pid, new[0].type)
    assert folds == []  # no append read its run back
    with site.db.read() as session:
        assert _stored_summary(session, "P-0001")["status"] == "cancelled"
        assert _stored_summary(session, "P-0002") == _full_fold(session, "P-0002")
    _assert_log_is_whole(site)


def test_an_append_after_a_head_this_process_did_not_fold_reads_the_run(site, folds):
    new_run(site, "P-0001")
    story = every_kind()
    with site.db.write() as session:
        head = run_store.append(session, "P-0001", ev.GENESIS, [created("P-0001"), *story[:4]])[-1].hash
    assert folds == []  # the first append found the run empty
    run_summary.FOLDED.clear()  # as if another process had appended it
    with site.db.write() as session:
        run_store.append(session, "P-0001", head, story[4:6])
        assert folds == ["P-0001"]
        assert _stored_summary(session, "P-0001") == _full_fold(session, "P-0001")


def test_a_rolled_back_append_is_not_taken_for_the_run(site):
    new_run(site, "P-0001")
    story = every_kind()
    with site.db.write() as session:
        head = run_store.append(session, "P-0001", ev.GENESIS, [created("P-0001")])[-1].hash
    with pytest.raises(RuntimeError), site.db.write() as session:
        run_store.append(session, "P-0001", head, story[:3])  # folded and kept, then undone
        raise RuntimeError("the caller failed after the append")
    with site.db.write() as session:
        run_store.append(session, "P-0001", head, story[:1])  # the committed head again
        assert _stored_summary(session, "P-0001") == _full_fold(session, "P-0001")
        assert _stored_summary(session, "P-0001")["event_count"] == 2
    _assert_log_is_whole(site)


def test_a_savepoint_rolled_back_after_an_append_leaves_no_stale_head_or_tree(site):
    for pid in ("P-0001", "P-0002"):
        new_run(site, pid)
    story = every_kind()
    with site.db.write() as session:
        head = run_store.append(session, "P-0001", ev.GENESIS, [created("P-0001")])[-1].hash
        savepoint = session.begin_nested()
        run_store.append(session, "P-0001", head, story[:2])
        run_store.append(session, "P-0002", ev.GENESIS, [created("P-0002")])
        savepoint.rollback()
        # the run's head and the log's size are what the savepoint left, read again
        run_store.append(session, "P-0001", head, story[:1])
        run_store.append(session, "P-0002", ev.GENESIS, [created("P-0002")])
        for pid in ("P-0001", "P-0002"):
            assert _stored_summary(session, pid) == _full_fold(session, pid)
    _assert_log_is_whole(site)


def test_every_append_in_a_transaction_still_signs_its_own_checkpoint(site):
    new_run(site, "P-0001")
    story = every_kind()
    with site.db.read() as session:
        before = session.scalar(select(func.count()).select_from(TlogCheckpoint))
    with site.db.write() as session:
        head = ev.GENESIS
        for new in [[created("P-0001")], story[:2], story[2:3], story[3:6]]:
            head = run_store.append(session, "P-0001", head, new)[-1].hash
    with site.db.read() as session:
        sizes = session.scalars(select(TlogCheckpoint.size).order_by(TlogCheckpoint.size)).all()
    new = sizes[before:]
    assert [size - new[0] for size in new] == [0, 2, 3, 6]  # one per append, of its size
    _assert_log_is_whole(site)
