"""Every top-level window and dialog opens within the screen it is on — a 1366×768
laptop, a 1280×720 one — and uses the room of a 1920×1080 screen.

The screen size is fixed when the QApplication starts, so each size is a process of
its own (devkit/window_tour.py) on Qt's offscreen platform configured with a
screen of that size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# opened whatever the site's sign-in rules are (approval needs a signed-in approver)
EXPECTED = {"main-window", "main-window-promotions", "main-window-bundles-import",
            "step-detail-inputs-materialized", "step-detail-gate-eval", "step-detail-deploy-10",
            "evidence-timeline", "evidence-packet", "target-log", "export", "schedule", "login",
            "import-report", "first-root", "reason", "auditor"}


_TOURS: dict[tuple[int, int], dict[str, dict]] = {}


@pytest.fixture
def toured(tmp_path_factory):
    """The tour at a screen size, run once per size for the module's tests."""

    def at(width: int, height: int) -> dict[str, dict]:
        if (width, height) not in _TOURS:
            _TOURS[width, height] = tour(tmp_path_factory.mktemp(f"tour{width}"), width, height)
        return _TOURS[width, height]

    return at


def tour(tmp_path: Path, width: int, height: int) -> dict[str, dict]:
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "test", "x": 0, "y": 0, "width": width,
                                               "height": height, "logicalDpi": 96, "dpr": 1}]}))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}")
    done = subprocess.run([sys.executable, "-m", "devkit.window_tour",
                           "--home", str(tmp_path / "tour")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return {entry["name"]: entry for entry in json.loads(done.stdout.splitlines()[-1])}


def outside(entry: dict) -> list[str]:
    x, y, width, height = entry["screen"]
    problems = []
    if entry["x"] < x or entry["y"] < y or entry["x"] + entry["width"] > x + width \
            or entry["y"] + entry["height"] > y + height:
        problems.append(f"opens at {entry['x']},{entry['y']} {entry['width']}×{entry['height']}")
    if entry["min_width"] > width or entry["min_height"] > height:
        problems.append(f"cannot be smaller than {entry['min_width']}×{entry['min_height']}")
    return problems


@pytest.mark.parametrize("width,height", [(1366, 768), (1280, 720)])
def test_every_window_and_dialog_fits_a_laptop_screen(toured, width, height):
    seen = toured(width, height)
    assert EXPECTED <= set(seen), f"not opened: {sorted(EXPECTED - set(seen))}"
    misfits = {name: problems for name, entry in seen.items() if (problems := outside(entry))}
    assert not misfits, f"larger than the {width}×{height} screen: {misfits}"
    if (width, height) == (1366, 768):
        # every column of the evidence timeline on screen (its last header read "edicate ty")
        assert seen["evidence-timeline"]["overflowing"] == []
        assert seen["main-window"]["rows"]["promotionsTable"] >= 10
        assert seen["main-window"]["rows"]["timelineTable"] >= 10  # beside the run's facts
        assert seen["step-detail-deploy-10"]["rows"]["stageTargets"] >= 10


def test_a_large_screen_is_used(toured):
    seen = toured(1920, 1080)
    assert not {name: p for name, entry in seen.items() if (p := outside(entry))}
    assert seen["main-window"]["width"] >= 1800 and seen["main-window"]["height"] >= 1000
    gate = seen["step-detail-gate-eval"]
    assert gate["width"] > 1100 and gate["height"] > 850  # was 760×560 on every screen
    assert seen["auditor"]["width"] > 1500


def test_every_button_input_and_list_has_an_accessible_name(toured):
    """What a screen reader announces: a button's text, or the name given to an input,
    list or table (a filter box with only a placeholder would be announced as nothing)."""
    seen = toured(1366, 768)
    unnamed = {name: entry["unnamed"] for name, entry in seen.items() if entry["unnamed"]}
    assert not unnamed
