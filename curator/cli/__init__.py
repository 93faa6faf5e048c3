"""The ``curator`` command line: thin wrappers that parse options and call the library.

Each command lives in its own module under ``curator.cli`` and exposes ``register(app)``.
"""
from __future__ import annotations

import atexit
import contextlib
import errno
import gc
import importlib
import io
import logging
import os
import re
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from typing import NoReturn

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
    _say(f"error: {message}{hint}")
    return ExitCode.USAGE


INTERRUPTED = 130  # 128 + SIGINT, as shells report it
TERMINATED = 143  # 128 + SIGTERM


class _Terminated(KeyboardInterrupt):
    """SIGTERM (``timeout``, ``kill``, systemd or a container stopping) raised where the run
    is, so that it stops as on Ctrl-C: workers shut down, files under their final names
    complete, one line on standard error (hostile round 8: it died by the signal, status
    -15, with nothing said)."""


_TERM_STATE = {"terminated": False, "console": False}  # console: the process ends with the command (main)


@contextlib.contextmanager
def _sigterm_stops_the_run() -> Iterator[None]:
    """SIGTERM raises :class:`_Terminated` for the duration of the command; restored after,
    or (the console script, :func:`main`) Ctrl-C and SIGTERM ignored from then on, before
    :func:`run` returns: the status is decided (main ignored them only once ``run`` had
    returned, and a SIGTERM in between killed Python by the signal, a Ctrl-C gave a traceback)."""
    def stop(signum: int, frame: object) -> None:
        _TERM_STATE["terminated"] = True
        raise _Terminated()

    _TERM_STATE["terminated"] = False
    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: the default stays
        yield
        return
    try:
        yield
    finally:
        if _TERM_STATE["console"]:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        else:
            signal.signal(signal.SIGTERM, previous)


def _interrupted() -> int:
    if _TERM_STATE["terminated"]:
        _say("error: terminated (SIGTERM); what was written is incomplete (deid and publish resume it when run again "
             "with the same options)")
        return TERMINATED
    _say("error: interrupted; what was written is incomplete (deid and publish resume it when run again "
         "with the same options)")
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


# What writing to a standard stream raises when it cannot be written: closed (EBADF), a pipe
# whose reader has gone (EPIPE, `curator audit X | head -1`), a full device (ENOSPC), I/O.
_STREAM_ERRNOS = frozenset({errno.EPIPE, errno.EBADF, errno.ENOSPC, errno.EIO})
# OSErrors that only a path given on the command line causes (too long, a symbolic link loop),
# wherever they are met: a usage error, never an internal one (hostile round 7)
_PATH_ERRNOS = frozenset({errno.ENAMETOOLONG, errno.ELOOP})


class _ClosedStream(io.TextIOBase):
    """Standard output when the process started with it closed (Python gives ``None``,
    which click's echo takes as "write nothing"): writing raises, so that a report sent
    nowhere is an error (exit 2), never a silent success."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def _say(message: str) -> None:
    """``message`` on standard error, on one line with every control character escaped (a
    name given on the command line may hold a line break or a terminal escape sequence:
    :func:`curator.common.visible.visible`); nothing when standard error itself cannot be
    written (the exit status still tells)."""
    from curator.common.visible import visible

    with contextlib.suppress(OSError, ValueError):
        typer.echo(visible(message), err=True)


def _unwritable_output(exc: OSError) -> int:
    """``error: cannot write the output (…)``, exit 2; standard output is pointed at
    /dev/null so that Python's flush at exit does not fail again (and exit 120)."""
    _say(f"error: cannot write the output ({os.strerror(exc.errno or errno.EIO)})")
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.__stdout__.fileno())  # type: ignore[union-attr]
    return ExitCode.USAGE


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit status: the one place that decides it.

    0 ok; 1 checks failed or findings at or above ``--fail-on`` (commands say so with
    ``typer.Exit(ExitCode.CHECKS_FAILED)``); 2 usage or input error (``CuratorError`` and
    click's usage errors, printed as ``error: …``; an output that cannot be written, standard
    output included); 3 internal error, with a hint.
    """
    closed = sys.stdout is None
    if closed:
        sys.stdout = _ClosedStream()
    try:
        with _sigterm_stops_the_run():
            return _run(argv)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM (_Terminated) as the run was ending: never a traceback
        return _interrupted()
    finally:
        if closed:
            sys.stdout = None


def _empty_value(argv: list[str]) -> str | None:
    """``error: …`` for the first empty value on the command line (``--key ""``, ``--to=``,
    an empty SOURCE): a path, URL or value is never empty, and click would take ``""`` for
    the current folder (``curator mappings review ""`` scanned it) or for "not given" (``--to
    "$UNSET"`` stored nothing and exited 0)."""
    command = argv[0] if argv and argv[0] in COMMAND_MODULES else ""
    if command == "mappings" and len(argv) > 1 and argv[1] == "review":  # the one group and its command
        command += " review"
    hint = f" (see `curator {command} --help`)" if command else ""
    previous = ""
    for token in argv:
        if token == "--":
            break
        if token.startswith("--") and token.endswith("=") and len(token) > 3:
            return f"error: {token[:-1]}: empty value{hint}"
        if token == "":
            named = previous if previous.startswith("-") and previous != "-" and "=" not in previous else ""
            return f"error: {named}: empty value{hint}" if named else f"error: an argument is empty ('' is no path or value){hint}"
        previous = token
    return None


def _run(argv: list[str] | None) -> int:
    stdout = sys.stdout
    empty = _empty_value(sys.argv[1:] if argv is None else list(argv))
    if empty is not None:
        _say(empty)
        return ExitCode.USAGE
    try:
        with _pydicom_silenced():
            code = app(args=argv, prog_name="curator", standalone_mode=False)
    except CuratorError as exc:
        _say(f"error: {exc}")
        return int(exc.exit_code)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        if sys.stdout is not stdout:  # click met a broken pipe (EPIPE): it swapped stdout and exits 1
            sys.stdout = stdout
            return _unwritable_output(OSError(errno.EPIPE, os.strerror(errno.EPIPE)))
    except (typer.Abort, KeyboardInterrupt):
        return _interrupted()
    except _click_errors() as exc:
        return _usage_error(exc)
    except OSError as exc:
        if exc.errno in _STREAM_ERRNOS:  # the output cannot be written: a standard stream, most often
            return _unwritable_output(exc)
        if exc.errno in _PATH_ERRNOS:  # a path the user gave that the system cannot resolve
            _say(f"error: a path given cannot be used ({os.strerror(exc.errno)}): a path is at most 4,096 bytes, "
                 "a name 255, and symbolic links may not loop")
            return ExitCode.USAGE
        return _internal(exc)
    except Exception as exc:  # bugs
        return _internal(exc)
    if code == INTERRUPTED:  # typer turns Ctrl-C into a silent Exit(130), returned as its code
        return _interrupted()
    # With standalone_mode=False click returns the code of ``typer.Exit`` (or the command's None).
    return int(code) if isinstance(code, int) else ExitCode.OK


def _internal(exc: Exception) -> int:
    if os.environ.get("CURATOR_DEBUG"):
        raise exc
    # Never a traceback (it could quote header values): the kind of failure only.
    _say(f"error: internal error ({type(exc).__name__}); run again with CURATOR_DEBUG=1 to see where")
    return ExitCode.INTERNAL


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script.  The process ends with the command, without
    freeing what it loaded (:func:`_exit_unfreed`)."""
    _TERM_STATE["console"] = True
    code = int(run(argv))
    # The command has decided its status (its output complete, or ``error: interrupted``):
    # a Ctrl-C while the interpreter shuts down (worker pools joined, files closed) changes
    # nothing. Without this, Python died of the signal there (status -2, 130 to a shell)
    # after a complete run, with no word on standard error.
    # SIGTERM likewise: the default action killed Python with status -15 and no word after a
    # complete run (tests/test_hostile8.py, once in a fresh-clone CI of session 13). Both are
    # ignored already as ``run`` returns (``_sigterm_stops_the_run``); again here, for a signal
    # that landed while they were being set.
    with contextlib.suppress(ValueError, OSError):  # ValueError: not the main thread
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    gc.freeze()
    _exit_unfreed(code)


def _exit_unfreed(code: int) -> NoReturn:
    """End the process with status ``code`` as ``sys.exit`` does, but without the
    interpreter's finalization, which only frees what the command loaded: every module, the
    word lists (about 540,000 strings), the engine's tables (0.1-0.2 s of wall time after a
    de-identification of 1,000 CT slices on an idle 2-core machine, 0.3-0.6 s of CPU at load
    9-11; issue 18).  What finalization does that matters is done first: the exit handlers
    (:mod:`atexit`: logging, multiprocessing, temporary folders) run and the standard
    streams are flushed.  Taken only from the main thread when no other non-daemon thread
    is alive (finalization would wait for it) and the streams flush; else ``sys.exit``
    (whose flush error at exit is reported, and exits 120, as before)."""
    this = threading.current_thread()
    waited_for = [t for t in threading.enumerate() if t is not this and t.is_alive() and not t.daemon]
    if this is not threading.main_thread() or waited_for:
        sys.exit(code)
    try:
        _flush_standard_streams()
    except (OSError, ValueError):
        sys.exit(code)
    atexit._run_exitfuncs()
    try:
        _flush_standard_streams()
    except (OSError, ValueError):
        os._exit(120)  # as Python exits when its own flush at exit fails
    os._exit(code)


def _flush_standard_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
