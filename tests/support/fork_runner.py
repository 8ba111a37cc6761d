"""A runner that imports the CLI, the executor and the product's steps once, then forks
one real process per ``stella`` command, so a crash test can start (and SIGKILL) dozens
of executors without paying the interpreter's start-up each time.

    python -m tests.support.fork_runner      # reads commands, one JSON list per line

For each command line it forks; the child runs ``main(argv, registry=product_registry())``
and exits with its code. The runner answers ``pid <n>`` at once and ``exit <n> <code>``
when the child is gone (``-9`` after a SIGKILL), then reads the next line.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

from app.cli.main import main
from tests.support.deploy import product_registry

ROOT = Path(__file__).resolve().parents[2]


def serve() -> int:
    for line in sys.stdin:
        argv = json.loads(line)
        child = os.fork()
        if child == 0:  # the executor's own process
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            quiet = os.open(os.devnull, os.O_WRONLY)
            os.dup2(quiet, 1)  # the protocol owns the runner's stdout
            os.dup2(quiet, 2)
            sys.stdout = open(1, "w", closefd=False)
            try:
                code = main(argv, registry=product_registry())
            except BaseException:
                code = 70
            sys.stdout.flush()
            os._exit(int(code or 0))
        print(f"pid {child}", flush=True)
        _, status = os.waitpid(child, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(f"exit {child} {code}", flush=True)
    return 0


class ForkRunner:
    """The test's side: start commands, learn their pid, wait for their end."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.support.fork_runner"], cwd=ROOT,
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, bufsize=1)

    def start(self, *argv: str) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(list(argv)) + "\n")
        self.proc.stdin.flush()
        kind, pid = self.proc.stdout.readline().split()
        assert kind == "pid", kind
        return int(pid)

    def wait(self, pid: int) -> int:
        assert self.proc.stdout is not None
        kind, ended, code = self.proc.stdout.readline().split()
        assert (kind, int(ended)) == ("exit", pid)
        return int(code)

    def ended(self, pid: int, within: float) -> int | None:
        """The child's exit code if it ends within ``within`` seconds, else ``None``."""
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], within)
        return self.wait(pid) if ready else None

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


if __name__ == "__main__":
    sys.exit(serve())
