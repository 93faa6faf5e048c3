"""Every command of a release run over an archive, its console output kept, for the red-team
leak tests (tests/test_redteam_leaks*.py): audit in the given formats, deid, publish, validate."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from typer.testing import CliRunner

from curator.cli import app
from tests.conftest import write_fixed_key

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def run_every_command(root: Path, source: Path, formats: Iterable[str]) -> dict[str, str]:
    """Write a fixed key, run audit (one report per format), deid, publish and validate of ``source``
    below ``root`` (outputs in ``root/audit``, ``root/deid``, ``root/release``); each must exit 0.
    Returns each command's console output by name."""
    write_fixed_key(root / "key")  # fixed: a planted number cannot turn up in a keyed UID by chance
    console: dict[str, str] = {}
    for fmt in formats:
        result = runner.invoke(app, ["audit", str(source), "-f", fmt, "-o", str(root / "audit" / f"report.{fmt}"),
                                     "-w", "1", "--index", str(root / "audit" / "index.parquet")])
        assert result.exit_code == 0, result.output
        console[f"audit {fmt}"] = result.output
    commands = {
        "deid": ["deid", str(source), str(root / "deid"), "--key", str(root / "key"), "--workers", "1"],
        "publish": ["publish", str(source), str(root / "release"), "--key", str(root / "key"),
                    "--config", str(ROOT / "examples" / "release.yaml"), "-w", "1", "--release-date", "2026-11-30"],
        "validate": ["validate", str(root / "release"), "--key", str(root / "key")],
    }
    for name, args in commands.items():
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        console[name] = result.output
    return console


def where_found(hits: Iterable[tuple[str, str, str]], root: Path) -> list[str]:
    """For a failing leak test: each hit's value and where it sits, the column and row of
    a Parquet index, else the first 60 characters around it in the file (UTF-8), so a rare
    leak says at once what carried it."""
    import json

    import pyarrow.parquet as pq

    found: list[str] = []
    for where, value, _ in hits:
        path = root / where
        if not path.is_file():
            found.append(f"{where}: {value!r} (console or inside an archive)")
            continue
        if path.suffix == ".parquet":
            for row_number, row in enumerate(pq.read_table(path).to_pylist()):
                columns = [c for c, v in row.items() if value in json.dumps(v, ensure_ascii=False, default=str)]
                if columns:
                    found.append(f"{where} row {row_number} ({row.get('status')}): {value!r} in {columns}: "
                                 + "; ".join(f"{c}={row[c]!r:.200}" for c in columns))
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        at = text.find(value)
        found.append(f"{where}: {value!r} " + (f"in ...{text[max(at - 30, 0):at + len(value) + 30]!r}..." if at >= 0
                                                 else "(in another encoding)"))
    return found
