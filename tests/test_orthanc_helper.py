"""The test helper tests/orthanc.py leaves no server behind, even when the test process
that started it is killed outright (SIGKILL, a CI timeout): the server runs in its own
session, out of reach of the run's process group, so without the kernel's parent-death
signal it ran on after every killed run."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from orthanc import require_orthanc

HERE = Path(__file__).parent

_STARTER = """
import sys, time
sys.path.insert(0, {tests!r})
from pathlib import Path
from orthanc import Orthanc
server = Orthanc(Path({workdir!r})).start()
print("started", flush=True)
time.sleep(600)
"""


def _processes_using(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in command and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


def test_a_killed_test_process_leaves_no_orthanc_running(tmp_path: Path) -> None:
    require_orthanc()
    workdir = tmp_path / "server"
    workdir.mkdir()
    starter = subprocess.Popen([sys.executable, "-c", _STARTER.format(tests=str(HERE), workdir=str(workdir))],
                               stdout=subprocess.PIPE, text=True)
    assert starter.stdout is not None
    assert starter.stdout.readline().strip() == "started"
    config = str(workdir / "orthanc.json")
    assert _processes_using(config), "the server was not found running"
    starter.send_signal(signal.SIGKILL)
    starter.wait()
    deadline = time.monotonic() + 60  # waiting for an event, not measuring speed
    while _processes_using(config) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _processes_using(config)
    for pid in left:  # do not leave them to the next test either
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes still running after the test process was killed: {left}"
