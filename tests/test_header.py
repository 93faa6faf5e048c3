"""Header reading: every kind of bad input gets a clear reason."""
from __future__ import annotations

import io

import pytest

from curator.dicom.header import HeaderError, read_header_bytes
from tests.conftest import planted_dataset


def _bytes(ds, **kwargs) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, **kwargs)
    return buffer.getvalue()


def test_reads_header_and_stops_before_pixels():
    ds = read_header_bytes(_bytes(planted_dataset(), enforce_file_format=True))
    assert ds.Modality == "CT" and "PixelData" not in ds


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty file"),
        (b"hello, this is a text file" * 10, "not DICOM"),
        (bytes(range(256)) * 4, "not DICOM"),
    ],
)
def test_rejections(data, reason):
    with pytest.raises(HeaderError, match=reason):
        read_header_bytes(data)


def test_truncated_pixel_data_is_detected():
    data = _bytes(planted_dataset(), enforce_file_format=True)
    with pytest.raises(HeaderError, match="truncated"):
        read_header_bytes(data[:-10])


def test_truncated_header_is_detected():
    data = _bytes(planted_dataset(), enforce_file_format=True)
    with pytest.raises(HeaderError, match="truncated|malformed"):
        read_header_bytes(data[:700])


def test_raw_dataset_without_preamble_is_read():
    ds = planted_dataset()
    del ds.file_meta
    buffer = io.BytesIO()
    ds.save_as(buffer, implicit_vr=True, little_endian=True)  # no preamble, no file meta
    raw = buffer.getvalue()
    assert raw[128:132] != b"DICM"
    assert read_header_bytes(raw).SOPInstanceUID == ds.SOPInstanceUID


def test_error_messages_never_quote_header_values():
    data = _bytes(planted_dataset(), enforce_file_format=True)
    for cut in (200, 400, 800, len(data) - 3):
        try:
            read_header_bytes(data[:cut])
        except HeaderError as exc:
            assert "Zyxwvuta" not in str(exc) and "PID83172946" not in str(exc)
