"""The same source, key and settings give a byte-identical release whatever the process
environment (round 16): ``curator publish`` of the release15 source (``tests/release15_source.py``)
in two processes that differ in everything that should not matter: hash seed
(``PYTHONHASHSEED`` 0 and 1), worker processes (1 and 2), working directory (and the source
named by an absolute or a relative path), ``TMPDIR``, time zone (``UTC`` and
``Asia/Tokyo``) and locale (``C`` and ``C.UTF-8``), in the NON_PUBLIC and the PUBLIC tier.
Every released file is compared by SHA-256.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from release15_source import write_source

ROOT = Path(__file__).resolve().parent.parent
CLI = "from curator.cli import main; main()"


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run([sys.executable, "-c", CLI, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def setting(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("release16-det")
    write_source(base / "src")
    _cli(["keygen", str(base / "key")], dict(os.environ), base)
    return {"base": base, "src": base / "src", "key": base / "key"}


def _environment(base: Path, name: str, seed: str, zone: str, locale: str) -> dict[str, str]:
    tmp = base / f"tmp-{name}"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "TZ", "PYTHONHASHSEED", "TMP"))}
    env.update(PYTHONHASHSEED=seed, TMPDIR=str(tmp), TZ=zone, LC_ALL=locale)
    return env


@pytest.mark.parametrize("access", ["NON_PUBLIC", "PUBLIC"])
def test_publish_is_byte_identical_across_process_environments(setting, access: str):
    base = setting["base"]
    config = base / f"{access}.yaml"
    config.write_text((ROOT / "examples" / "release.yaml").read_text(encoding="utf-8").replace(
        "access_rights: NON_PUBLIC", f"access_rights: {access}"), encoding="utf-8")
    assert f"access_rights: {access}" in config.read_text(encoding="utf-8")
    common = ["--key", str(setting["key"]), "--config", str(config), "--release-date", "2026-12-03", "--k", "5"]
    first, second = base / f"{access}-a", base / f"{access}-b"
    # A: seed 0, one worker, the source by absolute path from the base folder, UTC, C locale
    _cli(["publish", str(setting["src"]), str(first), *common, "--workers", "1"],
         _environment(base, f"{access}-a", "0", "UTC", "C"), base)
    # B: seed 1, two workers, another working directory naming the source relatively, Tokyo, C.UTF-8
    elsewhere = base / f"cwd-{access}" / "deeper"
    elsewhere.mkdir(parents=True)
    _cli(["publish", os.path.relpath(setting["src"], elsewhere), str(second), *common, "--workers", "2"],
         _environment(base, f"{access}-b", "1", "Asia/Tokyo", "C.UTF-8"), elsewhere)
    a, b = _digests(first), _digests(second)
    assert len(a) > 200
    assert sorted(a) == sorted(b)
    assert [name for name in a if a[name] != b[name]] == []
