"""Cyclic garbage is collected on the GUI thread only while a GUI context lives."""

from __future__ import annotations

import gc

from app.qt.gc_collector import GuiThreadCollector


def test_automatic_collection_is_off_while_the_gui_lives_and_back_after(qtbot):
    assert gc.isenabled()
    collector = GuiThreadCollector()
    try:
        assert not gc.isenabled()  # a worker crossing a threshold collects nothing
        garbage = [[] for _ in range(gc.get_threshold()[0] + 10)]
        for item in garbage:
            item.append(item)  # cycles: only the collector frees them
        del garbage, item
        before = gc.get_count()[0]
        collector.collect_due()
        assert gc.get_count()[0] < before
    finally:
        collector.stop()
    assert gc.isenabled()


def test_a_gui_context_collects_on_its_own_thread_and_gives_it_back(gui):
    assert not gc.isenabled()
    assert gui.shutdown(10_000)
    assert gc.isenabled()
