"""``python -m tests.support.tick_with_doubles ARGS…``: the real ``stella`` CLI (e.g.
``scheduler tick``) with the step doubles, released at the same instant as its peers.

With ``STELLA_TEST_BARRIER=DIR`` the process, once its imports are done, writes
``DIR/ready-<pid>`` and waits for ``DIR/go``: a test starts several processes,
waits until all are ready, then lets them go together. ``STELLA_TEST_STEP_DELAY``
slows every step down, so a run is still going while the others look at the job.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import app.services.scheduler_tick  # noqa: F401 — imported before the barrier, like the CLI's
from app.cli.main import main
from tests.support.doubles import doubles_registry

BARRIER_TIMEOUT = 30.0


def wait_at_barrier(folder: Path) -> None:
    (folder / f"ready-{os.getpid()}").touch()
    deadline = time.monotonic() + BARRIER_TIMEOUT
    while not (folder / "go").exists():
        if time.monotonic() > deadline:
            raise SystemExit("tick_with_doubles: nobody opened the barrier")
        time.sleep(0.005)


if __name__ == "__main__":
    registry = doubles_registry(delay=float(os.environ.get("STELLA_TEST_STEP_DELAY", "0")))
    barrier = os.environ.get("STELLA_TEST_BARRIER")
    if barrier:
        wait_at_barrier(Path(barrier))
    sys.exit(main(sys.argv[1:], registry=registry))
