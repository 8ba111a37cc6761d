"""Run an export in this process and SIGKILL it at a chosen point (a test double for a
crash, a power cut or a pulled plug):

    python -m tests.support.export_then_die HOME PROMOTION OUT after-rename|while-writing
"""

from __future__ import annotations

import os
import signal
import sys

from airgap_bundles.export import sink as sink_module
from airgap_bundles.export import writer
from app.context import Site
from app.site import SiteConfig
from tests.support import exporting
from tests.support.factories import who


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    home, promotion, out, where = sys.argv[1:5]
    site = Site.open(SiteConfig.resolve(home=home))
    if where == "after-rename":
        real_commit = writer.PreparedExport.commit

        def commit_then_die(self):
            real_commit(self)
            _die()

        writer.PreparedExport.commit = commit_then_die
    elif where == "while-writing":
        def finish_never(self):
            _die()

        sink_module.ArchiveSink.finish = finish_never
    else:
        raise SystemExit(f"unknown point {where}")
    exporting.export(site, promotion, "auditor", out, who(site, "audrey"))
    raise SystemExit("the export finished: the kill point was never reached")


if __name__ == "__main__":
    main()
