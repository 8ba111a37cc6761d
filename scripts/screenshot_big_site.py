"""Screenshots of a site with many promotions (bench/make_big_site.py): the promotions
list and a run opened from it, at 1366x768, with how long the list took to fill.

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1366x768x24" \\
        .venv/bin/python scripts/screenshot_big_site.py --home BIG [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.context import Site
from app.site import SiteConfig


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--run", help="the promotion to open (default: one from the middle)")
    args = parser.parse_args()
    from app.gui import application, main_window
    from scripts import shots

    began = time.perf_counter()
    site = Site.open(SiteConfig.resolve(home=args.home))
    app = application()
    window = main_window(site)
    window.resize(1366, 768)
    window.show()
    until = shots.waiter("the promotions list did not fill", default_timeout_ms=60_000)
    save = shots.saver(args.out)
    page = window.promotions
    until(lambda: page.model.rowCount() > 0)
    filled = time.perf_counter() - began
    print(f"{page.model.rowCount()} promotions listed {filled:.2f} s after start")
    page.run_view  # noqa: B018 — built once the list shows, as `stella gui` does
    until(lambda: window.site_info is not None)
    save(window, "big-site-promotions.png")
    rows = page.model.rowCount()
    pid = args.run or page.model.summary(rows // 2).id
    page.select(pid)
    view = page.run_view
    until(lambda: view.snapshot is not None and view.snapshot.promotion_id == pid)
    save(window, "big-site-run.png")
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
