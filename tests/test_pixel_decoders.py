"""The compressed transfer syntaxes of real PACS exports are decoded, screened and released.

The pixel screen fails closed: an image it cannot decode is quarantined, never released
unscreened.  So the decoders for the usual archive syntaxes (JPEG Lossless process 14,
JPEG 2000, JPEG-LS) are runtime dependencies (pylibjpeg with its libjpeg and openjpeg
plugins, pyjpegls); without them every such image of an archive would be quarantined.
The files are pydicom's own test files of each syntax."""
from __future__ import annotations

from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file

from curator.deid.run import DeidOptions, deidentify

KEY = bytes(range(32))
FILES = {
    "SC_rgb_jpeg_gdcm.dcm": "1.2.840.10008.1.2.4.70",  # JPEG Lossless, first-order prediction
    "JPEG2000.dcm": "1.2.840.10008.1.2.4.91",  # JPEG 2000
    "MR_small_jpeg_ls_lossless.dcm": "1.2.840.10008.1.2.4.80",  # JPEG-LS lossless
    "JPEGLSNearLossless_16.dcm": "1.2.840.10008.1.2.4.81",  # JPEG-LS near-lossless
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("decoders") / "src"
    root.mkdir()
    for name, syntax in FILES.items():
        ds = pydicom.dcmread(get_testdata_file(name))
        assert ds.file_meta.TransferSyntaxUID == syntax, name
        ds.BurnedInAnnotation = "NO"  # else secondary captures are held back as a burned-in risk
        ds.save_as(root / name, enforce_file_format=True)
    return root


def test_every_usual_compressed_syntax_is_decoded(archive: Path) -> None:
    for path in sorted(archive.iterdir()):
        assert pydicom.dcmread(path).pixel_array.size > 0, path.name


def test_compressed_images_are_screened_and_released_not_quarantined(archive: Path, tmp_path: Path) -> None:
    report = deidentify(archive, tmp_path / "out", key=KEY, options=DeidOptions(workers=1))
    assert report["quarantined"] in (None, []), report["quarantined"]
    assert report["counts"]["written"] == len(FILES)
    assert len(list((tmp_path / "out").rglob("*.dcm"))) == len(FILES)
