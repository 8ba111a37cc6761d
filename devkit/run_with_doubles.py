"""``python -m devkit.run_with_doubles ARGS…``: the real ``stella`` CLI and
executor, with step doubles in place of the steps later features implement."""

from __future__ import annotations

import os
import sys

from app.cli.main import main
from devkit.doubles import doubles_registry

if __name__ == "__main__":
    delay = float(os.environ.get("STELLA_TEST_STEP_DELAY", "0"))
    sys.exit(main(sys.argv[1:], registry=doubles_registry(delay=delay)))
