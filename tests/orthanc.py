"""Start and stop a real Orthanc with its DICOMweb plugin for integration tests.

Uses Debian's ``orthanc`` and ``orthanc-dicomweb`` packages (``.ci/run`` installs them):
the ``Orthanc`` binary and the plugin ``libOrthancDicomWeb.so`` (found from the package's
file list, ``/usr/share/orthanc/plugins/libOrthancDicomWeb.so`` on Debian 12).  Tests that
need it skip with a clear reason when either is missing.

Orthanc 1.10 has no option to choose its listening address (it listens on every
interface).  So that nothing but this machine's loopback can ever reach it, Orthanc runs
in a private network namespace (``unshare -n``, whose only interface is its own loopback)
and is reached through a Unix socket, relayed to a TCP port bound to ``127.0.0.1`` in the
test process.  Where namespaces are not allowed, Orthanc runs directly with
``RemoteAccessAllowed: false`` and HTTP authentication (a random password), so a remote
client is refused.  Each server has its own temporary storage folder and configuration,
and is killed (its own process group) on stop, or when the test process dies.
"""
from __future__ import annotations

import base64
import ctypes
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

_PLUGIN_GLOBS = ("/usr/share/orthanc/plugins/libOrthancDicomWeb.so", "/usr/lib/orthanc/libOrthancDicomWeb.so*")


def orthanc_binary() -> str | None:
    return shutil.which("Orthanc") or next((p for p in ("/usr/sbin/Orthanc", "/usr/bin/Orthanc") if os.access(p, os.X_OK)), None)


def dicomweb_plugin() -> str | None:
    """The DICOMweb plugin's path, from the Debian package's file list when dpkg knows it."""
    try:
        listing = subprocess.run(["dpkg", "-L", "orthanc-dicomweb"], capture_output=True, text=True, timeout=20, check=False).stdout.split()
    except (OSError, subprocess.SubprocessError):
        listing = []
    candidates = [p for p in listing if os.path.basename(p).startswith("libOrthancDicomWeb.so")]
    candidates += [p for pattern in _PLUGIN_GLOBS for p in sorted(glob.glob(pattern))]
    candidates.sort(key=lambda p: (not p.endswith(".so"), p))  # the unversioned link first
    return next((p for p in candidates if os.path.isfile(p)), None)


def require_orthanc() -> tuple[str, str]:
    binary, plugin = orthanc_binary(), dicomweb_plugin()
    if binary is None:
        pytest.skip("Orthanc is not installed (Debian package 'orthanc'; .ci/run installs it)")
    if plugin is None:
        pytest.skip("the Orthanc DICOMweb plugin is not installed (Debian package 'orthanc-dicomweb')")
    return binary, plugin


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _namespaces_work() -> bool:
    try:
        return subprocess.run(["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _pump(a: socket.socket, b: socket.socket) -> None:
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _relay(listener: socket.socket, connect) -> None:
    """Accept on ``listener`` forever; join each connection to a new ``connect()`` socket."""
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        try:
            upstream = connect()
        except OSError:
            client.close()
            continue
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pump, args=(a, b), daemon=True).start()


class Orthanc:
    """One Orthanc server: ``url`` is its DICOMweb root, ``rest`` its REST API root."""

    def __init__(self, workdir: Path, username: str | None = None, password: str | None = None):
        self.binary, self.plugin = require_orthanc()
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.username = username or "curator"
        self.password = password or secrets.token_hex(12)
        self.port = free_port()
        self.isolated = _namespaces_work()
        self.process: subprocess.Popen | None = None
        self._listener: socket.socket | None = None

    @property
    def rest(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.rest}/dicom-web"

    def _config(self, http_port: int) -> Path:
        config = {
            "Name": "curator-test",
            "StorageDirectory": str(self.workdir / "storage"),
            "IndexDirectory": str(self.workdir / "storage"),
            "HttpPort": http_port,
            "DicomServerEnabled": False,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": True,
            "RegisteredUsers": {self.username: self.password},
            "HttpThreadsCount": 8,
            "HttpTimeout": 30,
            # The embedded server's socket timeouts (SO_RCVTIMEO/SO_SNDTIMEO, Orthanc's default 30 s):
            # on a loaded 2-core machine a starved client or relay can pause longer than that in
            # the middle of a STOW-RS body, and the server then drops the connection unanswered.
            "HttpRequestTimeout": 600,
            "StableAge": 1,
            "SaveJobs": False,
            "OverwriteInstances": False,
            "ExecuteLuaEnabled": False,
            "Plugins": [self.plugin],
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": False, "StudiesMetadata": "Full", "SeriesMetadata": "Full"},
        }
        path = self.workdir / "orthanc.json"
        path.write_text(json.dumps(config, indent=1), encoding="utf-8")
        return path

    def start(self, timeout: float = 180.0) -> Orthanc:  # generous: a loaded machine starts it slowly
        log = open(self.workdir / "orthanc.log", "wb")  # noqa: SIM115 - kept open for the server's life
        if self.isolated:
            sock_path = self.workdir / "orthanc.sock"
            config = self._config(8042)  # inside its own namespace: no other server can use it
            command = ["unshare", "-n", sys.executable, __file__, "--inside", self.binary, str(config), str(sock_path), str(os.getpid())]
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
            self._listener = listener

            def connect() -> socket.socket:
                upstream = socket.socket(socket.AF_UNIX)
                upstream.connect(str(sock_path))
                return upstream

            threading.Thread(target=_relay, args=(listener, connect), daemon=True).start()
        else:
            config = self._config(self.port)
            self.process = subprocess.Popen([self.binary, str(config)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                            preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                self.get("/system")
                return self
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        tail = (self.workdir / "orthanc.log").read_text(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"Orthanc did not start; its log ends with:\n{tail}")

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=5)
        self.process = None

    def __enter__(self) -> Orthanc:  # noqa: PYI034
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # REST API (Orthanc's own, for uploading and checking what the server holds).
    def _request(self, method: str, path: str, data: bytes | None = None, content_type: str | None = None) -> bytes:
        request = urllib.request.Request(self.rest + path, data=data, method=method)
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        if content_type:
            request.add_header("Content-Type", content_type)
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()

    def get(self, path: str):
        return json.loads(self._request("GET", path))

    def get_bytes(self, path: str) -> bytes:
        return self._request("GET", path)

    def upload(self, data: bytes) -> dict:
        return json.loads(self._request("POST", "/instances", data, "application/dicom"))

    def instances(self) -> list[str]:
        return self.get("/instances")

    def credentials_env(self) -> dict[str, str]:
        return {"CURATOR_DICOMWEB_USER": self.username, "CURATOR_DICOMWEB_PASSWORD": self.password}


def _die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask the kernel to send ``sig`` to this process when its parent dies (Linux
    ``PR_SET_PDEATHSIG``), so a test run killed outright (SIGKILL, a CI timeout) leaves no
    server behind: the server is in its own session, out of reach of the run's process
    group.  Elsewhere a no-op."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(sig), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _inside(binary: str, config: str, sock_path: str, parent: int) -> None:
    """Run in the private namespace: loopback up, Orthanc, and a Unix socket to it."""
    _die_with_parent()
    if os.getppid() != parent:  # the test process died before the request above
        return
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    orthanc = subprocess.Popen([binary, config], preexec_fn=lambda: _die_with_parent(signal.SIGKILL))

    def stop(*_):
        # Only ask Orthanc to stop: the main thread's orthanc.wait() below returns when it
        # has.  Waiting here, inside the handler, could not reap it (the main thread holds
        # the Popen's wait lock), so every stop used to take this wait's whole timeout.
        orthanc.terminate()

    signal.signal(signal.SIGTERM, stop)
    if os.path.exists(sock_path):
        os.unlink(sock_path)
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(sock_path)
    listener.listen(64)
    port = json.loads(Path(config).read_text())["HttpPort"]
    threading.Thread(target=_relay, args=(listener, lambda: socket.create_connection(("127.0.0.1", port))), daemon=True).start()
    orthanc.wait()


if __name__ == "__main__" and len(sys.argv) == 6 and sys.argv[1] == "--inside":
    _inside(*sys.argv[2:5], int(sys.argv[5]))
