"""A File Meta element (group 0002) inside the dataset (hostile round 9's
``group2_in_dataset.dcm``): rejected as 'not a DICOM instance (SOP Class UID missing)' before
session 13 (the File Meta read by its elements, as round 5 reads a group length that lies, and
the dataset then read in the second Transfer Syntax, big endian); now for what it is."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from curator.dicom.header import HeaderError, read_header_bytes

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile9  # noqa: E402
from hostile import _bytes, _ct  # noqa: E402


def test_a_file_meta_element_inside_the_dataset_is_rejected_for_what_it_is():
    data = hostile9.cases()["site_a/group2_in_dataset.dcm"][0]
    assert data is not None
    with pytest.raises(HeaderError) as caught:
        read_header_bytes(data)
    assert str(caught.value) == "File Meta elements (group 0002) inside the dataset, past the File Meta group length"
    assert hostile9.HOSTILE_NAME not in str(caught.value) and "1.2.840" not in str(caught.value)


def test_a_file_without_file_meta_oddities_is_still_read():
    ds = read_header_bytes(_bytes(_ct(3)))
    assert ds.Modality == "CT"
