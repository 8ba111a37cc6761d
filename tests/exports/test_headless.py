"""The export service has no Qt: the PDF renderer is given by the edge (the GUI, the
``stella export`` command), and Qt is loaded only when a report is really rendered.

Every export ships ``report.pdf``, so a successful ``stella export`` does load Qt (offscreen)
to render it; a refused one, the service itself and every other command never do. Each case
runs in a fresh interpreter: this test process has Qt loaded already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.factories import passphrase_of

ROOT = Path(__file__).resolve().parents[2]

QT_LOADED = "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'PySide6')))"


def _run(code: str, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    env = {**os.environ, "STELLA_PASSPHRASE": passphrase_of("audrey")}
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run([sys.executable, "-c", f"import json, sys\n{code}\n{QT_LOADED}", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done, json.loads(done.stdout.strip().splitlines()[-1])


def test_the_export_service_and_the_cli_import_no_qt():
    _, qt = _run("import app.services.exports, app.cli.commands, app.cli.main")
    assert qt == []


STELLA_EXPORT = ("from app.cli.main import main\n"
                 "print('exit', main(['export', 'auditor', sys.argv[1], '--to', sys.argv[2],"
                 " '--as', 'audrey', '--home', sys.argv[3]]))")


def _stella_export(site, promotion: str, out: Path) -> tuple[str, list[str]]:
    out.mkdir()
    done, qt = _run(STELLA_EXPORT, promotion, str(out), str(site.paths.home))
    return done.stdout, qt


def test_a_refused_stella_export_never_loads_qt(sealed, tmp_path):
    site, _pid = sealed
    stdout, qt = _stella_export(site, "P-9999", tmp_path / "out")
    assert "exit 0" not in stdout  # an unknown promotion is refused
    assert qt == [] and list((tmp_path / "out").iterdir()) == []


def test_an_export_with_a_renderer_of_its_own_loads_no_qt(sealed, tmp_path):
    site, pid = sealed
    out = tmp_path / "out"
    out.mkdir()
    code = (
        "from app.context import Site\n"
        "from app.services import exports\n"
        "from app.site import SiteConfig\n"
        "from engine.clock import FixedClock\n"
        "from tests.support.factories import START, who\n"
        "site = Site.open(SiteConfig.resolve(home=sys.argv[1], clock=FixedClock(START)))\n"
        "outcome = exports.export(site, sys.argv[2], 'auditor', sys.argv[3], who(site, 'audrey'),"
        " renderer=lambda content: b'%PDF-1.4 plain')\n"
        "print('archive', outcome.files.archive.name)\n"
        "site.close()")
    done, qt = _run(code, str(site.paths.home), pid, str(out))
    assert "archive" in done.stdout and any(out.iterdir())
    assert qt == []


def test_stella_export_loads_qt_only_to_render_the_report(sealed, tmp_path):
    site, pid = sealed
    stdout, qt = _stella_export(site, pid, tmp_path / "out")
    assert "exit 0" in stdout
    assert "PySide6.QtGui" in qt  # the report was rendered: Qt is what renders it
