"""Both passes of ``curator deid`` send a series' files to a worker together (issue 18).

A worker works out a series' header facts and its de-identified elements once and
remembers them (``run._FACTS``, ``FastEngine``'s memo): series of 12 slices sent in
batches of 8 straddled batches, hence both workers, which then did that work twice.
A batch of at least ``BATCH`` items now goes on while its items are of one series (one
folder in the header pass, one output folder in the writing pass), up to
``SERIES_BATCH``, when there is more than one worker; items sent as their bytes (archive
members) stay in batches of ``BATCH``.  Real runs (two workers) on synthetic CT slices;
the batches are those the run's process hands to its workers."""
from __future__ import annotations

import os
import zipfile

import pytest

from curator.deid import run
from curator.deid.run import DeidOptions, deidentify
from curator.testing import synthetic as syn

KEY = b"series-batches-key-0123456789abc"


def _source(folder, series: int, slices: int) -> None:
    for number in range(series):
        study = syn.Study(site=syn.SITES[0], patient=syn.synthetic_patient(1 + number // 2), number=1, description="CT THORAX")
        syn.write_ct_series(folder / f"s{number}", slices, study, series_number=1 + number, rows=32, columns=32, seed=number)


def _recorded(monkeypatch, most: int | None = None) -> dict[str, list[list]]:
    """The batches each pass hands to its executor (``"scan"``, then ``"write"``), as the
    run's process cuts them; ``most``: another ``SERIES_BATCH``."""
    batches: dict[str, list[list]] = {"scan": [], "write": []}
    real = run._batches

    def recording(tasks, size=run.BATCH, group=None, limit=run.SERIES_BATCH):
        found = batches["write" if batches["scan"] else "scan"]
        for batch in real(tasks, size, group, limit if most is None else most):
            found.append(list(batch))
            yield batch

    monkeypatch.setattr(run, "_batches", recording)
    return batches


def test_a_series_goes_to_a_worker_in_one_batch(tmp_path, monkeypatch) -> None:
    source = tmp_path / "src"
    _source(source, series=3, slices=12)
    batches = _recorded(monkeypatch)
    report = deidentify(source, tmp_path / "out", key=KEY, options=DeidOptions(profile="research", workers=2))
    assert report["counts"]["written"] == 36
    scan_folders = [{os.path.dirname(ref[1]) for _, ref, _ in batch} for batch in batches["scan"]]
    assert [len(batch) for batch in batches["scan"]] == [12, 12, 12]
    assert all(len(folders) == 1 for folders in scan_folders)
    write_folders = [{os.path.dirname(task[3]) for _, _, task in batch} for batch in batches["write"]]
    assert [len(batch) for batch in batches["write"]] == [12, 12, 12]
    assert all(len(folders) == 1 for folders in write_folders)


def test_a_long_series_is_cut_and_small_series_share_a_batch(tmp_path, monkeypatch) -> None:
    """A series longer than ``SERIES_BATCH`` is cut (every worker gets work); series shorter
    than ``BATCH`` fill a batch of ``BATCH`` together (no round trip per tiny series)."""
    source = tmp_path / "src"
    _source(source, series=1, slices=45)
    for number in range(4):
        study = syn.Study(site=syn.SITES[1], patient=syn.synthetic_patient(9), number=2, description="CT HEAD")
        syn.write_ct_series(source / f"t{number}", 3, study, series_number=10 + number, rows=32, columns=32, seed=10 + number)
    batches = _recorded(monkeypatch, most=20)
    deidentify(source, tmp_path / "out", key=KEY, options=DeidOptions(profile="research", workers=2))
    sizes = [len(batch) for batch in batches["scan"]]
    # the long series cut at SERIES_BATCH; its last 5 and the first small series fill a batch of
    # BATCH; then three series of 3: past BATCH only within a series
    assert sizes == [20, 20, 8, 9]
    assert [len(batch) for batch in batches["write"]] == sizes


def test_archive_members_stay_in_small_batches(tmp_path, monkeypatch) -> None:
    """Items sent as their bytes are held in memory while in flight: batches of ``BATCH``."""
    folder = tmp_path / "series"
    paths = syn.write_ct_series(folder, 20, rows=32, columns=32)
    archive = tmp_path / "src" / "one.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as handle:
        for path in paths:
            handle.write(path, f"series/{path.name}")
    batches = _recorded(monkeypatch)
    report = deidentify(archive.parent, tmp_path / "out", key=KEY, options=DeidOptions(profile="research", workers=2))
    assert report["counts"]["written"] == 20
    assert [len(batch) for batch in batches["scan"]] == [8, 8, 4]
    assert [len(batch) for batch in batches["write"]] == [8, 8, 4]


@pytest.fixture(autouse=True)
def _quiet():
    with run.quiet_pydicom():
        yield
