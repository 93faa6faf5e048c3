"""`curator keygen`: a random key in a documented text form, mode 0600, never overwritten."""
from __future__ import annotations

import stat

import pytest
from typer.testing import CliRunner

from curator.cli import app
from curator.deid.pseudonyms import KEY_PREFIX, read_key, write_key
from curator.errors import CuratorError


def test_write_and_read_key(tmp_path):
    path = write_key(tmp_path / "curator.key")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith(KEY_PREFIX)]
    assert len(lines) == 1 and len(lines[0]) == len(KEY_PREFIX) + 64
    key = read_key(path)
    assert len(key) == 32 and key.hex() == lines[0][len(KEY_PREFIX):]
    other = read_key(write_key(tmp_path / "other.key"))
    assert other != key  # random, not derived from anything


def test_refuses_to_overwrite(tmp_path):
    path = write_key(tmp_path / "k")
    before = path.read_bytes()
    with pytest.raises(CuratorError, match="already exists"):
        write_key(path)
    assert path.read_bytes() == before


def test_bad_key_files(tmp_path):
    with pytest.raises(CuratorError, match="not found"):
        read_key(tmp_path / "missing")
    bad = tmp_path / "bad"
    bad.write_text("curator-key-v1:1234\n", encoding="utf-8")
    with pytest.raises(CuratorError, match="not a curator key file"):
        read_key(bad)
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(CuratorError, match="cannot be read"):
        read_key(binary)


def test_cli_keygen(tmp_path):
    runner = CliRunner()
    target = tmp_path / "site.key"
    result = runner.invoke(app, ["keygen", str(target)])
    assert result.exit_code == 0, result.output
    key = read_key(target)
    assert key.hex() not in result.output
    again = runner.invoke(app, ["keygen", str(target)])
    assert again.exit_code != 0
    assert read_key(target) == key
