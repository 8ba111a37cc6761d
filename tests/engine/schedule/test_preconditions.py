"""Preconditions from plain facts: each kind held or not, blocking or warn-only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.schedule import (
    Facts,
    FeedFact,
    IntegrationFact,
    Precondition,
    PreconditionInvalid,
    RescanFact,
    evaluate,
)
from engine.schedule.preconditions import BLOCKED, HELD, WARNING

NOW = datetime(2026, 2, 19, 2, 30, tzinfo=UTC)
FRESH = Precondition.parse("feeds-fresh<1h")
RESCANS = Precondition.parse("sbom-rescans-complete")
HEALTHY = Precondition.parse("integrations-healthy")


def feeds(*ages_minutes: int) -> tuple[FeedFact, ...]:
    names = ["npm", "PyPI", "Debian", "Go", "Maven"]
    return tuple(FeedFact("osv", names[i], NOW - timedelta(minutes=age))
                 for i, age in enumerate(ages_minutes))


def only(precondition, facts) -> object:
    (check,) = evaluate([precondition], facts, NOW).checks
    return check


# -- parsing ---------------------------------------------------------------------------
def test_specs_parse_and_print_back():
    assert FRESH.max_age == timedelta(hours=1) and FRESH.spec == "feeds-fresh<1h"
    assert Precondition.parse("feeds-fresh").max_age == timedelta(hours=1)
    assert Precondition.parse("feeds-fresh<90m").spec == "feeds-fresh<1h30m"
    assert Precondition.parse("Integrations-Healthy", blocking=False).label == \
        "Integrations healthy — warn only"
    assert FRESH.label == "Feeds fresh (< 1h)"


@pytest.mark.parametrize("spec,why", [
    ("feeds-old", "unknown"), ("", "unknown"), ("feeds-fresh<soon", "duration"),
    ("sbom-rescans-complete<1h", "only feeds-fresh"), ("integrations-healthy<2h", "only feeds"),
])
def test_bad_specs_are_refused_with_the_spec_named(spec, why):
    with pytest.raises(PreconditionInvalid, match=why) as err:
        Precondition.parse(spec)
    assert err.value.spec == spec


def test_stored_form_round_trips():
    for precondition in (FRESH, Precondition.parse("feeds-fresh<2h", blocking=False), RESCANS):
        assert Precondition.from_json(precondition.to_json()) == precondition
    with pytest.raises(PreconditionInvalid):
        Precondition.from_json({"blocking": True})


# -- feeds fresh -----------------------------------------------------------------------
def test_fresh_feeds_hold():
    check = only(FRESH, Facts(feeds=feeds(10, 45)))
    assert check.outcome == HELD
    assert check.text == "2 feed(s) fresh, the oldest 45m old (limit 1h)"


def test_stale_feeds_block_and_name_the_oldest_first():
    check = only(FRESH, Facts(feeds=feeds(10, 420, 61, 300, 600)))
    assert check.outcome == BLOCKED
    assert check.text == ("stale: osv/Maven 10h old, osv/PyPI 7h old, osv/Go 5h old +1 more "
                          "(limit 1h)")
    assert check.line.startswith("blocked: feeds-fresh<1h — stale: osv/Maven")


def test_the_limit_itself_is_stale():
    assert only(FRESH, Facts(feeds=feeds(60))).outcome == BLOCKED
    assert only(FRESH, Facts(feeds=feeds(59))).outcome == HELD


def test_stale_feeds_only_warn_when_warn_only():
    check = only(Precondition.parse("feeds-fresh<1h", blocking=False), Facts(feeds=feeds(420)))
    assert check.outcome == WARNING
    assert check.line.startswith("warning (warn-only): feeds-fresh<1h — stale: osv/npm 7h old")


def test_no_feed_at_all_is_never_fresh():
    assert only(FRESH, Facts()).text == "no feed snapshot has been imported"
    assert only(FRESH, Facts()).outcome == BLOCKED


# -- SBOM rescans ----------------------------------------------------------------------
def test_no_verdict_yet_holds_because_the_run_scans_itself():
    check = only(RESCANS, Facts(rescans=RescanFact(None)))
    assert check.outcome == HELD and "the run's gate scans" in check.text


def test_a_verdict_on_the_newest_data_holds():
    check = only(RESCANS, Facts(rescans=RescanFact("2026-02-19T01:00:00Z")))
    assert check.outcome == HELD
    assert check.text == "the gate verdict of 2026-02-19T01:00:00Z used the newest feeds and policy"


def test_newer_data_than_the_verdict_blocks():
    fact = RescanFact("2026-02-18T20:00:00Z", ("osv/npm snapshot 2026-02-19T01:00:00Z",))
    check = only(RESCANS, Facts(rescans=fact))
    assert check.outcome == BLOCKED
    assert check.text == ("newer than the gate verdict of 2026-02-18T20:00:00Z: osv/npm snapshot "
                          "2026-02-19T01:00:00Z; the findings have not been rescanned")


def test_a_running_replay_blocks_until_it_ends():
    check = only(RESCANS, Facts(rescans=RescanFact("2026-02-19T01:00:00Z", (), ("rr-004",))))
    assert check.outcome == BLOCKED and check.text == "still running: rr-004"


def test_rescans_warn_only():
    fact = RescanFact("2026-02-18T20:00:00Z", ("policy gate-policy v3",))
    assert only(Precondition.parse("sbom-rescans-complete", blocking=False),
                Facts(rescans=fact)).outcome == WARNING


# -- integrations ----------------------------------------------------------------------
def test_healthy_integrations_hold():
    facts = Facts(integrations=(IntegrationFact("eu-prod/web-1", True, "healthy"),
                                IntegrationFact("secrets folder", True, "ok")))
    check = only(HEALTHY, facts)
    assert check.outcome == HELD and check.text == "2 integration(s) healthy"


def test_an_unhealthy_integration_blocks_or_warns():
    facts = Facts(integrations=(IntegrationFact("eu-prod/web-1", True, "healthy"),
                                IntegrationFact("eu-prod/web-2", False, "connection refused")))
    assert only(HEALTHY, facts).outcome == BLOCKED
    warn = only(Precondition.parse("integrations-healthy", blocking=False), facts)
    assert warn.outcome == WARNING
    assert warn.text == "unhealthy: eu-prod/web-2 (connection refused)"


def test_facts_that_could_not_be_gathered_fail_their_check():
    facts = Facts(feeds=feeds(5), problems={"integrations-healthy": "the probe timed out"})
    evaluation = evaluate([FRESH, HEALTHY], facts, NOW)
    assert evaluation.blocked
    assert [c.outcome for c in evaluation.checks] == [HELD, BLOCKED]
    assert evaluation.checks[1].text == "could not be checked: the probe timed out"


# -- the evaluation as a whole ---------------------------------------------------------
def test_blockers_come_first_then_warnings_then_what_held():
    facts = Facts(feeds=feeds(300), rescans=RescanFact(None),
                  integrations=(IntegrationFact("eu-prod/web-2", False, "down"),))
    evaluation = evaluate([RESCANS, Precondition.parse("integrations-healthy", blocking=False),
                           FRESH], facts, NOW)
    assert evaluation.blocked
    assert [c.precondition.kind for c in evaluation.blockers] == ["feeds-fresh"]
    assert [c.precondition.kind for c in evaluation.warnings] == ["integrations-healthy"]
    assert [line.split(":")[0] for line in evaluation.lines()] == [
        "blocked", "warning (warn-only)", "held"]


def test_warnings_alone_do_not_block():
    facts = Facts(feeds=feeds(300))
    evaluation = evaluate([Precondition.parse("feeds-fresh<1h", blocking=False)], facts, NOW)
    assert not evaluation.blocked and len(evaluation.warnings) == 1
