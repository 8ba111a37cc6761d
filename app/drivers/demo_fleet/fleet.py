"""The demo fleet (DEMO ONLY): N real target processes of one environment on 127.0.0.1.

Each target runs ``python -m app.drivers.demo_fleet.target`` in its own folder
``<home>/demo-fleet/<env>/<target>/`` and writes the port it listens on to
``target.json`` there. The fleet records every target (name, pid, port, folder)
in ``<home>/demo-fleet/<env>/fleet.json`` so that a later app process can adopt
targets still running (:meth:`DemoFleet.adopt`) or stop leftovers of a crashed
one (:meth:`DemoFleet.reap_stale`). A recorded pid is only ever signalled after
the process proves it is that target: its ``/version`` answers with the same pid
and name, or (Linux) its command line names the target module and folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import app
from app.drivers.base import DriverError, ReleaseRef, Target
from app.drivers.demo_fleet.files import atomic_write_json
from app.drivers.demo_fleet.http import TargetUnreachable, http_get
from app.drivers.demo_fleet.release_dir import activate, install_release
from app.drivers.demo_fleet.target import PORT_FILE
from app.drivers.process import pid_alive

logger = logging.getLogger(__name__)

DRIVER_NAME = "demo-fleet"
TARGET_MODULE = "app.drivers.demo_fleet.target"
FROZEN_COMMAND = "demo-target"  # ``stella demo-target …`` in the desktop build
STATE_FILE = "fleet.json"
LOG_FILE = "target.log"


class FleetError(DriverError):
    """The demo fleet could not start, find or stop a target."""


@dataclass(frozen=True)
class FleetMember:
    env: str
    name: str
    pid: int
    port: int
    root: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "pid": self.pid, "port": self.port, "root": str(self.root)}


class DemoFleet:
    """Starts, stops, restarts and kills the demo targets of one environment.

    ``launcher`` is the command that runs the target module (default: this
    interpreter with ``-m``); a frozen build passes its own. ``watch_parent``
    makes targets exit when this process dies (tests); the app leaves it off so
    that targets outlive a crash and are adopted or reaped by the next start.
    """

    def __init__(
        self,
        home: Path,
        env: str,
        *,
        launcher: Sequence[str] | None = None,
        seed: int = 0,
        start_timeout: float = 15.0,
        watch_parent: bool = False,
    ) -> None:
        Target(env=env, name="probe", driver=DRIVER_NAME)  # validates the environment name
        self.env = env
        self.directory = Path(home) / "demo-fleet" / env
        self._launcher = list(launcher or default_launcher())
        self._seed = seed
        self._start_timeout = start_timeout
        self._watch_parent = watch_parent
        self._lock = threading.Lock()
        self._members: dict[str, FleetMember] = {}
        self._procs: dict[str, subprocess.Popen[bytes]] = {}

    # -- what is running -------------------------------------------------------

    @property
    def state_file(self) -> Path:
        return self.directory / STATE_FILE

    def members(self) -> list[FleetMember]:
        with self._lock:
            return list(self._members.values())

    def member(self, name: str) -> FleetMember:
        with self._lock:
            found = self._members.get(name)
        if found is None:
            raise FleetError(f"no demo target {name!r} in environment {self.env!r}")
        return found

    def targets(self) -> list[Target]:
        """The fleet as deploy targets, for :class:`DemoFleetDriver`."""
        return [Target(env=self.env, name=m.name, driver=DRIVER_NAME) for m in self.members()]

    def ports(self) -> dict[str, int]:
        with self._lock:
            return {name: m.port for name, m in self._members.items()}

    def is_running(self, name: str) -> bool:
        member = self.member(name)
        proc = self._procs.get(name)
        if proc is not None:
            return proc.poll() is None
        return pid_alive(member.pid)

    # -- lifecycle -------------------------------------------------------------

    def start(self, names: Sequence[str], *, release: ReleaseRef | None = None) -> list[FleetMember]:
        """Start ``names`` (stopping leftovers first); deploy ``release`` before they listen."""
        for name in names:
            Target(env=self.env, name=name, driver=DRIVER_NAME)
        if len(set(names)) != len(names):
            raise FleetError("target names must be unique")
        running = [n for n in names if n in self._procs and self._procs[n].poll() is None]
        if running:
            raise FleetError(f"demo target {running[0]!r} is already running; restart it instead")
        self.reap_stale()
        launched = []
        try:
            for name in names:
                root = self.directory / name
                root.mkdir(parents=True, exist_ok=True)
                if release is not None:
                    install_release(root, release)
                    activate(root, release)
                launched.append((name, root, self._launch(name, root)))
            started = [self._await_port(name, root, proc) for name, root, proc in launched]
        except BaseException:
            for name, _, proc in launched:
                _stop_child(proc)
                self._procs.pop(name, None)
            raise
        with self._lock:
            for member in started:
                self._members[member.name] = member
        self._save()
        return started

    def stop(self, names: Iterable[str] | None = None) -> None:
        """Stop the given targets (all when None): SIGTERM, then SIGKILL after 3 s."""
        chosen = list(names) if names is not None else [m.name for m in self.members()]
        members = [self.member(name) for name in chosen]
        children = [self._procs.pop(m.name) for m in members if m.name in self._procs]
        for proc in children:  # signal all first: they shut down in parallel
            if proc.poll() is None:
                proc.terminate()
        for proc in children:
            _stop_child(proc)
        for member in members:
            if member.pid not in {p.pid for p in children} and _is_our_target(member):
                _stop_pid(member.pid)
            with self._lock:
                self._members.pop(member.name, None)
        self._save()

    def kill(self, name: str) -> None:
        """SIGKILL one target, as a crash would; it stays a member (and unreachable)."""
        member = self.member(name)
        proc = self._procs.get(name)
        if proc is not None:
            proc.kill()
            proc.wait()
        elif _is_our_target(member):
            os.kill(member.pid, signal.SIGKILL)

    def restart(self, name: str) -> FleetMember:
        """Stop (if running) and start one target again; it keeps its deployed release."""
        member = self.member(name)
        proc = self._procs.pop(name, None)
        if proc is not None:
            _stop_child(proc)
        elif _is_our_target(member):
            _stop_pid(member.pid)
        started = self._await_port(name, member.root, self._launch(name, member.root))
        with self._lock:
            self._members[name] = started
        self._save()
        return started

    def adopt(self) -> list[FleetMember]:
        """Take over targets a previous app process left running (verified), forget the rest."""
        adopted = [m for m in self._recorded() if _is_our_target(m)]
        with self._lock:
            for member in adopted:
                self._members.setdefault(member.name, member)
        self._save()
        return adopted

    def reap_stale(self) -> list[str]:
        """Stop recorded targets this object did not start; returns their names."""
        reaped = []
        for member in self._recorded():
            if member.name in self._procs:
                continue
            if _is_our_target(member):
                logger.info("stopping stale demo target %s (pid %d)", member.name, member.pid)
                _stop_pid(member.pid)
                reaped.append(member.name)
            with self._lock:
                if self._members.get(member.name) == member:
                    del self._members[member.name]
        return reaped

    def __enter__(self) -> DemoFleet:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- internals -------------------------------------------------------------

    def _seed_for(self, name: str) -> int:
        digest = hashlib.sha256(f"{self._seed}:{self.env}:{name}".encode()).digest()
        return int.from_bytes(digest[:4], "big")

    def _launch(self, name: str, root: Path) -> subprocess.Popen[bytes]:
        port_file = root / PORT_FILE
        port_file.unlink(missing_ok=True)
        argv = [*self._launcher, "--port", "0", "--root", str(root), "--name", name,
                "--seed", str(self._seed_for(name))]
        if self._watch_parent:
            argv += ["--watch-pid", str(os.getpid())]
        env = dict(os.environ)
        source_root = str(Path(app.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (source_root, env.get("PYTHONPATH")) if p)
        with open(root / LOG_FILE, "ab") as log_file:
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                env=env, start_new_session=os.name == "posix",
            )
        self._procs[name] = proc
        return proc

    def _await_port(self, name: str, root: Path, proc: subprocess.Popen[bytes]) -> FleetMember:
        deadline = time.monotonic() + self._start_timeout
        port_file = root / PORT_FILE
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise FleetError(
                    f"demo target {name!r} exited with status {proc.returncode} while starting: "
                    f"{_tail(root / LOG_FILE)}"
                )
            try:
                record = json.loads(port_file.read_bytes())
            except (FileNotFoundError, ValueError):
                time.sleep(0.02)
                continue
            if record.get("pid") == proc.pid and isinstance(record.get("port"), int):
                return FleetMember(self.env, name, proc.pid, record["port"], root)
            time.sleep(0.02)
        _stop_child(proc)
        raise FleetError(f"demo target {name!r} did not start within {self._start_timeout:g}s")

    def _recorded(self) -> list[FleetMember]:
        try:
            document = json.loads(self.state_file.read_bytes())
            return [
                FleetMember(self.env, str(t["name"]), int(t["pid"]), int(t["port"]), Path(t["root"]))
                for t in document.get("targets", [])
            ]
        except FileNotFoundError:
            return []
        except (ValueError, KeyError, TypeError, AttributeError):
            logger.warning("ignoring an unreadable demo fleet state file %s", self.state_file)
            return []

    def _save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._lock:
            members = sorted(self._members.values(), key=lambda m: m.name)
        atomic_write_json(self.state_file, {"env": self.env, "targets": [m.to_json() for m in members]})


def _tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(text[-lines:]) or "(empty log)"


def default_launcher() -> list[str]:
    """This interpreter with ``-m``; the desktop build runs itself with a sub-command."""
    if getattr(sys, "frozen", False):
        return [sys.executable, FROZEN_COMMAND]
    return [sys.executable, "-m", TARGET_MODULE]


def _is_our_target(member: FleetMember) -> bool:
    """True only when the process at ``member.pid`` is provably that demo target."""
    if os.name != "posix" or not pid_alive(member.pid):
        return False
    try:
        status, body = http_get(member.port, "/version", timeout=1.0)
        document = json.loads(body) if status == 200 else {}
        if document.get("pid") == member.pid and document.get("target") == member.name:
            return True
    except (TargetUnreachable, ValueError, AttributeError):
        pass
    try:
        cmdline = Path(f"/proc/{member.pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    launched_as = {TARGET_MODULE.encode(), FROZEN_COMMAND.encode()}
    return bool(launched_as & set(cmdline)) and str(member.root).encode() in cmdline


def _stop_child(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _stop_pid(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
