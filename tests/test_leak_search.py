"""The red-team leak search itself: a Parquet file is searched by its cells and metadata,
not by its compressed bytes read in a dozen codecs (those are salted, random from one
index to the next, and turn into a plant by chance: session 13's one-off failure of
test_redteam10::test_no_plant_in_any_output in audit/index.parquet, notes/indexaudit13.md)."""
from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

import redteam10_archive as r10  # noqa: E402
import redteam11_archive as r11  # noqa: E402
from redteam7_archive import Plant, Planted  # noqa: E402

NAME = "محمد"  # red team 10's Saudi given name; U+FDF4 (ligature MOHAMMAD) folds to it


def _parquet(folder: Path, cells: list, metadata: dict[str, str] | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table({"cell": pa.array(cells)}).replace_schema_metadata(metadata)
    pq.write_table(table, folder / "index.parquet", compression="none")


def test_compressed_bytes_that_read_as_the_name_are_no_hit(tmp_path):
    """F4 FD read as UTF-16 is U+FDF4, which NFKD folds to "محمد": bytes of the file
    (at both alignments), not a value of it."""
    _parquet(tmp_path / "audit", [b"\xf4\xfd\xf4\xfd\xf4" * 8, b"\xef\xb7\xb4" * 4])
    data = (tmp_path / "audit" / "index.parquet").read_bytes()
    assert "\ufdf4" in data.decode("utf-16-le", "replace") or "\ufdf4" in data[1:].decode("utf-16-le", "replace")
    planted = Planted(tmp_path, (Plant(NAME, "test"),))
    for search in (r10.leaks, r11.leaks):
        assert search([tmp_path / "audit"], planted) == []


def test_the_name_in_a_cell_or_the_metadata_is_a_hit(tmp_path):
    """The search still finds the name where a reader of the index sees it."""
    planted = Planted(tmp_path, (Plant(NAME, "test"),))
    _parquet(tmp_path / "cells", ["AXIAL", f"x {NAME} y"])
    _parquet(tmp_path / "meta", ["AXIAL"], {"note": f"{NAME}"})
    for search in (r10.leaks, r11.leaks):
        assert [hit[1] for hit in search([tmp_path / "cells"], planted)] == [NAME]
        assert [hit[1] for hit in search([tmp_path / "meta"], planted)] == [NAME]


def test_round_one_search_reads_parquet_by_its_cells(tmp_path):
    """tests/adversarial.py's search (red team rounds 1-3) too: bytes of a Parquet file that
    read in Latin-1 as "ÒLGA" fold to the planted given name "olga" (CI 7 of session 18 found
    "olga" in the compressed bytes of audit/index.parquet); a cell or metadata value is a hit."""
    import adversarial

    plant = adversarial.Plant("Ольга Кузнецова", "name", ("olga",))
    _parquet(tmp_path / "bytes", [b"\xd2LGA" * 4])
    assert "olga" in adversarial.fold((tmp_path / "bytes" / "index.parquet").read_bytes().decode("latin-1"))
    assert adversarial.search([tmp_path / "bytes"], [plant]) == []
    _parquet(tmp_path / "cells", ["AXIAL", "x Olga y"])
    _parquet(tmp_path / "meta", ["AXIAL"], {"note": "Olga"})
    for folder in ("cells", "meta"):
        assert [hit[2] for hit in adversarial.search([tmp_path / folder], [plant])] == ["olga"], folder
