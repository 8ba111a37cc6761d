"""Screenshots of Approvals, Release Control, Integrations and Security on the
screenshot fixture site (scripts/screenshot_site.py), with a few demo-fleet targets
and the sample trust root added. Run under Xvfb like scripts/screenshots.sh:

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x1000x24 -dpi 96" \\
        .venv/bin/python scripts/screenshot_admin.py --home /tmp/admin-home
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import airgap_bundles  # noqa: E402
from app.services import trust  # noqa: E402
from devkit.factories import add_target  # noqa: E402
from scripts.screenshot_site import build_site, live_registry  # noqa: E402

TRUST_ROOT = Path(airgap_bundles.__file__).parent / "samples" / "trust-root-v1.dsse.json"


def add_fleet(site) -> None:
    """Targets on both environments, so Release Control and Integrations have rows."""
    for env, names in (("eu-stage", ("eu-stage-01", "eu-stage-02")),
                       ("eu-prod", ("eu-prod-02", "eu-prod-03"))):
        for name in names:
            add_target(site, env, name, "demo-fleet")
    trust.install_first(site, TRUST_ROOT.read_bytes(), "alice", confirmed=True)


def shoot_admin(window, site, ids: dict[str, str], out: Path, save, until) -> None:
    from views.admin_pages.pages import APPROVALS, INTEGRATIONS, RELEASE_CONTROL, SECURITY

    for key, name in ((APPROVALS, "approvals-page.png"), (RELEASE_CONTROL, "release-control.png"),
                      (INTEGRATIONS, "integrations.png"), (SECURITY, "security.png")):
        page = window.navigate(key)
        until(lambda p=page: p.loaded_once and not p.loading)
        if key == SECURITY:  # the blocked release: findings with a VEX suppression
            number = page.releases.row_of(next(
                (r.release_digest, r.environment) for r in page.releases.rows()
                if r.promotion_id == ids["gate_blocked"]))
            page.release_table.selectRow(number)
        save(window, name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, type=Path, help="a new, empty folder")
    parser.add_argument("--out", default=ROOT / "docs" / "screenshots", type=Path)
    args = parser.parse_args(argv)
    if args.home.exists() and any(args.home.iterdir()):
        parser.error(f"{args.home} is not empty; give a new folder")
    args.out.mkdir(parents=True, exist_ok=True)
    site, ids = build_site(args.home)
    add_fleet(site)

    from app.gui import application, main_window
    from scripts import shots

    app = application()
    window = main_window(site, live_registry)
    window.resize(1440, 920)
    window.show()

    until = shots.waiter("screenshot fixture: the page did not load", 20000)
    save = shots.saver(args.out)

    until(lambda: window.site_info is not None)
    shoot_admin(window, site, ids, args.out, save, until)
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
