"""The header pass of ``curator deid`` reads each header once (issue 18): the pixel screen
gets the header that the readability check read (with where its pixel data start) instead
of parsing the bytes again, and its verdict is the one it gives from the bytes alone."""
from __future__ import annotations

import io
import logging
import warnings

import pydicom
import pytest
from pydicom.data import get_testdata_files
from pydicom.uid import DeflatedExplicitVRLittleEndian

from curator.deid import pixels, run
from curator.dicom import fastheader
from curator.dicom import header as header_module
from curator.testing import synthetic as syn


def _ct_slices(folder) -> list[bytes]:
    study = syn.Study(site=syn.SITES[0], patient=syn.synthetic_patient(1), number=1, description="CT THORAX")
    return [path.read_bytes() for path in syn.write_ct_series(folder, 2, study, rows=128, columns=128, seed=3)]


def _pydicom_files() -> list[bytes]:
    found = []
    for name in sorted(get_testdata_files("*.dcm")):
        with open(name, "rb") as handle:
            found.append(handle.read())
    return found


def test_the_screen_does_not_parse_a_header_the_pass_read(tmp_path, monkeypatch) -> None:
    calls: list[int] = []
    real = fastheader.read_fast

    def counted(buf: bytes):
        calls.append(len(buf))
        return real(buf)

    monkeypatch.setattr(fastheader, "read_fast", counted)
    monkeypatch.setattr(header_module, "read_fast", counted)
    monkeypatch.setattr(run, "_SCREEN", True)
    for data in _ct_slices(tmp_path):
        calls.clear()
        facts = run._scan_one(("bytes", data))
        assert "error" not in facts and facts["risk"] is None
        assert len(calls) == 1  # the readability check's read; the screen reuses it


def test_the_screen_given_the_pass_header_says_what_it_says_from_the_bytes(tmp_path) -> None:
    """Every readable file of pydicom's test data and synthetic CT slices: the same verdict
    (None, text-like, or not screened) with the header handed over as without."""
    screened = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("pydicom").setLevel(logging.CRITICAL)
        for data in (*_ct_slices(tmp_path), *_pydicom_files()):
            header, rejected = run._checked_header(data)
            if rejected or header is None:
                continue
            handed = run._fast_read([header])
            if handed is None:
                continue
            screened += 1
            assert pixels.screen_bytes(data, handed) == pixels.screen_bytes(data)
    assert screened >= 30


def test_a_header_read_by_the_general_reader_is_not_handed_over() -> None:
    ds = pydicom.dcmread(get_testdata_files("CT_small.dcm")[0])
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian  # the fast reader leaves deflate to pydicom
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    data = buffer.getvalue()
    header, rejected = run._checked_header(data)
    assert rejected is None and header is not None and header.source is None
    assert run._fast_read([header]) is None
    assert run._fast_read([]) is None


@pytest.fixture(autouse=True)
def _quiet():
    with run.quiet_pydicom():
        yield
