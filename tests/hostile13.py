"""Hostile inputs, round 13 (plain pydicom, the standard library and the codecs of the test
environment, no curator import): what rounds 1 to 12 did not try.

* pixel bombs (:func:`pixel_bombs`): honest encapsulated images, small on disk and huge
  decoded (100 frames of 4096 x 4096 in JPEG-LS and in baseline JPEG: 19 MB together, 3.4
  billion pixels), whose screening and cleaning took more than ten minutes; and
  ``CURATOR_MAX_PIXELS`` values no limit holds.

Every file's header names the patient (``HOSTILE_NAME``, ``HOSTILE_MRN``).  ``python
tests/hostile13.py`` measures every case in a subprocess (``CURATOR_CODE``: the tree to measure).
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile import HOSTILE_MRN, HOSTILE_NAME  # noqa: E402
from hostile12 import _encapsulated, _image, _jpeg, _jpegls, problems_of, run_curator  # noqa: E402

__all__ = ["HOSTILE_MRN", "HOSTILE_NAME", "pixel_bombs"]

BOMB_SIDE, BOMB_FRAMES = 4096, 100  # 1,677,721,600 pixels a file, over the default limit of 2^30
BAD_LIMITS = ("", " ", "abc", "-1", "0", "1.5", "nan", "inf", "1e400", "0x10", "\uff11\uff10", "10 20")
LIMIT_VARIABLE = "CURATOR_MAX_PIXELS"


def pixel_bombs(folder: Path) -> list[str]:
    """Two honest multi-frame images of black frames, one JPEG-LS and one baseline JPEG stream
    repeated 100 times (59 KB and 19.7 MB on disk, 1.68 billion pixels each)."""
    from pydicom.uid import JPEGBaseline8Bit, JPEGLSLossless

    folder.mkdir(parents=True, exist_ok=True)
    black = np.zeros((BOMB_SIDE, BOMB_SIDE), np.uint8)
    names = []
    for n, (syntax, fragment) in enumerate(((JPEGLSLossless, _jpegls(black)), (JPEGBaseline8Bit, _jpeg(black, "JPEG")))):
        ds = _image(7300 + n, BOMB_SIDE, BOMB_SIDE, BOMB_FRAMES)
        ds.PixelData = b"\0\0"
        names.append(f"bomb{n}.dcm")
        (folder / names[-1]).write_bytes(_encapsulated(ds, syntax, [fragment] * BOMB_FRAMES))
    return names


def small_image(folder: Path) -> str:
    """One native 16 x 16 image (256 pixels) with no text."""
    folder.mkdir(parents=True, exist_ok=True)
    ds = _image(7400)
    ds.PixelData = (np.arange(256, dtype=np.uint8) // 4).tobytes()
    from hostile import _bytes

    (folder / "small.dcm").write_bytes(_bytes(ds))
    return "small.dcm"


def prepare(root: Path) -> None:
    pixel_bombs(root / "bombs")
    small_image(root / "small")
    (root / "key").write_text(f"curator-key-v1:{'ab' * 32}\n")
    os.chmod(root / "key", 0o600)
    (root / "release.yaml").write_text((Path(__file__).resolve().parent.parent / "examples" / "release.yaml").read_text())
    (root / "cwd").mkdir(exist_ok=True)


def deid_report(folder: Path) -> dict:
    path = folder / "deid-report.json"
    return json.loads(path.read_text()) if path.exists() else {}


def quarantine_problems(folder: Path, items: int) -> list[str]:
    """Every item quarantined for its pixel count, none written, no identifier."""
    report = deid_report(folder)
    if not report:
        return [f"{folder.name}: no report"]
    found = []
    counts = report["counts"]
    if counts["quarantined"] != items or counts["written"] != 0:
        found.append(f"{folder.name}: {counts['written']} written, {counts['quarantined']} quarantined of {items}")
    for entry in report.get("quarantined", []):
        if LIMIT_VARIABLE not in entry["reason"]:
            found.append(f"{folder.name}: reason does not name the limit: {entry['reason'][:160]!a}")
    if list(folder.rglob("*.dcm")):
        found.append(f"{folder.name}: released an instance")
    text = json.dumps(report, ensure_ascii=False)
    if HOSTILE_NAME in text or HOSTILE_MRN in text:
        found.append(f"{folder.name}: the report names the patient")
    return found


def bomb_runs(root: Path) -> list[tuple[str, list[str], dict[str, str]]]:
    """(name, argv, environment changes) of the pixel-bomb scenarios, checked by :func:`bomb_problems`."""
    key, bombs, small = str(root / "key"), str(root / "bombs"), str(root / "small")
    return [
        ("deid --clean-pixels bombs", ["deid", bombs, str(root / "bc"), "--key", key, "-w", "2", "--clean-pixels", "--k", "1"], {}),
        ("deid bombs", ["deid", bombs, str(root / "bd"), "--key", key, "-w", "2", "--k", "1"], {}),
        ("audit bombs", ["audit", bombs, "-w", "2", "-f", "json", "-o", str(root / "ba.json"), "--index", str(root / "ba.parquet")], {}),
        ("deid small limit 100", ["deid", small, str(root / "sd"), "--key", key, "-w", "1", "--k", "1"], {LIMIT_VARIABLE: "100"}),
        ("deid --clean-pixels small limit 100", ["deid", small, str(root / "sc"), "--key", key, "-w", "1", "--k", "1",
                                                 "--clean-pixels"], {LIMIT_VARIABLE: "100"}),
    ]


def bomb_problems(name: str, root: Path) -> list[str]:
    if name.startswith("audit"):
        path = root / "ba.json"
        if not path.exists():
            return ["no audit report"]
        screen = json.loads(path.read_text())["burned_in"]["pixel_screen"]
        return [] if screen["not_decoded"] == 2 and screen["screened"] == 0 else [f"pixel screen {screen}"]
    folder = {"deid --clean-pixels bombs": "bc", "deid bombs": "bd", "deid small limit 100": "sd",
              "deid --clean-pixels small limit 100": "sc"}[name]
    return quarantine_problems(root / folder, 2 if "bombs" in name else 1)


def limit_runs(root: Path) -> list[tuple[str, list[str], dict[str, str]]]:
    """Every command that screens or cleans pixels, under each value of BAD_LIMITS: exit 2."""
    key, small, cfg = str(root / "key"), str(root / "small"), str(root / "release.yaml")
    runs = []
    for value in BAD_LIMITS:
        if not value.strip():
            continue  # empty: the default
        env = {LIMIT_VARIABLE: value}
        runs += [
            (f"audit {LIMIT_VARIABLE}={value!a}", ["audit", small, "-f", "json", "-o", str(root / "l.json"), "-w", "1"], env),
            (f"deid {LIMIT_VARIABLE}={value!a}", ["deid", small, str(root / "l_d"), "--key", key, "-w", "1"], env),
            (f"publish {LIMIT_VARIABLE}={value!a}", ["publish", small, str(root / "l_p"), "--key", key, "--config", cfg,
                                                      "-w", "1"], env),
        ]
    return runs


def env_of(root: Path, code: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": code, "CURATOR_CACHE": str(root / "cache")}


if __name__ == "__main__":
    import tempfile

    here = Path(__file__).resolve().parent
    code = os.environ.get("CURATOR_CODE", str(here.parent))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        prepare(root)
        bad = total = 0
        for name, argv, changes in bomb_runs(root) + limit_runs(root):
            started = time.monotonic()
            got, out, err, rss = run_curator(argv, {**env_of(root, code), **changes}, root / "cwd", float(os.environ.get("H13_TIMEOUT", "600")))
            expected = 2 if "=" in name else 0
            found = problems_of(got, out, err, expected, "error: CURATOR_MAX_PIXELS" if expected == 2 else None)
            if expected == 0 and got is not None:
                found += bomb_problems(name, root)
            total += 1
            bad += bool(found)
            last = err.strip().splitlines()[-1] if err.strip() else ""
            print(f"{'BAD' if found else 'ok '} {name}: {'; '.join(found)} | exit {got} {time.monotonic() - started:.1f}s "
                  f"{rss} MiB | {last[:160]!a}", flush=True)
        print(f"{bad} of {total} wrong")
