"""Errors that reach the user as a clear message (never a traceback)."""


class CuratorError(Exception):
    """A problem the user can act on; the CLI prints its message and exits with status 2.

    Messages never quote header values or absolute paths that may hold identifiers.
    """

    exit_code = 2
