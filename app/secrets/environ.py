"""``env:NAME`` inputs from the executor's environment variables."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from app.secrets.base import InputRef, InputRefError, SecretMissing, SecretValue

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


class EnvironmentProvider:
    """Reads ``os.environ`` (or the mapping given, for tests); an empty value is missing."""

    scheme = "env"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    @property
    def description(self) -> str:
        return "environment variables of the executor process"

    def resolve(self, ref: InputRef) -> SecretValue:
        if not _NAME.fullmatch(ref.path):
            raise InputRefError(f"{ref}: {ref.path!r} is not an environment variable name", ref=str(ref))
        value = self._environ.get(ref.path)
        if value is None:
            raise SecretMissing(f"{ref}: environment variable {ref.path} is not set", ref=str(ref))
        if value == "":
            raise SecretMissing(f"{ref}: environment variable {ref.path} is empty", ref=str(ref))
        return SecretValue(value.encode("utf-8"))
