"""Errors that reach the user as a clear message (never a traceback), and the exit codes.

The exit status of every command is decided in one place, ``curator.cli.run``, from the
codes below (documented in docs/cli.md):

* 0 ``OK``: the command did what was asked;
* 1 ``CHECKS_FAILED``: it ran, and a check failed (``validate``) or a finding at or above
  ``--fail-on`` exists (``audit``), or some instances could not be stored (``--to``);
* 2 ``USAGE``: bad options or input (``error: …``);
* 3 ``INTERNAL``: a bug (``error: internal error (…)`` with a hint to see where).
"""
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    CHECKS_FAILED = 1
    USAGE = 2
    INTERNAL = 3


class CuratorError(Exception):
    """A problem the user can act on; the CLI prints its message and exits with status 2.

    Messages never quote header values or absolute paths that may hold identifiers.
    """

    exit_code = ExitCode.USAGE



class InternalError(CuratorError):
    """A check of curator's own bookkeeping failed (a bug, not the input): the CLI prints
    ``error: internal error: …`` and exits with status 3.  Raised instead of ``assert``,
    which ``python -O`` would skip; the message quotes no header value."""

    exit_code = ExitCode.INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(f"internal error: {message} (a bug in curator; please report it)")
