"""Screenshots of the Bundles / Import screen, taken by ``scripts/screenshot_site.py``.

The promotions fixture site registers made-up releases, so this builds throw-away
sites of its own: a new one (the empty state), and one with the sample trust root v1
installed (trust on first use), a sample release, the feed and the policy imported
through the import service, and a pretend removable medium (a folder) holding more
sample bundles. On that one, in its own main window: a tampered bundle's rejection,
a successful import from the medium, a version-not-newer rejection, its override
with a reason and the result, the page, and the trust-on-first-use confirmation.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import airgap_bundles
from app.screens.import_jobs import MediumBundles, bundle_files, preview
from app.services import bundles, trust
from devkit.factories import START, make_site
from engine.crypto import dsse
from engine.crypto.trust_root import TrustRoot

SAMPLES = Path(airgap_bundles.__file__).parent / "samples"
Save = Callable[[object, str], None]
Until = Callable[..., None]


class _StepClock:
    """A minute later on every reading, so the import times in the list differ."""

    def __init__(self) -> None:
        self._now = START - timedelta(hours=2)

    def now(self):
        self._now += timedelta(minutes=1)
        return self._now


def _tampered(source: Path, target: Path, member: str = "release.json") -> Path:
    raw = gzip.decompress(source.read_bytes())
    with tarfile.open(fileobj=io.BytesIO(raw)) as archive:
        offset = archive.getmember(member).offset_data
    flipped = bytearray(raw)
    flipped[offset + 5] ^= 0x01
    target.write_bytes(gzip.compress(bytes(flipped), mtime=0))
    return target


def build_bundles_site(home: Path):
    site = make_site(home, clock=_StepClock())
    trust.install_first(site, (SAMPLES / "trust-root-v1.dsse.json").read_bytes(), "alice",
                        confirmed=True)
    folder = SAMPLES / "bundles"
    bundles.import_bundle(site, folder / "release-platform-1.3.0-rc1.tar.gz", "alice")
    bundles.import_bundle(site, folder / "feed-osv-2026-02-18.tar.zst", "olga")
    bundles.import_bundle(site, folder / "policy-default.tar.gz", "alice")
    return site


def shoot_bundles(home: Path, out: Path, save: Save, until: Until) -> None:
    from app.gui import main_window
    from views.import_dialog.first_root import FirstRootDialog
    from views.main_window.navigation import BUNDLES

    empty = main_window(make_site(home / "empty"))  # a new site: no trust root, no media
    empty.resize(1440, 920)
    empty.show()
    empty.bundles.media.scan = lambda: ()
    empty.navigate(BUNDLES)
    until(lambda: empty.bundles.snapshot is not None and empty.bundles.media.media == ()
          and "No removable" in empty.bundles.media.state_label.text())
    save(empty, "bundles-empty.png")
    empty.close()
    empty.ctx.site.close()

    site = build_bundles_site(home / "site")
    stick = home / "media" / "RELEASES-0218"
    stick.mkdir(parents=True)
    for name in ("release-platform-1.3.0-rc1-bad.tar.gz", "trust-root-v2.tar.gz"):
        (stick / name).write_bytes((SAMPLES / "bundles" / name).read_bytes())
    (stick / "trust-root-v2.dsse.json").write_bytes(
        (SAMPLES / "trust-root-v2.dsse.json").read_bytes())
    medium = MediumBundles("RELEASES-0218", "/media/alice/RELEASES-0218", 14_200_000_000,
                           15_900_000_000, bundle_files(stick))

    window = main_window(site)
    window.resize(1440, 920)
    window.show()
    until(lambda: window.site_info is not None and window.ctx.actor == "alice")
    page = window.bundles
    page.media.scan = lambda: (medium,)
    window.navigate(BUNDLES)
    until(lambda: page.snapshot is not None and len(page.snapshot.rows) == 3
          and bool(page.media.file_buttons))

    reports: list = []
    page.report_shown.connect(reports.append)

    def report(start: Callable[[], object], name: str, close: bool = True):
        count = len(reports)
        start()
        until(lambda: len(reports) > count)
        dialog = reports[-1]
        dialog.resize(900, dialog.sizeHint().height())
        save(dialog, name)
        if close:
            dialog.close()
        return dialog

    bad = _tampered(SAMPLES / "bundles" / "release-platform-1.3.0-rc1-bad.tar.gz",
                    home / "release-platform-1.3.0-rc1-bad.tar.gz")
    report(lambda: page.import_files([str(bad)]), "import-rejected.png")
    button = page.media.file_buttons[str(stick / "release-platform-1.3.0-rc1-bad.tar.gz")]
    report(button.click, "import-imported.png")
    older = report(lambda: page.import_files([str(SAMPLES / "bundles" /
                                                  "release-platform-1.2.4.tar.gz")]),
                   "import-rejected-older.png", close=False)
    reason = older.ask_allow_older()
    reason.reason_edit.setText("roll back to 1.2.4 after INC-1234")
    save(reason, "import-allow-older.png")
    report(reason.ok_button.click, "import-override.png")
    until(lambda: page.snapshot is not None and len(page.snapshot.rows) == 5)
    save(window, "bundles-page.png")

    root = TrustRoot.from_envelope(dsse.Envelope.from_bytes(
        (SAMPLES / "trust-root-v1.dsse.json").read_bytes()))
    first = FirstRootDialog("trust-root-v1.dsse.json", preview(root), window)
    first.show()
    save(first, "import-first-root.png")
    first.close()

    window.close()
    site.close()
