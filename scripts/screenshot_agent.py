#!/usr/bin/env python3
"""Screenshots of the site agent in the app, on a demo site (run under Xvfb at 1366x768):
the status bar with the agent running, the Start agent button when it is not, and a
scheduled promotion in the list and the run view.

    xvfb-run -s "-screen 0 1366x768x24" .venv/bin/python scripts/screenshot_agent.py --home site
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.agent import process  # noqa: E402
from app.context import Site  # noqa: E402
from app.gui import application, main_window  # noqa: E402
from app.site import SiteConfig  # noqa: E402
from scripts.shots import saver, settle, waiter  # noqa: E402

SCHEDULED = "P-0006"  # the demo's scheduled hotfix re-apply


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", required=True, help="a demo site (stella demo --no-gui)")
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    args = parser.parse_args()
    config = SiteConfig.resolve(home=args.home)
    process.start_detached(config)  # the demo's agent (kept if it runs)
    app = application()
    site = Site.open(config)
    window = main_window(site)
    window.resize(1366, 768)
    window.show()
    until = waiter("the screen did not load")
    save = saver(Path(args.out))
    model = window.promotions.model
    until(lambda: window.site_info is not None and model.row_of(SCHEDULED) is not None)
    until(lambda: window.ctx.agent.status is not None and window.ctx.agent.status.running)
    window.promotions.select(SCHEDULED)
    view = window.promotions.run_view
    until(lambda: view.snapshot is not None and view.snapshot.promotion_id == SCHEDULED)
    settle(800)
    save(window, "agent-running-scheduled.png")

    process.stop_detached(config)
    window.ctx.agent.check()
    until(lambda: window.ctx.agent.status is not None and not window.ctx.agent.status.running)
    settle(500)
    save(window, "agent-not-running.png")
    process.start_detached(config)  # leave the demo as it was
    window.ctx.shutdown()
    window.close()
    site.close()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
