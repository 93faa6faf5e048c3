"""Scaffolding the red-team archives share (red team 14 on): planted strings, writing DICOM files,
the commands run over an archive in every access tier, and the search of every output for the plants.

Earlier generators (tests/redteam*_archive.py before round 14) carry their own copies; they keep them
(what their tests check does not change).  New generators import from here, and a round's test file
takes its ``runs`` fixture and its two search tests from :func:`archive_runs`,
:func:`every_plant_is_in_the_archive` and :func:`no_plant_in_any_output`."""
from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian

import redteam13_archive as r13
from redteam7_archive import Plant, Planted

__all__ = ["HEADER", "Plant", "Planted", "archive_runs", "code", "dataset", "every_output", "header_plants", "leaks",
           "no_plant_in_any_output", "pixels", "sequence", "uid", "every_plant_is_in_the_archive", "write"]

ACCESS_TIERS = ("restricted", "public")
HEADER = "patient name, ID, birth date or accession number as the header writes them"


def uid(root: str, key: str, n: int) -> str:
    """A UID below ``root``, fixed for (``key``, ``n``), that holds no planted number."""
    return f"{root}.{int(hashlib.sha256(f'{key}/{n}'.encode()).hexdigest()[:12], 16)}.{n}"


def dataset(sop_class: str, sop_instance: str) -> Dataset:
    """An empty dataset with its file meta (Explicit VR Little Endian)."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = sop_instance
    return ds


def code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def pixels(ds: Dataset, rows: int = 16, frames: int = 1) -> None:
    """A small monochrome image (a gradient: no text in it)."""
    ds.Rows = ds.Columns = rows
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    if frames > 1:
        ds.NumberOfFrames = frames
    image = (np.arange(rows * rows * frames, dtype=np.uint16) % 4096).reshape(frames, rows, rows)
    ds.PixelData = image.tobytes()


def sequence(*items: Dataset) -> Sequence:
    return Sequence(list(items))


def write(ds: Dataset, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)


def every_output(root: Path, source: Path, formats: Iterable[str] = ("json", "html", "text")) -> tuple[list[Path], dict[str, str]]:
    """audit (each format), deid, publish, validate (tests/leakrun.py) and deid in each access tier of
    ``source`` below ``root``; each must exit 0.  Returns the output folders and the console output."""
    from leakrun import run_every_command
    from typer.testing import CliRunner

    from curator.cli import app

    console = run_every_command(root, source, formats)
    runner = CliRunner()
    for access in ACCESS_TIERS:
        result = runner.invoke(app, ["deid", str(source), str(root / f"deid-{access}"), "--key", str(root / "key"),
                                     "-w", "1", "--access", access])
        assert result.exit_code == 0, result.output
        console[f"deid --access {access}"] = result.output
    folders = [root / name for name in ("audit", "deid", "release", *(f"deid-{a}" for a in ACCESS_TIERS))]
    return folders, console


def header_plants(person: Any, plants: list[Plant], words: tuple[str, ...]) -> None:
    """The identifiers a person's header holds as written (``person``'s ``mrn``, ``accession`` and
    ``birth``) and the name ``words``, planted as :data:`HEADER`."""
    plants += [Plant(person.mrn, HEADER), Plant(person.accession, HEADER), Plant(person.birth, HEADER)]
    plants += [Plant(w, HEADER) for w in words]


def archive_runs(root: Path, build: Callable[[Path], Planted]) -> dict:
    """The archive ``build`` writes below ``root`` through :func:`every_output`, with every plant
    :func:`leaks` finds: ``{"root", "planted", "hits"}`` (a round's module fixture ``runs``)."""
    planted = build(root / "archive")
    folders, console = every_output(root, planted.root)
    return {"root": root, "planted": planted, "hits": leaks(folders, planted, console)}


def every_plant_is_in_the_archive(runs: dict) -> None:
    """The search finds every plant in the archive itself (it can find what it looks for)."""
    planted = runs["planted"]
    assert {value for _, value, _ in leaks([planted.root], planted)} == {p.value for p in planted.plants}


def no_plant_in_any_output(runs: dict) -> None:
    from leakrun import where_found

    assert not runs["hits"], "\n".join(where_found(runs["hits"], runs["root"]))


def leaks(folders: list[Path], planted: Planted, console: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """Every (where, plant, surface) found below ``folders`` and in ``console``: round 13's search
    (every file and file name in UTF-8, UTF-16 and the code pages of rounds 7-13, zip and tar members,
    Parquet cells; folded, so accents, case and NFC/NFD do not matter), and each plant with letters
    outside ASCII also unfolded, in its composed (NFC) and decomposed (NFD) forms, in the UTF-8 text."""
    hits = r13.leaks(folders, planted, console)
    forms = [(plant, {unicodedata.normalize(f, plant.value) for f in ("NFC", "NFD")})
             for plant in planted.plants if not plant.value.isascii() and not plant.word]
    sources = [(name, text) for name, text in (console or {}).items()]
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix != ".parquet":
                where = f"{folder.name}/{path.relative_to(folder).as_posix()}"
                sources.append((where, where + "\n" + path.read_bytes().decode("utf-8", "replace")))
    hits += [(where, plant.value, plant.surface) for where, text in sources for plant, values in forms
             if any(value in text for value in values)]
    return sorted(set(hits))
