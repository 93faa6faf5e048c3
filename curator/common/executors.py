"""Where parallel work runs: this process, a local process pool, or a Dask cluster.

``make_executor(workers, scheduler, initializer, initargs)`` returns an :class:`Executor`:

* no scheduler and ``workers == 1``: :class:`SerialExecutor`, work runs in this process
  (the initializer runs once, here);
* no scheduler: :class:`LocalExecutor`, a ``concurrent.futures.ProcessPoolExecutor`` of
  ``workers`` processes (default: all cores) — the default, exactly as before;
* a scheduler address (``tcp://host:port``, from the argument or ``$CURATOR_SCHEDULER``):
  :class:`DaskExecutor`, a ``distributed.Client`` connected to that scheduler.  Dask has no
  per-worker initializer, so every task is wrapped: the initializer runs once per worker
  process (a module-level guard keyed by the executor's token), before its first task.

Every ``submit(fn, *args)`` returns a :class:`concurrent.futures.Future`, whatever the
backend, so callers can use ``future.result()``, ``concurrent.futures.wait`` and
``as_completed`` alike.  ``fn`` and the arguments must be picklable (module-level
functions); on a cluster, ``fn``'s module must be importable on the workers (curator
installed there) and any path in the arguments must name the same file on the workers
(a shared folder).

A task whose worker process died is reported by ``future.result()`` raising one of
``executor.crash_errors``; ``executor.recover()`` then says whether the other tasks in
flight were lost with it (the local pool breaks as a whole and is replaced: resubmit
them) or not (Dask re-runs or fails only that task).  :func:`tolerant_map` does all of
this for a stream of chunks of tasks (scan and deid use it): the file that kills a
worker gets a "crashed" result, the others are processed.

Local worker processes exit when the process that started them dies (a watchdog thread
in each worker polls its parent), so a killed run leaves no worker behind.
"""
from __future__ import annotations

import contextlib
import math
import os
import pickle
import signal
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Self

from curator.common import runenv
from curator.common.imports import gc_frozen
from curator.errors import CuratorError

SCHEDULER_ENV = "CURATOR_SCHEDULER"
TIMEOUT_ENV = "CURATOR_SCHEDULER_TIMEOUT"
DEFAULT_TIMEOUT = 10.0  # seconds to reach the scheduler and see a worker


def scheduler_address(scheduler: str | None = None) -> str | None:
    """The Dask scheduler to use: ``scheduler``, else ``$CURATOR_SCHEDULER``, else ``None`` (local)."""
    address = scheduler if scheduler else os.environ.get(SCHEDULER_ENV, "")
    address = address.strip()
    return address or None


class Executor:
    """Runs picklable functions somewhere; see the module documentation."""

    kind = "abstract"
    workers = 1  # tasks that run at once (size in-flight windows by it)
    crash_errors: tuple[type[BaseException], ...] = ()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        raise NotImplementedError

    def recover(self) -> bool:
        """After a crash error: ``True`` when every other task in flight was lost too (resubmit them)."""
        return False

    def shutdown(self) -> None:
        """Stop the workers (or disconnect from the cluster); tasks not started are cancelled."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


class SerialExecutor(Executor):
    """Runs each task at once, in this process (``workers == 1``)."""

    kind = "serial"

    def __init__(self, initializer: Callable[..., Any] | None = None, initargs: tuple = ()):
        if initializer is not None:
            initializer(*initargs)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - delivered by result(), as a pool does
            future.set_exception(exc)
        return future


class LocalExecutor(Executor):
    """A local ``ProcessPoolExecutor``; a worker that dies breaks the pool, which is then replaced."""

    kind = "local"
    crash_errors = (BrokenProcessPool,)

    def __init__(self, workers: int, initializer: Callable[..., Any] | None = None, initargs: tuple = ()):
        self.workers = workers
        self._initializer = initializer
        self._initargs = initargs
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        initargs = (os.getpid(), self._initializer, self._initargs)
        self._forked = False
        return ProcessPoolExecutor(max_workers=self.workers, initializer=_start_worker, initargs=initargs)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        if self._forked:
            return self._pool.submit(fn, *args)
        with gc_frozen(), _interrupt_held():  # the pool forks its processes at its first task: they inherit
            future = self._pool.submit(fn, *args)  # this one's objects frozen
        self._forked = True
        return future

    def recover(self) -> bool:
        self._pool.shutdown(cancel_futures=True)
        self._pool = self._new_pool()
        return True

    def shutdown(self) -> None:
        self._pool.shutdown(cancel_futures=True)

    def __exit__(self, *exc: object) -> None:
        exc_type = exc[0] if exc else None
        if isinstance(exc_type, type) and issubclass(exc_type, BaseException) and not issubclass(exc_type, Exception):
            self.abort()  # Ctrl-C, SIGTERM (or an exit): the run stops, its work in flight is thrown away
        else:
            self.shutdown()

    def abort(self) -> None:
        """Stop the workers at once (SIGTERM, which ends a worker by default: ``_start_worker``).
        A graceful shutdown after Ctrl-C joined workers that could be blocked sending a result
        the pool no longer read: ``deid`` hung until killed (tests/test_hostile6.py's Ctrl-C
        test, twice in session 13's fresh-clone CI runs, a worker stuck in
        ``concurrent.futures.process._sendback_result``). Their outputs are written whole or
        not at all (``.part`` files renamed), so nothing half-written takes a final name."""
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        for process in processes:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                process.terminate()
        _unblock_pipes(self._pool)
        # then joined: the pool's manager thread sees them gone and ends (not joining it left
        # concurrent.futures' exit hook writing to its closed wake-up pipe: a traceback at exit)
        self._pool.shutdown(wait=True, cancel_futures=True)


def _unblock_pipes(pool: ProcessPoolExecutor) -> None:
    """Close this process's own writing end of the pool's result pipe (only the workers write
    to it), once the workers are stopped.

    A worker stopped while it sent a result larger than the pipe holds (one of the scan's
    chunks of rows) left part of it in the pipe: the pool's manager thread waited for the rest,
    and ``shutdown`` joined it, forever, since this process held a writing end too (abort of a
    pool of 2 whose tasks return 200 kB: hung 4 times in 4 series of up to 60 runs, at the
    first or seventh run).  With that end closed, the end of the pipe comes once the workers
    are gone: the manager thread marks the pool broken and ends.  (CPython's private
    attributes: where they are missing, nothing is closed.)"""
    with contextlib.suppress(AttributeError, OSError):
        pool._result_queue._writer.close()  # type: ignore[attr-defined]  # multiprocessing SimpleQueue: typeshed omits _writer


ORPHAN_POLL = 0.5  # seconds between two checks, in a local worker, that its parent is alive


@contextlib.contextmanager
def _interrupt_held() -> Iterator[None]:
    """Ctrl-C (SIGINT) held back while the block forks processes, then delivered: one that
    arrived in the middle of a fork was raised inside the fork's own callbacks (logging's
    lock release), where Python ignores exceptions, so the run went on to exit 0 after
    printing a traceback (seen in tests/test_hostile4.py's Ctrl-C test, 3 runs in 5, once the
    writing pass forked its workers just after creating its journal)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


# held back while forking: Ctrl-C, and SIGTERM, which the command line turns into the same stop
_HELD = frozenset({signal.SIGINT, signal.SIGTERM})


def _start_worker(parent: int, initializer: Callable[..., Any] | None, initargs: tuple) -> None:
    """First thing a local worker process runs: Ctrl-C ignored and SIGTERM let through again
    (it was forked with both held back, :func:`_interrupt_held`), the orphan watchdog, then
    the initializer.

    SIGTERM ends a worker at once, as by default (the command line's handler, inherited, is
    for the run's own process): :meth:`LocalExecutor.abort` stops the workers with it.  Ctrl-C
    reaches every process of the terminal's group, the workers too; the run's process stops
    them (``abort``) when it stops.  A worker that took it itself while waiting for a task
    died with a ``KeyboardInterrupt`` traceback on standard error after the run's one line
    ``error: interrupted`` (tests/test_hostile6.py)."""
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
    watchdog = threading.Thread(target=_exit_when_orphaned, args=(parent,), name="curator-orphan-watchdog", daemon=True)
    watchdog.start()
    if initializer is not None:
        initializer(*initargs)


def _exit_when_orphaned(parent: int) -> None:
    """Exit this worker as soon as ``parent`` is gone (killed with SIGKILL, say): its work
    would be thrown away, and an orphan keeps the machine busy for minutes.

    (Polling the parent's pid rather than ``prctl(PR_SET_PDEATHSIG)``: that signal fires
    when the *thread* that forked the worker ends, which need not be the end of the run.)"""
    while os.getppid() == parent:
        time.sleep(ORPHAN_POLL)
    os._exit(70)


# --- crash-tolerant map ------------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    """A chunk of :func:`tolerant_map` whose results are already known (nothing to run)."""

    tasks: list
    results: list


def tolerant_map(
    executor: Executor,
    fn: Callable[[list], list],
    chunks: Iterable[list | Ready],
    crashed: Callable[[Any], Any],
    window: int | Callable[[], int],
    attempts: int = 2,
    ordered: bool = True,
) -> Iterator[tuple[list, list]]:
    """``(tasks, fn(tasks))`` for each chunk of tasks, with at most ``window`` chunks in
    flight on ``executor`` (a callable: asked again before each chunk is sent): in the order of ``chunks``, or (``ordered=False``) as they
    complete, which keeps every worker busy when chunks take uneven times.

    ``fn`` (a picklable module-level function) maps a list of tasks to the list of their
    results.  When a worker process dies during a chunk, each task of that chunk is run
    again on its own; a task that kills its worker ``attempts`` times gets ``crashed(task)``
    as its result, and the other tasks (of the chunk, and of the chunks lost with a broken
    local pool) are run again, so one bad file never stops the run.  A :class:`Ready`
    chunk passes through in its place.
    """
    pending: deque[tuple[list, Future | list]] = deque()

    def run_alone(task: Any) -> Any:
        for _ in range(attempts):
            try:
                return executor.submit(fn, [task]).result()[0]
            except executor.crash_errors:
                executor.recover()
        return crashed(task)

    def resubmit_lost() -> None:
        """After the local pool broke: the chunks in flight were lost with it."""
        for at, (tasks, outcome) in enumerate(pending):
            if isinstance(outcome, Future) and (not outcome.done() or outcome.cancelled() or outcome.exception() is not None):
                pending[at] = (tasks, executor.submit(fn, tasks))

    def next_done() -> int:
        """Where in ``pending`` the next chunk to deliver is (waiting for one when unordered)."""
        if ordered:
            return 0
        while True:
            for at, (_, outcome) in enumerate(pending):
                if not isinstance(outcome, Future) or outcome.done():
                    return at
            wait([outcome for _, outcome in pending if isinstance(outcome, Future)], return_when=FIRST_COMPLETED)

    def drain(until: int) -> Iterator[tuple[list, list]]:
        while len(pending) > until:
            at = next_done()
            tasks, outcome = pending[at]
            del pending[at]
            if isinstance(outcome, Future):
                try:
                    results = outcome.result()
                except executor.crash_errors:
                    # Find the culprit among the chunk's tasks, each run on its own. A local
                    # pool broke as a whole and is replaced: nothing else runs in the new one
                    # until the culprit is found, so a crash then is that task's.
                    lost = executor.recover()
                    results = [run_alone(task) for task in tasks]
                    if lost:
                        resubmit_lost()
            else:
                results = outcome
            yield tasks, results

    for chunk in chunks:
        if isinstance(chunk, Ready):
            pending.append((chunk.tasks, chunk.results))
        elif chunk:
            pending.append((chunk, executor.submit(fn, chunk)))
        yield from drain(max(window() if callable(window) else window, 1))
    yield from drain(0)


# --- Dask ------------------------------------------------------------------------------

_INIT_LOCK = threading.Lock()
_INIT_TOKEN: str | None = None  # the executor whose initializer last ran in this worker process


def _run_on_worker(token: str, init_payload: bytes | None, environment: tuple, fn: Callable[..., Any], *args: Any) -> Any:
    """Runs on a Dask worker: the executor's initializer once per process, then ``fn(*args)``,
    both with the run's shared settings (``environment``, :func:`curator.common.runenv.snapshot`)."""
    global _INIT_TOKEN
    with runenv.applied(environment):
        if init_payload is not None and _INIT_TOKEN != token:
            with _INIT_LOCK:
                if _INIT_TOKEN != token:
                    initializer, initargs = pickle.loads(init_payload)
                    initializer(*initargs)
                    _INIT_TOKEN = token
        return fn(*args)


class DaskExecutor(Executor):
    """Tasks run on a Dask distributed cluster reached at ``address``."""

    kind = "dask"

    def __init__(self, address: str, initializer: Callable[..., Any] | None = None, initargs: tuple = (), timeout: float | None = None):
        try:
            from distributed import Client, KilledWorker
        except ImportError:
            raise CuratorError("--scheduler needs Dask: pip install 'curator[cluster]'") from None
        self.address = address
        timeout = _timeout(timeout)
        self.crash_errors = (KilledWorker,)
        _probe(address, timeout)
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except Exception:  # noqa: BLE001 - OSError, TimeoutError, ValueError (bad address) ...
            raise CuratorError(f"cannot reach the Dask scheduler at {address} within {timeout:g} s") from None
        try:
            try:
                self.client.wait_for_workers(1, timeout=timeout)
            except Exception:  # noqa: BLE001
                raise CuratorError(f"the Dask cluster at {address} has no worker (waited {timeout:g} s)") from None
            self.workers = max(sum(self.client.nthreads().values()), 1)
            self._token = uuid.uuid4().hex
            self._environment = runenv.snapshot()  # the workers' own environment is not the run's
            self._payload: bytes | None = None
            if initializer is not None:
                self._payload = pickle.dumps((initializer, tuple(initargs)), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            self.client.close()
            raise
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        future.set_running_or_notify_cancel()
        remote = self.client.submit(_run_on_worker, self._token, self._payload, self._environment, fn, *args,
                                    pure=False)
        future._curator_remote = remote  # type: ignore[attr-defined]  # keeps the task alive on the cluster
        remote.add_done_callback(lambda done: self._deliver(future, done))
        return future

    def _deliver(self, future: Future, remote: Any) -> None:
        try:
            result = remote.result()
        except BaseException as exc:  # noqa: BLE001
            error: BaseException = exc
            if self._closed:
                error = CuratorError("the run was stopped")
            elif self.client.status not in ("running", "connecting"):
                error = CuratorError(f"lost the connection to the Dask scheduler at {self.address}")
            future.set_exception(error)
        else:
            future.set_result(result)
        future._curator_remote = None  # type: ignore[attr-defined]  # let the cluster forget it

    def shutdown(self) -> None:
        if not self._closed:
            self._closed = True
            self.client.close()


def _probe(address: str, timeout: float) -> None:
    """Fail fast with a clear error when a TCP scheduler address is malformed or refuses connections.

    (A failed ``distributed.Client`` constructor leaves an object that prints a traceback
    when collected; checking first avoids it.)
    """
    from distributed.comm.addressing import parse_address, parse_host_port

    unreachable = CuratorError(f"cannot reach the Dask scheduler at {address} within {timeout:g} s")
    try:
        scheme, location = parse_address(address)
        if scheme not in ("tcp", "tls"):
            return  # other transports: let distributed try
        host, port = parse_host_port(location)
    except (ValueError, TypeError):
        raise CuratorError(f"not a Dask scheduler address (--scheduler or ${SCHEDULER_ENV}): {address} (give tcp://HOST:PORT)") from None
    if not host or not port:
        raise CuratorError(f"not a Dask scheduler address (--scheduler or ${SCHEDULER_ENV}): {address} (give tcp://HOST:PORT)")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout) as sock:
            # A Dask scheduler speaks first (its handshake, before reading the client's): a
            # server that accepts and says nothing would hold distributed's Client for ever.
            if scheme == "tcp" and not sock.recv(1):
                raise unreachable
    except (OSError, ValueError):  # refused, no answer within the timeout (socket.timeout)
        raise unreachable from None


def _timeout(timeout: float | None) -> float:
    if timeout is not None:
        return float(timeout)
    text = os.environ.get(TIMEOUT_ENV)
    if text:
        try:
            value = float(text)
        except ValueError:
            raise CuratorError(f"${TIMEOUT_ENV} must be a number of seconds") from None
        if value > 0 and math.isfinite(value):
            return value
        raise CuratorError(f"${TIMEOUT_ENV} must be a positive number of seconds")
    return DEFAULT_TIMEOUT


# Local worker processes beyond this many per core only add memory and scheduling cost; the
# floor keeps small machines usable for I/O-bound sources.
LOCAL_WORKERS_PER_CORE = 4
MIN_WORKER_LIMIT = 32


def max_local_workers() -> int:
    """The most local worker processes ``--workers`` may ask for on this machine."""
    return max((os.cpu_count() or 1) * LOCAL_WORKERS_PER_CORE, MIN_WORKER_LIMIT)


def check_workers(workers: int | None, scheduler: str | None = None) -> None:
    """Refuse a worker count below 1, or (local processes) above :func:`max_local_workers`:
    found by the red team, ``--workers 100000`` forked until the machine stalled."""
    if workers is None:
        return
    if workers < 1:
        raise CuratorError("--workers must be at least 1")
    if scheduler_address(scheduler) is None and workers > max_local_workers():
        raise CuratorError(f"--workers {workers}: at most {max_local_workers()} worker processes on this machine "
                           f"({LOCAL_WORKERS_PER_CORE} per core, at least {MIN_WORKER_LIMIT})")


def make_executor(
    workers: int | None = None,
    scheduler: str | None = None,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple = (),
    timeout: float | None = None,
) -> Executor:
    """The executor for ``workers`` local processes, or for the Dask cluster at ``scheduler``.

    ``scheduler`` defaults to ``$CURATOR_SCHEDULER``; with one, ``workers`` is ignored (the
    cluster's worker threads count) and ``timeout`` (default ``$CURATOR_SCHEDULER_TIMEOUT``
    or 10 s) bounds connecting.  Raises :class:`CuratorError` when the scheduler cannot be
    reached or has no worker.
    """
    check_workers(workers, scheduler)
    address = scheduler_address(scheduler)
    if address is not None:
        return DaskExecutor(address, initializer, initargs, timeout)
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        return SerialExecutor(initializer, initargs)
    return LocalExecutor(workers, initializer, initargs)
