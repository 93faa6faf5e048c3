"""A curator command that stops itself (SIGSTOP) at a chosen point of its run, for the tests
that interrupt a run (kill -9, Ctrl-C, SIGTERM, a second run while the first holds its lock).

Those tests polled the run's output (journal lines, files, a lock) and signalled it once
enough was there: on a fast machine the run could end between two polls, and on a loaded
one the test could be descheduled between its look and its signal while the run finished
(fresh-clone CI: 'the run ended before 20 instances were written', an exit 0 where 130 or 143
was expected).  Here the command itself stops, in its own process, right after the ``count``th
return of a function of curator (``curator.common.journal:Journal.record`` after the Nth
output journaled, ``curator.deid.run:_scan_one`` in the header pass...): the test then finds
it stopped mid-run, whatever the machine's speed, signals it, and lets it go on (SIGCONT)
when the signal is one it must handle.  Only the command's own process stops, never a worker
forked from it (a local pool's workers go on with the tasks they hold, as they would).

A helper module beside the tests (not a test file): ``import stopping``.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 300.0  # seconds: only a guard against a hang (a loaded 2-core CI machine is slow to get there)
POLL = 0.01

# sys.argv: [-c, "module:attribute.path", count, command arguments...]
LAUNCHER = """
import importlib, os, signal, sys
spec, limit = sys.argv.pop(1), int(sys.argv.pop(1))
module, _, attribute = spec.partition(":")
*path, name = attribute.split(".")
owner = importlib.import_module(module)
for part in path:
    owner = getattr(owner, part)
original, calls, parent = getattr(owner, name), [0], os.getpid()
def stopping(*args, **kwargs):
    result = original(*args, **kwargs)
    if os.getpid() == parent:
        calls[0] += 1
        if calls[0] == limit:
            os.kill(parent, signal.SIGSTOP)
    return result
setattr(owner, name, stopping)
sys.argv[0] = "curator"
from curator.cli import main
main(sys.argv[1:])
"""

JOURNALED = "curator.common.journal:Journal.record"  # an output written and journaled (deid, publish)
HEADER_READ = "curator.deid.run:_scan_one"  # an item read by deid's header pass (runs here with --workers 1)
INDEXED = "curator.index.scan:_read_one"  # an item read by the scan (runs here with --workers 1)


def stopped(pid: int) -> bool:
    """Whether process ``pid`` is stopped (SIGSTOP)."""
    try:
        return "\nState:\tT" in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def start(hook: str, count: int, args: list, **popen: object) -> subprocess.Popen:
    """Start ``curator ARGS`` so that it stops itself after the ``count``th return of ``hook``
    (``module:attribute``); return once it is stopped. Fails (with its standard error) when
    the command ends first: then the hook was never reached ``count`` times."""
    popen.setdefault("stdout", subprocess.DEVNULL)
    popen.setdefault("stderr", subprocess.PIPE)
    env = popen.pop("env", None) or os.environ
    child = subprocess.Popen([sys.executable, "-c", LAUNCHER, hook, str(count), *map(str, args)],
                             env={**env, "PYTHONPATH": str(ROOT)}, **popen)  # type: ignore[call-overload]
    deadline = time.monotonic() + DEADLINE
    while not stopped(child.pid) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(POLL)
    if not stopped(child.pid):
        child.kill()
        _, err = child.communicate(timeout=DEADLINE)
        text = err.decode("utf-8", "replace") if isinstance(err, bytes) else err or ""
        raise AssertionError(f"the run did not stop after {count} x {hook} (status {child.returncode}): {text[-2000:]}")
    return child


def resume(child: subprocess.Popen) -> None:
    """Let the stopped command go on (the signal sent meanwhile is delivered as it resumes)."""
    os.kill(child.pid, signal.SIGCONT)
