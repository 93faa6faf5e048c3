"""Burned-in text: OCR-based redaction with tesseract (Debian tesseract-ocr; external)."""
from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pydicom
import pytest
from test_deid import P, _meta, planted_ct, write

from curator.deid.run import deidentify
from curator.errors import CuratorError

KEY = bytes(range(32))


def _text_image() -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (320, 120), 0)
    draw = ImageDraw.Draw(image)
    draw.ellipse((120, 40, 200, 110), fill=90)  # "anatomy"
    draw.text((8, 6), f"{P['family'].upper()} 1954", fill=255, font=ImageFont.load_default(size=26))
    return np.asarray(image, dtype=np.uint8)


def _burned_us() -> pydicom.Dataset:
    ds = planted_ct(0, patient="")
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.6.1"
    ds.Modality = "US"
    ds.BurnedInAnnotation = "YES"
    pixels = _text_image()
    ds.Rows, ds.Columns = pixels.shape
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    for keyword in ("RescaleIntercept", "RescaleSlope"):
        del ds[keyword]
    ds.PixelData = pixels.tobytes()
    return _meta(ds)


def _ocr(pixels: np.ndarray, tmp_path) -> str:
    from PIL import Image

    png = tmp_path / "frame.png"
    Image.fromarray(pixels).save(png)
    result = subprocess.run(["tesseract", str(png), "stdout", "--psm", "11"], capture_output=True, text=True, check=False)
    return result.stdout


@pytest.mark.external
def test_clean_pixels_redacts_burned_in_text(tmp_path):
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract not installed (Debian package tesseract-ocr; .ci/run installs it)")
    assert P["family"].upper() in _ocr(_text_image(), tmp_path).replace(" ", "")  # the OCR can read it
    source = tmp_path / "src"
    write(_burned_us(), source / "us.dcm")
    out = tmp_path / "out"
    report = deidentify(source, out, key=KEY, k=1, workers=1, clean_pixels=True)
    assert report["counts"]["written"] == 1 and report["counts"]["quarantined"] == 0
    assert report["actions"]["ocr_text_boxes_redacted"] >= 1
    ds = pydicom.dcmread(next(out.rglob("*.dcm")))
    assert ds.BurnedInAnnotation == "NO"
    assert "113101" in {item.CodeValue for item in ds.DeidentificationMethodCodeSequence}
    pixels = ds.pixel_array
    assert P["family"].upper() not in _ocr(pixels, tmp_path).upper().replace(" ", "")
    assert pixels[6:30, 8:200].max() < 255  # the banner is blacked out
    assert pixels[75, 160] == 90  # the anatomy is untouched


def test_clean_pixels_without_tesseract_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    source = tmp_path / "src"
    write(_burned_us(), source / "us.dcm")
    with pytest.raises(CuratorError, match="tesseract"):
        deidentify(source, tmp_path / "out", key=KEY, clean_pixels=True)
