"""Separation of duties: the requester never acts on their own promotion."""

from __future__ import annotations

from engine.run import duties


def test_the_requester_is_refused_with_the_reason():
    assert duties.refusal("alice", "alice", "approve or reject it") == (
        "alice requested this promotion and cannot approve or reject it (separation of duties)")


def test_anyone_else_may_act():
    assert duties.refusal("alice", "bob", "approve or reject it") is None
    assert duties.refusal("alice", None, "approve or reject it") is None  # no actor: asked later


def test_an_empty_name_is_no_one():
    assert not duties.is_requester("", "")
    assert duties.is_requester("alice", "alice") and not duties.is_requester("alice", "Alice")
