"""Step logs for the Step Detail screen: one line format, and saving to a file.

Saving reads the log fresh from the database (not what happens to be on screen) and
writes it atomically, so a crash mid-save never leaves a half-written file.
"""

from __future__ import annotations

from pathlib import Path

from app.context import Site
from app.services.logs import step_logs
from engine.crypto.atomic import atomic_write_bytes
from engine.text import terminal_safe

LogLine = tuple[str, int, str, str]  # step, attempt, at, line


def format_line(line: LogLine) -> str:
    """One log line as shown and saved: what a step printed is untrusted, so control and
    bidi characters in it are escaped (engine.text), as ``stella logs`` prints them."""
    _step, attempt, at, text = line
    return f"{at} [attempt {attempt}] {terminal_safe(text)}"


def save_step_log(site: Site, promotion_id: str, step: str, path: str | Path) -> int:
    """Write the step's whole log to ``path``; return the number of lines written."""
    lines = step_logs(site, promotion_id, step)
    text = "".join(format_line(line) + "\n" for line in lines)
    atomic_write_bytes(Path(path), text.encode("utf-8"))
    return len(lines)
