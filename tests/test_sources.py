"""Sources: folders whatever the file names, zip/tar archives member by member, safety."""
from __future__ import annotations

import gzip
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from curator.errors import CuratorError
from curator.sources.base import Item, Rejection, source_kind
from curator.sources.registry import open_source
from tests.conftest import planted_dataset


def _dicom_bytes(index: int = 0) -> bytes:
    buffer = io.BytesIO()
    planted_dataset(index).save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _items(source) -> dict[str, Item | Rejection]:
    return {i.relpath: i for i in open_source(source).items()}


def test_folder_walk_is_recursive_sorted_and_ignores_extensions(tmp_path: Path):
    (tmp_path / "b" / "deep" / "deeper").mkdir(parents=True)
    (tmp_path / "b" / "deep" / "deeper" / "IM0001").write_bytes(_dicom_bytes(0))
    (tmp_path / "a.txt").write_bytes(_dicom_bytes(1))
    (tmp_path / "Z").write_bytes(b"")
    relpaths = [i.relpath for i in open_source(tmp_path).items()]
    assert relpaths == ["Z", "a.txt", "b/deep/deeper/IM0001"]


def test_symlinks_are_rejected_not_followed(tmp_path: Path):
    (tmp_path / "real").write_bytes(_dicom_bytes())
    os.symlink(tmp_path / "real", tmp_path / "link")
    items = _items(tmp_path)
    assert isinstance(items["link"], Rejection) and "symbolic link" in items["link"].reason
    assert isinstance(items["real"], Item)


def test_zip_members_are_read_without_unpacking(tmp_path: Path):
    archive = tmp_path / "data.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("s1/one", _dicom_bytes(0))
        z.writestr("s1/two.dcm", _dicom_bytes(1))
    items = _items(archive)
    assert sorted(items) == ["s1/one", "s1/two.dcm"]
    assert items["s1/one"].read() == _dicom_bytes(0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.zip"]  # nothing unpacked


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:bz2", "w:xz"])
def test_tar_members_in_every_compression(tmp_path: Path, mode: str):
    archive = tmp_path / "data.tar"
    with tarfile.open(archive, mode) as t:
        data = _dicom_bytes(0)
        info = tarfile.TarInfo("x/instance")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    items = _items(archive)
    assert list(items) == ["x/instance"] and items["x/instance"].read() == data


def test_archive_inside_folder_is_expanded_with_bang_paths(tmp_path: Path):
    with zipfile.ZipFile(tmp_path / "inner.bin", "w") as z:  # no .zip extension on purpose
        z.writestr("m1", _dicom_bytes(0))
    assert list(_items(tmp_path)) == ["inner.bin!/m1"]


def test_path_traversal_members_are_rejected(tmp_path: Path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../escape", _dicom_bytes(0))
        z.writestr("/etc/absolute", _dicom_bytes(1))
        z.writestr("fine", _dicom_bytes(2))
    items = _items(archive)
    assert "path traversal" in items["../escape"].reason
    assert "path traversal" in items["/etc/absolute"].reason
    assert isinstance(items["fine"], Item)
    tar = tmp_path / "evil.tar"
    with tarfile.open(tar, "w") as t:
        info = tarfile.TarInfo("../../up")
        info.size = 3
        t.addfile(info, io.BytesIO(b"abc"))
        link = tarfile.TarInfo("link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        t.addfile(link)
    items = _items(tar)
    assert "path traversal" in items["../../up"].reason
    assert "link" in items["link"].reason


def test_decompression_bomb_is_rejected(tmp_path: Path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros", b"\0" * (64 * 1024 * 1024))
    (item,) = open_source(archive).items()
    assert isinstance(item, Rejection) and "decompression bomb" in item.reason


def test_nested_and_broken_archives_get_reasons(tmp_path: Path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("deep", _dicom_bytes(0))
    with zipfile.ZipFile(tmp_path / "outer.zip", "w") as z:
        z.writestr("inner.zip", inner.getvalue())
    good = _dicom_bytes(1)
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04" + b"garbage" * 20)
    items = _items(tmp_path)
    assert "archive inside an archive" in items["outer.zip!/inner.zip"].reason
    assert "broken zip archive" in items["broken.zip"].reason
    assert good  # the fixture built


def test_single_gzip_file_is_read(tmp_path: Path):
    (tmp_path / "x.dcm.gz").write_bytes(gzip.compress(_dicom_bytes(0)))
    (item,) = open_source(tmp_path).items()
    assert isinstance(item, Item) and item.read() == _dicom_bytes(0)


def test_bad_source_arguments_give_clear_errors(tmp_path: Path):
    with pytest.raises(CuratorError, match="not found"):
        open_source(tmp_path / "missing")
    (tmp_path / "plain.txt").write_text("hello")
    with pytest.raises(CuratorError, match="neither a folder nor"):
        open_source(tmp_path / "plain.txt")


@pytest.mark.parametrize(("spec", "kind"), [
    ("http://pacs/dicom-web", "dicomweb"), ("HTTPS://x", "dicomweb"), ("dicomweb+http://x", "dicomweb"),
    ("s3://bucket/x", "fsspec"), ("gs://b", "fsspec"), ("file:///data/x", "fsspec"),
    ("/data/archive", "path"), ("archive.zip", "path"), ("httpfolder", "path"), ("dicomweb", "path"),
])
def test_one_place_tells_the_source_kinds_apart(spec: str, kind: str):
    assert source_kind(spec) == kind

