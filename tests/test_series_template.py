"""Series templates: a header that repeats one read before gives the record a full read gives.

The scan copies the record of a file whose header equals, byte for byte outside its
per-instance elements, a header it read in full (``curator.index.series_template``).  These
tests check that the index is the same with and without templates on every corpus, that
templates are actually used where they should be, and that any other difference (a
changed description, an emptied element, a lying group length, truncated pixel data, an
invalid UID) sends the file to a full read, or rejects it exactly as a full read would.
"""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pydicom
import pytest
from pydicom.uid import ImplicitVRLittleEndian

from curator.index import series_template
from curator.dicom.header import HeaderError
from curator.index.scan import _read_record, scan_source
from curator.testing.synthetic import write_ct_series
from tests.conftest import pydicom_files_dir, write_planted

SALT = b"t" * 32
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "collection"


def _index(source: Path, index: Path, templates: bool, monkeypatch) -> list[dict]:
    """The rows of a fresh scan of ``source`` (in this process), the salt kept across calls."""
    series_template.clear()
    monkeypatch.setattr(series_template, "MAX_TEMPLATES", series_template.MAX_TEMPLATES if templates else 0)
    index.unlink(missing_ok=True)
    scan_source(source, index, workers=1, progress=False)
    series_template.clear()
    return pq.read_table(index).to_pylist()


def _series(folder: Path, n: int = 6, **kwargs) -> list[Path]:
    # Instance numbers 8..13 cross a digit boundary: lengths of per-instance values change.
    return write_ct_series(folder, n, rows=16, columns=16, first_instance=8, **kwargs)


def _implicit_series(folder: Path) -> list[Path]:
    paths = _series(folder / "explicit")
    out = []
    for path in paths:
        ds = pydicom.dcmread(path)
        ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
        target = folder / "implicit" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        ds.save_as(target, implicit_vr=True, little_endian=True)
        out.append(target)
    shutil.rmtree(folder / "explicit")
    return out


def _corpus(name: str, tmp_path: Path) -> Path:
    if name == "pydicom":
        return pydicom_files_dir()
    if name == "examples":
        return EXAMPLES
    source = tmp_path / name
    if name == "ct":
        _series(source / "a")
        _series(source / "b", series_number=2, seed=2)
    elif name == "implicit":
        _implicit_series(source)
    elif name == "planted":
        write_planted(source, count=4)
    return source


@pytest.mark.parametrize("corpus", ["pydicom", "examples", "ct", "implicit", "planted"])
def test_the_index_is_the_same_with_and_without_templates(corpus: str, tmp_path: Path, monkeypatch):
    source = _corpus(corpus, tmp_path)
    index = tmp_path / "index.parquet"
    full = _index(source, index, templates=False, monkeypatch=monkeypatch)
    with_templates = _index(source, index, templates=True, monkeypatch=monkeypatch)
    assert len(full) == len(with_templates) > 0
    assert with_templates == full


def _record(path: Path, salt: bytes = SALT) -> dict:
    data = path.read_bytes()
    return _read_record(io.BytesIO(data), len(data), salt)


def _match(path: Path, salt: bytes = SALT) -> dict | None:
    data = path.read_bytes()
    return series_template.match(io.BytesIO(data), data[:65536], len(data), salt)


@pytest.fixture
def fresh_templates():
    series_template.clear()
    yield
    series_template.clear()


@pytest.mark.parametrize("implicit", [False, True])
def test_later_instances_of_a_series_match_and_equal_a_full_read(implicit: bool, tmp_path: Path, fresh_templates):
    paths = _implicit_series(tmp_path) if implicit else _series(tmp_path)
    first = _record(paths[0])
    for path in paths[1:]:
        matched = _match(path)
        assert matched is not None, path.name
        series_template.clear()
        full = _record(path)
        _record(paths[0])  # the template again
        assert matched == full
        assert matched["sop_key"] != first["sop_key"]


def _rewrite(path: Path, target: Path, **changes) -> Path:
    ds = pydicom.dcmread(path)
    for keyword, value in changes.items():
        setattr(ds, keyword, value)
    ds.save_as(target)
    return target


def test_any_other_difference_means_a_full_read(tmp_path: Path, fresh_templates):
    paths = _series(tmp_path / "s")
    _record(paths[0])
    assert _match(paths[1]) is not None
    assert _match(_rewrite(paths[1], tmp_path / "desc.dcm", SeriesDescription="Thorax 1.25 STX")) is None
    assert _match(_rewrite(paths[1], tmp_path / "empty.dcm", InstanceNumber=None)) is None  # emptiness counts
    assert _match(paths[1], salt=b"u" * 32) is None  # another scan's templates are not this one's
    data = bytearray(paths[1].read_bytes())
    data[140] ^= 0x01  # File Meta Information Group Length no longer fits the UID lengths
    assert series_template.match(io.BytesIO(bytes(data)), bytes(data[:65536]), len(data), SALT) is None


def test_a_matching_file_is_rejected_as_a_full_read_rejects_it(tmp_path: Path, fresh_templates):
    paths = _series(tmp_path / "s")
    _record(paths[0])
    truncated = paths[1].read_bytes()[:-10]
    with pytest.raises(HeaderError) as from_template:
        series_template.match(io.BytesIO(truncated), truncated[:65536], len(truncated), SALT)
    series_template.clear()
    with pytest.raises(HeaderError) as from_full_read:
        _read_record(io.BytesIO(truncated), len(truncated), SALT)
    assert str(from_template.value) == str(from_full_read.value) == "truncated (pixel data shorter than declared)"
    _record(paths[0])
    bad_uid = _rewrite(paths[1], tmp_path / "uid.dcm", SOPInstanceUID="1.2.3.4.x")
    assert _match(bad_uid) is None  # read in full, which names the problem
    with pytest.raises(HeaderError, match=r"SOP Instance UID not a valid UID \(characters other than digits and dots\)"):
        _record(bad_uid)


def test_headers_without_pixel_data_make_no_template(tmp_path: Path, fresh_templates):
    sr = pydicom.dcmread(pydicom.data.get_testdata_file("test-SR.dcm"))
    path = tmp_path / "sr.dcm"
    sr.save_as(path)
    _record(path)
    assert not series_template._TEMPLATES
