"""The ``curator`` command line: thin wrappers that parse options and call the library.

Each command lives in its own module under ``curator.cli`` and exposes ``register(app)``.
"""
from __future__ import annotations

import contextlib
import importlib
import logging
import os
import re
import sys
import warnings
from collections.abc import Iterator

import typer

from curator import __version__
from curator.errors import CuratorError, ExitCode

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


def _click_errors() -> tuple[type[BaseException], ...]:
    """click's usage errors, and typer's copy of them (typer >= 0.20 vendors click)."""
    import click

    kinds: set[type[BaseException]] = {click.ClickException}
    kinds.update(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
    return tuple(kinds)


def _usage_error(exc: BaseException) -> int:
    """``error: …`` for a usage error of click (missing option, value out of range, not a file)."""
    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError":  # bare `curator` or `curator mappings`: typer showed the help
        return ExitCode.USAGE
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    # click quotes paths as given; keep their last part only (a folder may name a patient)
    message = re.sub(r"'([^']*/[^']*)'", lambda m: "'" + (m.group(1).rstrip("/").rsplit("/", 1)[-1] or "/") + "'", message)
    hint = f" (see `{ctx.command_path} --help`)" if ctx is not None and getattr(ctx, "command_path", None) else ""
    typer.echo(f"error: {message}{hint}", err=True)
    return ExitCode.USAGE


INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def _interrupted() -> int:
    typer.echo("error: interrupted; what was written is incomplete (deid and publish resume it when run again "
               "with the same options)", err=True)
    return INTERRUPTED


@contextlib.contextmanager
def _pydicom_silenced() -> Iterator[None]:
    """pydicom's warnings and log lines quote header values (a Specific Character Set that
    holds a name, a value that is no date): none reaches the console, whatever the command
    (CURATOR_DEBUG=1 shows them)."""
    if os.environ.get("CURATOR_DEBUG"):
        yield
        return
    logger = logging.getLogger("pydicom")
    level = logger.level
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"pydicom(\.|$)")
        logger.setLevel(logging.CRITICAL)
        try:
            yield
        finally:
            logger.setLevel(level)


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit status: the one place that decides it.

    0 ok; 1 checks failed or findings at or above ``--fail-on`` (commands say so with
    ``typer.Exit(ExitCode.CHECKS_FAILED)``); 2 usage or input error (``CuratorError`` and
    click's usage errors, printed as ``error: …``); 3 internal error, with a hint.
    """
    try:
        with _pydicom_silenced():
            code = app(args=argv, prog_name="curator", standalone_mode=False)
    except CuratorError as exc:
        typer.echo(f"error: {exc}", err=True)
        return int(exc.exit_code)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
    except (typer.Abort, KeyboardInterrupt):
        return _interrupted()
    except _click_errors() as exc:
        return _usage_error(exc)
    except Exception as exc:  # bugs
        if os.environ.get("CURATOR_DEBUG"):
            raise
        # Never a traceback (it could quote header values): the kind of failure only.
        typer.echo(f"error: internal error ({type(exc).__name__}); run again with CURATOR_DEBUG=1 to see where", err=True)
        return ExitCode.INTERNAL
    if code == INTERRUPTED:  # typer turns Ctrl-C into a silent Exit(130), returned as its code
        return _interrupted()
    # With standalone_mode=False click returns the code of ``typer.Exit`` (or the command's None).
    return int(code) if isinstance(code, int) else ExitCode.OK


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    sys.exit(int(run(argv)))
