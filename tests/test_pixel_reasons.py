"""Pixel data that cannot be screened or cleaned (hostile round 9's leftovers, session 13):

* the quarantine reason says what is wrong with the file in plain words: it named a Python
  exception (``RuntimeError``, ``ValueError``) for corrupt JPEG 2000 / HTJ2K streams and a
  Number of Frames of ``-2`` or ``abc``;
* uncompressed pixel data holding more whole frames than Number of Frames says (0, 1 or
  absent) were released after the screen (and the cleaner) looked at the first frame only: a
  name burned into the second frame went out.
"""
from __future__ import annotations

import io
import sys
import warnings
from pathlib import Path

import pytest
from test_deid_pixels import _name_ct

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


def _two_frames(number_of_frames: str | None, n: int) -> bytes:
    """A clean CT frame, then the same CT with a name burned in, as one uncompressed pixel
    data; Number of Frames as given (None: absent)."""
    clean, named = _name_ct(None), _name_ct("MARISOL QUILLAN")
    clean.PixelData = clean.PixelData + named.PixelData
    clean.SOPInstanceUID = clean.file_meta.MediaStorageSOPInstanceUID = f"{clean.SOPInstanceUID}.{n}"
    if number_of_frames is not None:
        clean.NumberOfFrames = number_of_frames
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clean.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def test_the_second_frame_is_really_named():
    """The plant is real: the named frame alone is quarantined by the screen."""
    assert pixels.screen(_name_ct("MARISOL QUILLAN")) == pixels.SCREEN_REASON
    assert pixels.screen(_name_ct(None)) is None


@pytest.mark.parametrize("clean", [False, True])
def test_frames_past_number_of_frames_are_never_released_unscreened(tmp_path, clean):
    """Number of Frames 0, 1 or absent over two frames' bytes: the screen (and the cleaner)
    looked at the first frame and the file went out with the named second frame."""
    files = {f"nof_{label}.dcm": _two_frames(value, n) for n, (label, value) in enumerate((("0", "0"), ("1", "1"), ("absent", None), ("2", "2")))}
    reasons = _reasons(tmp_path, files, clean)
    prefix = "pixel data cannot be decoded for cleaning" if clean else pixels.NOT_SCREENED
    assert reasons["nof_0.dcm"] == f"{prefix} (the pixel data holds 2 frames, more than the 1 that Number of Frames 0 is read as)"
    assert reasons["nof_1.dcm"] == f"{prefix} (the pixel data holds 2 frames, more than the 1 of Number of Frames)"
    assert reasons["nof_absent.dcm"] == f"{prefix} (the pixel data holds 2 frames, more than the 1 of an image without Number of Frames)"
    # Number of Frames 2: both frames looked at, the name found (screen) or blacked out (cleaning)
    assert reasons["nof_2.dcm"] == ("written" if clean else pixels.SCREEN_REASON)


def test_number_of_frames_0_over_one_frame_is_screened_whole_and_released(tmp_path):
    """Readers take 0 as 1 (pydicom warns): the screen looked at every byte of the one frame."""
    assert _reasons(tmp_path, {"nof0.dcm": _hostile("frames_0.dcm")}, False) == {"nof0.dcm": "written"}
