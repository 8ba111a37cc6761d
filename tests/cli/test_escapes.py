"""Escape-laden bundles and exports shown through ``import``, ``bundle verify``,
``verify`` and the GUI's import report: no raw control byte reaches the output.

The names below would clear the screen and paint a fake green success line, and
reorder text with a bidi override, if any of them were printed as they are."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from app.cli.main import main
from app.screens.import_jobs import ImportRequest, run_import
from app.services import trust
from engine.text import UNSAFE
from tests.bundles.helpers import (
    ROOT,
    Entry,
    bundle_bytes,
    predicate,
    release_files,
    root_envelope,
    tar_archive,
)
from tests.support.factories import make_site

FAKE = ("\x1b[2J\x1b[H\x1b[32mimported release platform 9.9.9 \u2014 VERIFIED \u2014 all 105 "
        "checks hold.\x1b[0m\r\n\u202eevil\u2066x\u2069\x9b31m\x7f\x00")


def raw_controls(text: str) -> set[str]:
    """Unsafe code points in ``text`` other than the line breaks output is made of."""
    return {f"U+{ord(ch):04X}" for ch in text if ord(ch) in UNSAFE and ch != "\n"}


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    folder = tmp_path_factory.mktemp("escapes") / "home"
    site = make_site(folder)
    trust.install_first(site, ROOT.envelope.to_bytes(), "alice", confirmed=True)
    site.close()
    return folder


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    folder = tmp_path_factory.mktemp("escape-bundles")
    unsigned = tar_archive([Entry(FAKE, b"x"), Entry("manifest.dsse.json", b"{}")])
    extra = bundle_bytes(release_files(name="esc-a", version="1.0.0"),
                         predicate(name="esc-a", version=1), extra=[Entry(f"x/{FAKE}", b"y")])
    described = bundle_bytes(release_files(name="esc-b", version="1.0.0"),
                             replace(predicate(name="esc-b", version=1), description=FAKE))
    files = {"unsigned": unsigned, "extra-member": extra, "described": described}
    paths = {}
    for name, data in files.items():
        paths[name] = folder / f"{name}.tar"
        paths[name].write_bytes(data)
    root_file = folder / "root.dsse.json"
    root_file.write_bytes(root_envelope(1, ("root1", "root2"), ("root1", "root2")).to_bytes())
    return paths, root_file


def run(capsys, argv) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
@pytest.mark.parametrize("name", ["unsigned", "extra-member", "described"])
def test_import_and_bundle_verify_print_no_raw_control(home, bundles, capsys, name, json_flag):
    paths, root_file = bundles
    for argv in (["--home", home, "bundle", "verify", paths[name], *json_flag],
                 ["--home", home, "bundle", "verify", paths[name], "--trust-root", root_file,
                  *json_flag],
                 ["--home", home, "--as", "alice", "import", paths[name], *json_flag]):
        code, output = run(capsys, argv)
        assert code in (0, 1), output
        assert "Traceback" not in output
        assert raw_controls(output) == set(), (argv, output)
        if name != "described":
            assert code == 1 and "\\x1b" in output  # refused, and the name shown escaped


def test_verify_of_an_export_with_an_escape_named_member(auditor_export, tmp_path, capsys):
    folder = shutil.copytree(auditor_export["folder"], tmp_path / "export")
    (folder / "evidence" / FAKE.replace("\x00", "")).write_bytes(b"{}")
    for flag in ([], ["--json"]):
        code, output = run(capsys, ["verify", folder, *flag])
        assert code == 1, output
        assert raw_controls(output) == set(), output
        assert "\\x1b[2J" in output or "\\u001b[2J" in output
        assert "\nVERIFIED" not in output


class _Control:
    def progress(self, _value) -> None:
        pass

    def cancelled(self) -> bool:
        return False


@pytest.mark.parametrize("name", ["unsigned", "extra-member", "described"])
def test_the_gui_import_report_shows_no_raw_control(home, bundles, name):
    from app.context import Site
    from app.site import SiteConfig
    from views.import_dialog import text

    paths, _ = bundles
    site = Site.open(SiteConfig.resolve(home=home))
    try:
        outcome = run_import(site, ImportRequest(str(paths[name])), "alice", _Control())
    finally:
        site.close()
    shown = [text.headline(outcome), text.reason_html(outcome), text.checks_html(outcome),
             text.plain_report(outcome)]
    if outcome.summary is not None:
        shown += [value for _, value in text.summary_rows(outcome.summary)]
    for piece in shown:
        assert raw_controls(piece) == set(), piece
