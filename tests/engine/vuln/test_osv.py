from __future__ import annotations

import json

import pytest

from engine.canonical import sha256_digest
from engine.vuln import AdvisoryIndex, OsvRecord, OsvRecordError
from tests.engine.vuln.data import all_records, record, record_path


def test_every_record_of_the_corpus_parses() -> None:
    records = all_records()
    assert len(records) == 349
    assert len({r.id for r in records}) == 349
    # SOURCES.md marks 29 withdrawn records (27 + 2 in the extra set).
    assert sum(r.is_withdrawn for r in records) == 29


def test_digest_is_of_the_exact_bytes() -> None:
    path = record_path("GHSA-p6mc-m468-83gw")
    assert record("GHSA-p6mc-m468-83gw").digest == sha256_digest(path.read_bytes())


def test_fields_kept_for_matching() -> None:
    rec = record("PYSEC-2023-212")
    assert rec.aliases == ("CVE-2023-45803", "GHSA-g4mx-q9vg-27p4")
    (affected,) = rec.affected
    assert affected.key == ("PyPI", "urllib3")
    assert [r.type for r in affected.ranges] == ["GIT", "ECOSYSTEM"]
    # Events are kept in record order (unsorted in this record), sorting is the matcher's job.
    assert [(e.kind, e.value) for e in affected.ranges[1].events] == [
        ("introduced", "2.0.0"), ("fixed", "2.0.7"), ("introduced", "0"), ("fixed", "1.26.18")]


def test_distro_ecosystem_release_is_split() -> None:
    musl = record("ALPINE-CVE-2025-26519").affected[0]
    assert (musl.ecosystem, musl.base_ecosystem, musl.release) == ("Alpine:v3.16", "Alpine", "v3.16")
    ubuntu = record("CVE-2024-22365").affected[0]
    assert (ubuntu.base_ecosystem, ubuntu.release) == ("Ubuntu", "14.04")  # Ubuntu:Pro:14.04:LTS


def test_unknown_fields_are_ignored() -> None:
    doc = json.loads(record_path("GHSA-c2qf-rxjj-qqgw").read_text())
    doc["x_vendor"] = {"anything": [1, 2]}
    doc["affected"][0]["x_note"] = "kept out"
    rec = OsvRecord.from_json(doc)
    assert rec.id == "GHSA-c2qf-rxjj-qqgw" and len(rec.affected) == 3


def test_a_record_without_affected_is_valid() -> None:
    rec = OsvRecord.from_json({"id": "X-1", "modified": "2024-01-01T00:00:00Z"})
    assert rec.affected == () and rec.aliases == ()


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([1, 2], "must be a JSON object"),
        ({"modified": "2024-01-01T00:00:00Z"}, "missing or empty string 'id'"),
        ({"id": "X-1"}, "missing string 'modified'"),
        ({"id": "X-1", "modified": "m", "aliases": "CVE-1"}, "field aliases: must be a list"),
        ({"id": "X-1", "modified": "m", "affected": [{"package": {"name": "a"}}]},
         "needs a string 'ecosystem'"),
        ({"id": "X-1", "modified": "m", "affected": [
            {"package": {"ecosystem": "npm", "name": "a"},
             "ranges": [{"type": "SEMVER-ish", "events": [{"introduced": "0"}]}]}]},
         "type must be one of"),
        ({"id": "X-1", "modified": "m", "affected": [
            {"package": {"ecosystem": "npm", "name": "a"},
             "ranges": [{"type": "SEMVER", "events": [{"introduced": "0", "fixed": "1.0.0"}]}]}]},
         "exactly one of introduced, fixed, last_affected, limit"),
        ({"id": "X-1", "modified": "m", "affected": [
            {"package": {"ecosystem": "npm", "name": "a"},
             "ranges": [{"type": "SEMVER", "events": [{"fixed": 2}]}]}]},
         "fixed must be a non-empty string"),
        ({"id": "X-1", "modified": "m", "affected": [
            {"package": {"ecosystem": "npm", "name": "a"}, "ranges": [{"type": "SEMVER"}]}]},
         "a range needs at least one event"),
        ({"id": "X-1", "modified": "m", "severity": [{"type": "CVSS_V3"}]},
         "needs string 'type' and 'score'"),
    ],
)
def test_non_records_are_rejected_with_a_clear_message(doc: object, message: str) -> None:
    with pytest.raises(OsvRecordError, match=message):
        OsvRecord.from_json(doc)


def test_error_names_the_record_and_the_field() -> None:
    doc = {"id": "GHSA-zzzz", "modified": "m", "affected": [
        {"package": {"ecosystem": "npm", "name": "a"},
         "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {}]}]}]}
    with pytest.raises(OsvRecordError) as err:
        OsvRecord.from_json(doc)
    assert err.value.record == "GHSA-zzzz"
    assert err.value.field == "affected[0].ranges[0].events[1]"
    assert "OSV record 'GHSA-zzzz'" in str(err.value)


def test_bytes_that_are_not_json_are_rejected() -> None:
    with pytest.raises(OsvRecordError, match="not JSON"):
        OsvRecord.from_bytes(b"{\"id\": \"x\",")
    with pytest.raises(OsvRecordError, match="not JSON"):
        OsvRecord.from_bytes(b'{"id": "a", "id": "b", "modified": "m"}')  # duplicate key


def test_index_keys_by_ecosystem_and_normalised_name() -> None:
    index = AdvisoryIndex.build([record("PYSEC-2020-341"), record("GHSA-p6mc-m468-83gw")])
    # jw.util (PEP 503: jw-util) and lodash.set in npm (names kept as written).
    assert [c.record.id for c in index.candidates("PyPI", "jw-util")] == ["PYSEC-2020-341"]
    assert [c.record.id for c in index.candidates("npm", "lodash.set")] == ["GHSA-p6mc-m468-83gw"]
    # The record's RubyGems entry is indexed under its own ecosystem.
    assert [c.record.id for c in index.candidates("RubyGems", "lodash-rails")] == [
        "GHSA-p6mc-m468-83gw"]
    assert index.candidates("PyPI", "jw.util") == ()


def test_duplicate_ids_keep_the_latest_modified_and_say_so() -> None:
    doc = json.loads(record_path("GHSA-c2qf-rxjj-qqgw").read_text())
    older = OsvRecord.from_json(doc)
    newer = OsvRecord.from_json({**doc, "modified": "2099-01-01T00:00:00Z"})
    for order in ([older, newer], [newer, older]):
        index = AdvisoryIndex.build(order)
        assert index.records["GHSA-c2qf-rxjj-qqgw"] is newer
        assert index.replaced == {"GHSA-c2qf-rxjj-qqgw": (older.digest,)}
    same = AdvisoryIndex.build([older, OsvRecord.from_json(doc)])
    assert len(same) == 1 and dict(same.replaced) == {}


def test_content_digest_names_the_record_versions_held() -> None:
    a = AdvisoryIndex.build(all_records())
    b = AdvisoryIndex.build(reversed(all_records()))
    assert a.content_digest() == b.content_digest()
    doc = json.loads(record_path("GHSA-c2qf-rxjj-qqgw").read_text())
    doc["affected"][0]["ranges"][0]["events"][1]["fixed"] = "7.5.3"
    changed = [r for r in all_records() if r.id != "GHSA-c2qf-rxjj-qqgw"]
    c = AdvisoryIndex.build([*changed, OsvRecord.from_json(doc)])
    assert c.content_digest() != a.content_digest()
