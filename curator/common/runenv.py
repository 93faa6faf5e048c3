"""Environment settings a run shares with its workers, wherever they run.

A local process pool forks from the run and inherits its environment; a Dask worker was
started elsewhere, with its own.  The settings that change what a run decides
(:data:`SHARED`) therefore travel with each task to a cluster (:func:`snapshot` in the
run, :func:`applied` round the task on the worker) and are read through :func:`get`,
which prefers the task's copy.  The copy lives in a context variable, so two runs whose
tasks share a worker's threads never see each other's settings.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# Settings read by code that runs in workers and changes what a run decides.
SHARED: tuple[str, ...] = ("CURATOR_MAX_PIXELS",)

_TASK: ContextVar[dict[str, str | None] | None] = ContextVar("curator_run_environment", default=None)


def snapshot() -> tuple[tuple[str, str | None], ...]:
    """The :data:`SHARED` settings of this process (``None``: not set)."""
    return tuple((name, os.environ.get(name)) for name in SHARED)


def get(name: str) -> str | None:
    """The setting ``name``: the running task's copy when it carries one, else this process's."""
    task = _TASK.get()
    if task is not None and name in task:
        return task[name]
    return os.environ.get(name)


@contextmanager
def applied(values: Iterable[tuple[str, str | None]]) -> Iterator[None]:
    """Within the block, :func:`get` answers from ``values`` (a :func:`snapshot` of the run)."""
    token = _TASK.set(dict(values))
    try:
        yield
    finally:
        _TASK.reset(token)
