"""Command-driver targets backed by files, for crash tests: each target's release is a
line ``<digest> <version>`` in ``<fleet>/<target>.state`` that the environment's real
deploy command writes and its status command prints. A deploy command marks itself
busy (``<target>.busy``) while it runs, sleeps, then switches the target — in its own
session, so it finishes even when the executor that started it is killed."""

from __future__ import annotations

import time
from pathlib import Path

from engine.canonical import canonical_digest
from tests.support.deploy import add_environment, release_manifest

FLEET_VAR = "STELLA_TEST_FLEET"
OLD_VERSION = "1.2.0"
OLD_DIGEST = canonical_digest(release_manifest(OLD_VERSION))

DEPLOY = ("sh -c 'touch \"$STELLA_TEST_FLEET/$1.busy\"; sleep \"$STELLA_TEST_DEPLOY_SECONDS\"; "
          "echo \"$2 $3\" > \"$STELLA_TEST_FLEET/$1.tmp\"; mv \"$STELLA_TEST_FLEET/$1.tmp\" "
          "\"$STELLA_TEST_FLEET/$1.state\"; rm -f \"$STELLA_TEST_FLEET/$1.busy\"' sh {target} {digest} {version}")
STATUS = "sh -c 'cat \"$STELLA_TEST_FLEET/$1.state\" 2>/dev/null || echo none' sh {target}"
GATE = {"max_error_rate": None, "window_seconds": 0.2, "interval_seconds": 0.1, "max_gap_seconds": 5}


class CommandFleet:
    """``targets`` command targets of ``env``, all on platform 1.2.0 to begin with."""

    def __init__(self, site, env: str, targets: tuple[str, ...], folder: Path, monkeypatch,
                 deploy_seconds: float = 0.1) -> None:
        self.site, self.env, self.targets, self.folder = site, env, targets, folder
        folder.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(FLEET_VAR, str(folder))
        monkeypatch.setenv("STELLA_TEST_DEPLOY_SECONDS", str(deploy_seconds))
        add_environment(site, env, targets, "command", {
            "commands": {"deploy": DEPLOY, "status": STATUS, "health": "true", "timeout_seconds": 30},
            "gates": {"default": GATE}, "auto_continue": True})
        self.reset()

    def reset(self) -> None:
        """Every target back on 1.2.0 by other means (as a fresh fleet would be)."""
        for name in self.targets:
            (self.folder / f"{name}.state").write_text(f"{OLD_DIGEST} {OLD_VERSION}\n")

    def digests(self) -> dict[str, str]:
        return {name: (self.folder / f"{name}.state").read_text().split()[0] for name in self.targets}

    def busy(self) -> list[str]:
        return sorted(p.stem for p in self.folder.glob("*.busy"))

    def wait_idle(self, timeout: float = 20.0) -> None:
        """Until no deploy command runs any more (one orphaned by a kill finishes first)."""
        deadline = time.monotonic() + timeout
        while self.busy():
            if time.monotonic() > deadline:
                raise AssertionError(f"deploy commands still running on {self.busy()}")
            time.sleep(0.01)
