"""The CLI starts without the heavy parts: the grammar names handlers by module path and
imports them on dispatch, so `stella --version` costs an interpreter and argparse."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from app.cli.main import Handler, build_parser

HEAVY = ("PySide6", "alembic", "engine.policy.cel", "celpy", "sqlalchemy", "cryptography")


def _loaded_after(code: str) -> list[str]:
    probe = (f"import sys, json\n{code}\n"
             f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=60)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_cli_imports_no_heavy_module():
    assert _loaded_after("import app.cli.main") == []


def test_building_the_grammar_and_version_import_no_heavy_module():
    code = ("from app.cli.main import build_parser, main\n"
            "build_parser()\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass")
    assert _loaded_after(code) == []


def test_the_probe_sees_a_heavy_import():  # the check above can fail
    assert "alembic" in _loaded_after("import alembic")


def _handlers(parser: argparse.ArgumentParser) -> list[Handler]:
    found = [parser.get_default("handler")] if parser.get_default("handler") else []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += _handlers(child)
    return found


def test_every_named_handler_resolves_to_a_function():
    handlers = [h for h in _handlers(build_parser()) if isinstance(h, Handler)]
    assert len(handlers) > 40
    for handler in handlers:
        assert callable(handler.resolve()), handler


def test_the_policy_package_loads_the_cel_engine_only_to_compile_a_policy():
    loaded = _loaded_after("import engine.policy, app.services.gate")
    assert "celpy" not in loaded and "engine.policy.cel" not in loaded
    assert "celpy" in _loaded_after(
        "from engine.policy.model import _compile, Rule\n"
        "_compile(Rule(id='r', action='warn', message='m', condition='true', description=None,"
        " each_finding=None))")


def test_listing_promotions_loads_no_cryptography(site):
    """`stella promotions` reads the run summaries: the roster, signing and the
    cryptography library load only for commands that write or verify."""
    code = ("from app.cli.main import main\n"
            f"main(['--home', {str(site.paths.home)!r}, 'promotions'])")
    loaded = _loaded_after(code)
    assert "cryptography" not in loaded  # (nor SQLAlchemy: tests/app/test_promotion_listing.py)
