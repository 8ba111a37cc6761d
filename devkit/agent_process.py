"""A real ``stella agent`` process with the step doubles, for tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.agent import lock as agent_lock
from app.site import SiteConfig

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0  # the child imports the product on a loaded machine


class AgentDidNotStart(AssertionError):
    pass


def start_agent(home: Path, log_file: Path, step_delay: float = 0.0,
                grace: float = 5.0) -> subprocess.Popen:
    """Start ``stella --home HOME agent`` and return once it holds the site's lock."""
    env = {**os.environ, "STELLA_TEST_STEP_DELAY": str(step_delay), "PYTHONPATH": str(ROOT)}
    with open(log_file, "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "devkit.run_with_doubles",
                                 "--home", str(home), "agent", "--grace", str(grace)],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    config = SiteConfig.resolve(home=home)
    deadline = time.monotonic() + START_TIMEOUT
    while agent_lock.status(config).pid is None:  # the lock, then the note saying who
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait(10)
            raise AgentDidNotStart("the agent did not start: " + log_file.read_text())
        time.sleep(0.05)
    return proc


def stop_agent(proc: subprocess.Popen, timeout: float = 30.0) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
        raise


def as_user(site, name: str):
    """``name`` as the services take an acting user on this build: an authenticated
    identity where the factories provide one, else the plain name."""
    try:
        from devkit.factories import who
    except ImportError:
        return name
    return who(site, name)
