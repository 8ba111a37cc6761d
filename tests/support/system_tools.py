"""Finds a system program an integration test needs, installing its Debian package
when the tests run as root (CI); otherwise the test is skipped saying exactly why."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_tried: set[str] = set()


def ensure_tool(program: str, package: str, *, extra_dirs: tuple[str, ...] = ("/usr/sbin",)) -> str:
    found = _which(program, extra_dirs)
    if found:
        return found
    if package not in _tried and hasattr(os, "geteuid") and os.geteuid() == 0:
        _tried.add(package)
        subprocess.run([str(ROOT / "scripts" / "integration-deps.sh"), package],
                       check=False, timeout=900, capture_output=True)
        found = _which(program, extra_dirs)
        if found:
            return found
    pytest.skip(f"{program} is not installed and could not be installed "
                f"(apt-get install {package}, or run scripts/integration-deps.sh as root)")
    raise AssertionError("unreachable")


def _which(program: str, extra_dirs: tuple[str, ...]) -> str | None:
    return shutil.which(program) or next(
        (str(Path(d) / program) for d in extra_dirs if (Path(d) / program).is_file()), None)
