"""docs/cli.md documents every command and option, and every option has help text."""
from __future__ import annotations

import typer

from curator.cli import app
from scripts.cli_docs import _commands, render, DOC


def test_cli_reference_is_current():
    assert DOC.read_text(encoding="utf-8") == render(), "run: python scripts/cli_docs.py"


def test_every_option_has_help():
    root = typer.main.get_command(app)
    missing = [f"{name} {p.opts[0]}" for name, command in _commands(root, "curator")
               for p in command.params if p.param_type_name == "option" and p.name != "help" and not p.help]
    assert not missing, missing
