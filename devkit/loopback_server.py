"""A real server process on a free 127.0.0.1 port for an integration test, stopped
whatever happens: started in its own session with its output in a log file, waited
for until it answers (or its log says why not), terminated then killed on stop."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Self

from app.demo.prometheus import free_port

__all__ = ["LoopbackServer", "free_port"]


class LoopbackServer:
    name = "server"  # in messages and the log file's name

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        root.mkdir(parents=True, exist_ok=True)

    @property
    def log_file(self) -> Path:
        return self.root / f"{self.name}.log"

    def spawn(self, argv: Sequence[str], ready: Callable[[], bool], timeout: float) -> None:
        """Run ``argv``; return once ``ready()`` is true, else stop it and raise with its log."""
        with self.log_file.open("wb") as log:
            self.proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_tail()}")
            try:
                if ready():
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} not ready after {timeout:g}s: {self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def log_tail(self) -> str:
        return self.log_file.read_text(errors="replace")[-1500:] if self.log_file.exists() else ""

    def start(self) -> Self:
        raise NotImplementedError

    def cleanup(self) -> None:
        """What to remove after the server stopped (its data), if anything."""

    def remove(self, folder: str) -> None:
        shutil.rmtree(self.root / folder, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        try:
            self.stop()
        finally:
            self.cleanup()
