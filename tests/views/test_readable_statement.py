"""Operators read statements as fields and tables; the raw JSON is one toggle away."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from views.common.readable import ReadableMapping
from views.evidence.packet_dialog import readable_statement

PROOF_CHAIN = {
    "_type": "https://in-toto.io/Statement/v1",
    "subject": [{"name": "platform@1.3.0-rc1", "digest": {"sha256": "ab" * 32}}],
    "predicateType": "urn:stellaops:proof-chain:v1",
    "predicate": {"promotion": "P-0001", "eventChain": {"head": "cd" * 32, "events": 22},
                  "evidence": [{"logIndex": 3, "predicateType": "urn:stellaops:resolved-inputs:v1",
                                "digest": "sha256:" + "01" * 32},
                               {"logIndex": 9, "predicateType": "urn:stellaops:deployment:v1",
                                "digest": "sha256:" + "02" * 32}]},
}


def test_a_proof_chain_reads_as_fields_and_a_list_with_the_raw_json_behind_a_toggle(qtbot):
    text = json.dumps(PROOF_CHAIN, indent=2)
    view = ReadableMapping("statement")
    qtbot.addWidget(view)
    view.show_mapping(readable_statement(text), text)
    labels = [view.field_model.index(r, 0).data() for r in range(view.field_model.rowCount())]
    assert labels == ["Event chain › Events", "Event chain › Head", "Predicate type",
                      "Promotion"]
    evidence = view.tables["Evidence"]
    assert evidence.rowCount() == 2
    assert [evidence.headerData(c, Qt.Orientation.Horizontal)
            for c in range(evidence.columnCount())] == ["Log index", "Predicate type", "Digest"]
    assert view.tables["Subjects"].index(0, 0).data() == "platform@1.3.0-rc1"
    assert view.stack.currentIndex() == 0  # readable first
    view.raw_check.setChecked(True)
    assert view.stack.currentIndex() == 1 and json.loads(view.raw.toPlainText()) == PROOF_CHAIN
