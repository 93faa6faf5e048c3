"""Pixel data that cannot be screened or cleaned (hostile round 9's leftovers, session 13):

* the quarantine reason says what is wrong with the file in plain words: it named a Python
  exception (``RuntimeError``, ``ValueError``) for corrupt JPEG 2000 / HTJ2K streams and a
  Number of Frames of ``-2`` or ``abc``;
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from curator.deid import pixels
from curator.deid.run import DeidOptions, deidentify

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile9  # noqa: E402

KEY = bytes(range(32))


def _reasons(tmp_path: Path, files: dict[str, bytes], clean: bool) -> dict[str, str]:
    source = tmp_path / ("src" + str(clean))
    names = sorted(files)
    for name in names:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(files[name])
    out = tmp_path / ("out" + str(clean))
    report = deidentify(source, out, key=KEY, options=DeidOptions(k=1, workers=1, clean_pixels=clean))
    reasons = {names[q["position"] - 1]: q["reason"] for q in report["quarantined"]}
    reasons.update({names[r["position"] - 1]: "rejected: " + r["reason"] for r in report.get("rejected", []) if "position" in r})
    assert report["counts"]["written"] == len(names) - len(reasons) == len(list(out.rglob("*.dcm")))
    return {name: reasons.get(name, "written") for name in names}


def _hostile(name: str) -> bytes:
    data = hostile9.cases()[f"site_a/{name}"][0]
    assert data is not None
    return data


CORRUPT = "is corrupt, cut short or of a form no installed decoder reads"


@pytest.mark.parametrize("clean", [False, True])
def test_undecodable_pixels_are_quarantined_with_a_plain_reason(tmp_path, clean):
    files = {name: _hostile(name) for name in ("htj2k_corrupt.dcm", "j2k_cut.dcm", "frames_negative.dcm", "frames_text.dcm")}
    reasons = _reasons(tmp_path, files, clean)
    prefix = "pixel data cannot be decoded for cleaning" if clean else pixels.NOT_SCREENED
    assert reasons == {
        "frames_negative.dcm": f"{prefix} (Number of Frames is negative)",
        "frames_text.dcm": f"{prefix} (Number of Frames is not a whole number)",
        "htj2k_corrupt.dcm": f"{prefix} (its High-Throughput JPEG 2000 Image Compression (Lossless Only) stream {CORRUPT})",
        "j2k_cut.dcm": f"{prefix} (its JPEG 2000 Image Compression (Lossless Only) stream {CORRUPT})",
    }
