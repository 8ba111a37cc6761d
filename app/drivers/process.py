"""Run one external command with its output streamed line by line, a deadline and
a cancel check — without a shell.

The child gets its own process group (session) so that a timeout or a cancel ends
everything it started (an ``ssh`` that spawned a helper, a script's subprocesses):
SIGTERM to the group, then SIGKILL after a grace period. Output lines are read by
two threads (stdout, stderr) into one queue and handed to ``log`` on the calling
thread, in arrival order. The command is finished when it has exited and closed
its output: a background process that keeps the pipes open (instead of
redirecting its output, as daemons do) holds the step until the timeout.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from app.drivers.base import LogSink, ShouldStop, Status, never_stop

log = logging.getLogger(__name__)

MAX_LINE = 64 * 1024  # a line longer than this is passed on in pieces
_POLL = 0.05


@dataclass(frozen=True)
class ProcessOutcome:
    status: Status
    exit_code: int | None
    seconds: float
    detail: str
    last_stderr: str = ""
    stdout: str = ""


def run_streaming(
    argv: Sequence[str],
    *,
    log_line: LogSink,
    timeout: float,
    should_stop: ShouldStop = never_stop,
    prefix: str = "",
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    kill_grace: float = 2.0,
    keep_stdout: bool = False,
) -> ProcessOutcome:
    """Run ``argv``; exit status 0 is ``succeeded``, anything else ``failed``."""
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=os.name == "posix",
            creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0),
        )
    except OSError as err:
        detail = f"cannot start {argv[0]!r}: {err.strerror or err}"
        log_line(f"{prefix}{detail}")
        return ProcessOutcome("failed", None, 0.0, detail)

    lines: queue.Queue[tuple[str, str | None]] = queue.Queue()
    readers = [
        threading.Thread(target=_pump, args=(proc.stdout, "out", lines), daemon=True),
        threading.Thread(target=_pump, args=(proc.stderr, "err", lines), daemon=True),
    ]
    for reader in readers:
        reader.start()

    try:
        return _follow(proc, open_streams=2, log_line=log_line, timeout=timeout, started=started,
                       should_stop=should_stop, prefix=prefix, kill_grace=kill_grace,
                       keep_stdout=keep_stdout, lines=lines)
    except BaseException:
        _terminate(proc, kill_grace)  # a failing log sink must not leave the command running
        proc.wait()
        raise


def _follow(
    proc: subprocess.Popen[bytes],
    *,
    open_streams: int,
    log_line: LogSink,
    timeout: float,
    started: float,
    should_stop: ShouldStop,
    prefix: str,
    kill_grace: float,
    keep_stdout: bool,
    lines: queue.Queue[tuple[str, str | None]],
) -> ProcessOutcome:
    status: Status | None = None
    last_stderr = ""
    kept: list[str] = []
    deadline = started + timeout
    while open_streams or proc.poll() is None:
        if status is None and time.monotonic() >= deadline:
            status = "timed-out"
            log_line(f"{prefix}timed out after {timeout:g}s; stopping the command")
            _terminate(proc, kill_grace)
        elif status is None and should_stop():
            status = "cancelled"
            log_line(f"{prefix}cancelled; stopping the command")
            _terminate(proc, kill_grace)
        try:
            stream, text = lines.get(timeout=_POLL)
        except queue.Empty:
            if status is not None and proc.poll() is not None:
                break  # killed; a grandchild outside the group may still hold a pipe open
            continue
        if text is None:
            open_streams -= 1
            continue
        if stream == "err":
            last_stderr = text
            log_line(f"{prefix}stderr: {text}")
        else:
            if keep_stdout:
                kept.append(text)
            log_line(f"{prefix}{text}")
    exit_code = proc.wait()
    seconds = time.monotonic() - started
    if status is None:
        status = "succeeded" if exit_code == 0 else "failed"
    detail = {
        "succeeded": f"exited 0 after {seconds:.1f}s",
        "failed": f"exited {exit_code} after {seconds:.1f}s" + (f": {last_stderr}" if last_stderr else ""),
        "timed-out": f"timed out after {timeout:g}s",
        "cancelled": f"cancelled after {seconds:.1f}s",
    }[status]
    return ProcessOutcome(status, exit_code, seconds, detail, last_stderr, "\n".join(kept))


def _pump(stream: IO[bytes] | None, name: str, lines: queue.Queue[tuple[str, str | None]]) -> None:
    if stream is None:
        lines.put((name, None))
        return
    try:
        while True:
            chunk = stream.readline(MAX_LINE)
            if not chunk:
                break
            lines.put((name, chunk.decode("utf-8", errors="replace").rstrip("\r\n")))
    except (OSError, ValueError):
        pass
    finally:
        lines.put((name, None))
        stream.close()


def _terminate(proc: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM the whole group, SIGKILL it if still there after ``grace`` seconds."""
    if os.name != "posix":
        proc.kill()
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def pid_alive(pid: int) -> bool:
    """True while ``pid`` runs (POSIX); a zombie awaiting its reaper counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie still answers signal 0 until its parent reaps it
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
