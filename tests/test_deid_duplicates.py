"""Instances that share a SOP Instance UID: one is kept, chosen by content (the smallest
SHA-256 of the bytes), so the release is the same whatever the files are called or the
order of the listing; the others are rejected with a reason that names the kept item and
says whether the bytes differ."""
from __future__ import annotations

import hashlib

import numpy as np
import pydicom
from test_deid import planted_ct, write

from curator.deid.run import DeidOptions, deidentify

KEY = bytes(range(32))


def _variants(tmp_path):
    """Two CT slices with one SOP Instance UID and different pixels, and their bytes."""
    files = []
    for index, value in enumerate((100, 900)):
        ds = planted_ct(0)
        pixels = ds.pixel_array.copy()
        pixels[0, 0] = value
        ds.PixelData = pixels.astype(pixels.dtype).tobytes()
        files.append(write(ds, tmp_path / "variants" / f"v{index}.dcm").read_bytes())
    return files


def _release(tmp_path, name, named):
    source = tmp_path / name
    for file_name, data in named.items():
        (source / file_name).parent.mkdir(parents=True, exist_ok=True)
        (source / file_name).write_bytes(data)
    out = tmp_path / f"{name}-out"
    report = deidentify(source, out, key=KEY, options=DeidOptions(k=1, workers=1))
    released = {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("*.dcm"))}
    return report, released


def test_the_kept_duplicate_does_not_depend_on_names_or_listing_order(tmp_path):
    first, second = _variants(tmp_path)
    smallest = min((first, second), key=lambda data: hashlib.sha256(data).hexdigest())
    report_a, released_a = _release(tmp_path, "a", {"1.dcm": first, "2.dcm": second})
    report_b, released_b = _release(tmp_path, "b", {"1.dcm": second, "2.dcm": first})
    assert released_a == released_b and len(released_a) == 1  # byte-identical releases
    kept = pydicom.dcmread(next(iter((tmp_path / "a-out").rglob("*.dcm"))))
    expected = pydicom.dcmread(__import__("io").BytesIO(smallest))
    assert np.array_equal(kept.pixel_array, expected.pixel_array)
    for report, kept_position in ((report_a, 1 if smallest is first else 2), (report_b, 2 if smallest is first else 1)):
        assert report["counts"]["rejected"] == 1 and report["counts"]["written"] == 1
        reason = report["rejected"][0]["reason"]
        assert reason.startswith("duplicate SOP Instance UID with different content; ")
        assert f"item {kept_position} (source_ref " in reason and "smallest SHA-256" in reason
        assert report["rejected"][0]["position"] == 3 - kept_position


def test_an_exact_copy_is_rejected_as_the_same_bytes(tmp_path):
    first, _ = _variants(tmp_path)
    report, released = _release(tmp_path, "c", {"a/1.dcm": first, "b/copy.dcm": first})
    assert len(released) == 1 and report["counts"]["rejected"] == 1
    assert report["rejected"][0]["reason"].startswith("duplicate instance: same SOP Instance UID and same bytes as another item; item 1")
