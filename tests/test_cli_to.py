"""``--to URL`` (deid, publish) is checked before any work: an unreachable server, refused
credentials or credentials in the URL end the command at once with exit 2 and a clear
error that shows no secret; nothing is written (it used to fail only after the whole run)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_deid import planted_ct, write
from test_dicomweb import FAST, PLANTED_SECRET, fake_server  # noqa: F401 - fake_server is a fixture

from curator.deid.pseudonyms import write_key
from tests.orthanc import free_port

CONFIG = Path(__file__).resolve().parents[1] / "examples" / "release.yaml"


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if not name.startswith("CURATOR_DICOMWEB_")}
    env.update(FAST, CURATOR_DICOMWEB_USER="someone", CURATOR_DICOMWEB_PASSWORD=PLANTED_SECRET)
    return subprocess.run([sys.executable, "-c", "import sys; from curator.cli import main; sys.exit(main())", *args],
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def _command(name: str, tmp_path: Path, url: str) -> list[str]:
    source = tmp_path / "src"
    if not source.exists():
        write(planted_ct(0), source / "ct.dcm")
    key = write_key(tmp_path / "key") if not (tmp_path / "key").exists() else tmp_path / "key"
    extra = ["--config", str(CONFIG)] if name == "publish" else []
    return [name, str(source), str(tmp_path / "out"), "--key", str(key), "--workers", "1", *extra, "--to", url]


@pytest.mark.parametrize("command", ["deid", "publish"])
def test_an_unreachable_destination_fails_before_any_work(tmp_path, command):
    url = f"http://127.0.0.1:{free_port()}/dicom-web"  # nothing listens there
    done = _run(*_command(command, tmp_path, url))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: --to: cannot reach the DICOMweb server at {url}") and "connection refused" in done.stderr
    assert "Traceback" not in done.stderr and PLANTED_SECRET not in done.stdout + done.stderr
    assert not (tmp_path / "out").exists()  # no work was done


@pytest.mark.parametrize("command", ["deid", "publish"])
def test_refused_credentials_and_credentials_in_the_url_fail_before_any_work(tmp_path, command, fake_server):  # noqa: F811
    done = _run(*_command(command, tmp_path, f"{fake_server}/token/dicom-web"))
    assert done.returncode == 2 and "HTTP 401" in done.stderr and done.stderr.startswith("error: --to: ")
    host = fake_server.split("//", 1)[1]
    done = _run(*_command(command, tmp_path, f"http://user:{PLANTED_SECRET}@{host}/ok/dicom-web"))
    assert done.returncode == 2 and "credentials in a DICOMweb URL are not accepted" in done.stderr
    assert PLANTED_SECRET not in done.stdout + done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
