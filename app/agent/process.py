"""Run the agent in the foreground, or start and stop it detached.

``stella agent`` serves until SIGTERM (or Ctrl-C); ``stella agent start`` runs that
same command in a session of its own, logging to ``run/agent.log`` in the site home,
and returns once the agent holds its lock; ``stella agent stop`` sends SIGTERM and
waits until the lock is free.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from app.agent import lock as agent_lock
from app.agent.lock import AgentLock, AgentStatus
from app.agent.service import STOP_GRACE, Agent
from app.context import Site
from app.errors import NotNow
from app.site import SiteConfig
from app.steps.base import StepRegistry

START_TIMEOUT = 30.0  # a loaded 2-core machine needs seconds just to import
LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"


def serve(config: SiteConfig, registry_factory: Callable[[], StepRegistry],
          grace: float = STOP_GRACE, say: Callable[[str], None] = print) -> int:
    """The agent in this process, until SIGTERM or SIGINT."""
    site = Site.open(config)
    held = AgentLock(config)
    try:
        held.acquire(site.now())
        stop = threading.Event()
        previous = {sig: signal.signal(sig, lambda *_: stop.set())
                    for sig in (signal.SIGTERM, signal.SIGINT)}
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        agent_log = logging.getLogger("app.agent")
        agent_log.addHandler(handler)
        agent_log.setLevel(logging.INFO)
        agent_log.propagate = False  # one line per event, not one more via the root logger
        say(f"agent: serving site {site.row().name} in {config.paths.home} "
            f"(pid {os.getpid()} on {socket.gethostname()}); stop with SIGTERM or Ctrl-C")
        try:
            Agent(site, registry_factory).serve(stop, grace)
        finally:
            agent_log.removeHandler(handler)
            agent_log.propagate = True
            for sig, old in previous.items():
                signal.signal(sig, old)
        say("agent: stopped")
        return 0
    finally:
        held.release()
        site.close()


def command_line(config: SiteConfig) -> list[str]:
    """The ``stella … agent`` command that runs this site's agent."""
    base = [sys.executable] if getattr(sys, "frozen", False) else \
        [sys.executable, "-m", "app.cli.main"]
    options = ["--home", str(config.paths.home)]
    if config.db_url != f"sqlite:///{config.paths.db_file}":
        options += ["--db", config.db_url]
    return [*base, *options, "agent"]


def start_detached(config: SiteConfig, command: list[str] | None = None,
                   timeout: float = START_TIMEOUT) -> AgentStatus:
    """Start the agent in the background; returns once it runs (or says why not)."""
    current = agent_lock.status(config)
    if current.running:
        return current
    config.paths.run_dir.mkdir(parents=True, exist_ok=True)
    log_file = agent_lock.log_path(config)
    with open(log_file, "ab") as out:
        proc = subprocess.Popen(command or command_line(config), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=out, start_new_session=True,
                                env={**os.environ, "STELLA_DB": config.db_url})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = agent_lock.status(config)
        if current.running and current.pid is not None:
            return current
        code = proc.poll()
        if code is not None:
            current = agent_lock.status(config)
            if current.running:  # another agent won the race: that one serves
                return current
            raise NotNow(f"the agent stopped at once (exit {code}): {_tail(log_file)}")
        time.sleep(0.1)
    raise NotNow(f"the agent did not start within {timeout:g} s; see {log_file}")


def stop_detached(config: SiteConfig, timeout: float = STOP_GRACE + 40.0) -> AgentStatus:
    """SIGTERM to this site's agent, then wait until it has let go of its lock."""
    current = agent_lock.status(config)
    if not current.running:
        return current
    if current.pid is None:
        raise NotNow("the agent is starting; try again in a moment")
    if current.host != socket.gethostname():
        raise NotNow(f"the agent runs on {current.host}: stop it there")
    try:
        os.kill(current.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not agent_lock.status(config).running:
            return current
        time.sleep(0.1)
    raise NotNow(f"the agent (pid {current.pid}) is still finishing its steps after "
                 f"{timeout:g} s; see {agent_lock.log_path(config)}")


def _tail(path: os.PathLike, lines: int = 3) -> str:
    try:
        text = open(path, encoding="utf-8", errors="replace").read().strip().splitlines()
    except OSError:
        return "no log"
    return " / ".join(text[-lines:]) or "no output"
