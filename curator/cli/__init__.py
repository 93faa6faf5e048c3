"""The ``curator`` command line: thin wrappers that parse options and call the library.

Each command lives in its own module under ``curator.cli`` and exposes ``register(app)``.
"""
from __future__ import annotations

import importlib
import os
import sys

import typer

from curator import __version__
from curator.errors import CuratorError

app = typer.Typer(
    name="curator",
    help="Turn multi-site DICOM archives into de-identified, normalized, FAIR research releases.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command modules, in the order they appear in ``curator --help``.
COMMAND_MODULES = ("scan", "audit", "deid", "keygen", "mappings", "normalize", "publish", "validate")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"curator {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """curator: audit, de-identify, normalize and publish DICOM collections."""


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"curator.cli.{_name}")
    except ModuleNotFoundError as exc:  # a command not built yet
        if exc.name == f"curator.cli.{_name}":
            continue
        raise
    _module.register(app)


def main() -> None:
    """Entry point of the console script: user errors become a message and exit status 2."""
    try:
        app(standalone_mode=False)
    except CuratorError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        sys.exit(code or 0)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except Exception as exc:  # click usage errors, and bugs
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if os.environ.get("CURATOR_DEBUG"):
            raise
        # Never a traceback (it could quote header values): the kind of failure only.
        typer.echo(f"error: internal error ({type(exc).__name__}); run again with CURATOR_DEBUG=1 to see where", err=True)
        sys.exit(3)
