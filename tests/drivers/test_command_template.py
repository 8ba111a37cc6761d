from __future__ import annotations

import pytest

from app.drivers.command import (
    HEALTH_PLACEHOLDERS,
    RELEASE_PLACEHOLDERS,
    CommandTemplate,
    CommandTemplateError,
    EnvironmentCommands,
    commands_from_config,
)


def parse(text: str) -> CommandTemplate:
    return CommandTemplate.parse(text, allowed=RELEASE_PLACEHOLDERS, field="deploy")


def test_splits_once_and_fills_each_argument_on_its_own() -> None:
    template = parse("ssh {target} 'deploy --image={image}@{component_digest}' --note \"{release} {version}\"")
    assert template.arguments == (
        "ssh", "{target}", "deploy --image={image}@{component_digest}", "--note", "{release} {version}",
    )
    assert template.per_component
    argv = template.render({
        "target": "host; rm -rf /", "image": "reg/api", "component_digest": "sha256:1",
        "release": "platform $(reboot)", "version": "1 `id`",
    })
    # Every value stays inside the argument it was written in: nothing to inject into.
    assert argv == ["ssh", "host; rm -rf /", "deploy --image=reg/api@sha256:1", "--note", "platform $(reboot) 1 `id`"]


def test_literal_braces_are_doubled() -> None:
    assert parse("echo {{not-a-placeholder}} {target}").render({"target": "t"}) == [
        "echo", "{not-a-placeholder}", "t",
    ]


def test_templates_without_component_placeholders_run_once_per_target() -> None:
    assert not parse("deploy {target} {digest} {artifacts}").per_component


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("deploy {host}", r"unknown placeholder \{host\}"),
        ("deploy {}", "positional"),
        ("deploy {0}", "positional"),
        ("deploy {target.__class__}", "unknown placeholder"),
        ("deploy {target[0]}", "unknown placeholder"),
        ("deploy {target!r}", "format or conversion"),
        ("deploy {target:>20}", "format or conversion"),
        ("deploy {target", "unbalanced braces"),
        ("deploy target}", "unbalanced braces"),
        ("deploy 'unclosed", "cannot be split"),
    ],
)
def test_bad_templates_are_refused_at_configuration(text: str, message: str) -> None:
    with pytest.raises(CommandTemplateError, match=message) as caught:
        parse(text)
    assert caught.value.field == "deploy"


def test_health_templates_only_know_target_and_env() -> None:
    CommandTemplate.parse("check {target} {env}", allowed=HEALTH_PLACEHOLDERS, field="health")
    with pytest.raises(CommandTemplateError, match=r"unknown placeholder \{version\}"):
        CommandTemplate.parse("check {version}", allowed=HEALTH_PLACEHOLDERS, field="health")


def test_environment_commands_from_dict() -> None:
    commands = EnvironmentCommands.from_dict({
        "deploy": "deploy {target} {digest}",
        "status": "status {target}",
        "health": "check {target}",
        "timeout_seconds": 30,
        "health_output": "prometheus",
        "metric_names": {"requests": "reqs_total", "errors": "errs_total", "latency": "lat_ms",
                         "latency_unit": "ms"},
    })
    assert commands.rollback is None and commands.timeout_seconds == 30
    assert commands.metric_names.latency_unit == "ms"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "deploy"),
        ({"deploy": "x"}, "status"),
        ({"deploy": "x", "status": "st {digest}"}, "status"),
        ({"deploy": "x", "status": "y", "shell": True}, "shell"),
        ({"deploy": "x", "status": "y", "timeout_seconds": 0}, "timeout_seconds"),
        ({"deploy": "x", "status": "y", "timeout_seconds": "5m"}, "timeout_seconds"),
        ({"deploy": "x", "status": "y", "health_output": "json"}, "health_output"),
        ({"deploy": "x", "status": "y", "rollback": "undo {when}"}, "rollback"),
        ({"deploy": "x", "status": "y", "metric_names": {"latency_unit": "us"}}, "metric_names"),
    ],
)
def test_bad_environment_settings_name_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(CommandTemplateError) as caught:
        EnvironmentCommands.from_dict(data)
    assert caught.value.field == field


def test_configuration_errors_name_the_environment() -> None:
    with pytest.raises(CommandTemplateError, match="environment 'eu-prod': command setting 'deploy'") as caught:
        commands_from_config({"eu-stage": {"deploy": "ok {target}", "status": "st"},
                              "eu-prod": {"deploy": "bad {nope}", "status": "st"}})
    assert caught.value.env == "eu-prod"
