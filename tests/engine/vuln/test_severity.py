from __future__ import annotations

import json

from engine.vuln import OsvRecord
from engine.vuln.osv import SeverityScore
from engine.vuln.severity import UNKNOWN, Severity, score_vector, severity_of, worst
from tests.engine.vuln.data import record, record_path


def test_cvss_v3_and_v4_the_higher_score_wins() -> None:
    # GHSA-3h5v-q93c-6h6q carries CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H (7.5) and
    # CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N (8.7).
    rec = record("GHSA-3h5v-q93c-6h6q")
    assert score_vector(rec.severity[0]) == Severity("HIGH", 7.5, "CVSS_V3", rec.severity[0].score)
    got = severity_of(rec, rec.affected[0])
    assert (got.rating, got.score, got.source) == ("HIGH", 8.7, "CVSS_V4")


def test_cvss_v3_scope_changed() -> None:
    # GHSA-p8p7-x288-28g6: CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N is 6.1 (MODERATE in GHSA).
    rec = record("GHSA-p8p7-x288-28g6")
    got = severity_of(rec, rec.affected[0])
    assert (got.rating, got.score) == ("MEDIUM", 6.1)


def test_database_rating_when_there_is_no_usable_vector() -> None:
    doc = json.loads(record_path("GHSA-p8p7-x288-28g6").read_text())
    doc["severity"] = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/broken"}]
    rec = OsvRecord.from_json(doc)
    got = severity_of(rec, rec.affected[0])
    # database_specific.severity is "MODERATE", GHSA's word for medium.
    assert (got.rating, got.score, got.source) == ("MEDIUM", None, "database_specific")


def test_package_severity_replaces_the_record_severity() -> None:
    doc = json.loads(record_path("GHSA-p8p7-x288-28g6").read_text())
    doc["affected"][0]["severity"] = [
        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]
    rec = OsvRecord.from_json(doc)
    assert severity_of(rec, rec.affected[0]).score == 9.8
    assert severity_of(rec, rec.affected[1]).score == 6.1  # @cypress/request keeps the record's


def test_no_severity_at_all_is_unknown() -> None:
    rec = record("GO-2020-0017")
    assert severity_of(rec, rec.affected[0]) == UNKNOWN


def test_worst_prefers_a_known_rating_then_the_score() -> None:
    high = Severity("HIGH", 7.5, "CVSS_V3")
    higher = Severity("HIGH", 8.1, "CVSS_V3")
    assert worst([UNKNOWN, high, higher]) == higher
    assert worst([UNKNOWN, Severity("LOW", None, "database_specific")]).rating == "LOW"
    assert worst([]) == UNKNOWN


def test_non_cvss_entries_are_not_scored() -> None:
    assert score_vector(SeverityScore("Ubuntu", "medium")) is None
