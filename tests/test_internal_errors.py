"""Curator's own bookkeeping is checked by real checks, not ``assert`` (issue 19): a run whose
outcomes do not account for every item of the source stops with ``error: internal error: …``
and exit status 3 (``python -O`` would skip an assert and write a wrong report)."""
from __future__ import annotations

from pathlib import Path

import pytest

from curator.testing import synthetic
from curator.cli import run
from curator.deid import run as deid_run
from curator.deid.pseudonyms import write_key
from curator.errors import ExitCode, InternalError


def test_the_accounting_check() -> None:
    deid_run._check_accounting(3, 1, 2, 6)
    with pytest.raises(InternalError) as err:
        deid_run._check_accounting(3, 1, 2, 7)
    assert err.value.exit_code == ExitCode.INTERNAL
    assert str(err.value).startswith("internal error: 3 written + 1 quarantined + 2 rejected do not account for the 7 items")


def test_a_run_that_loses_an_item_exits_3(tmp_path: Path, monkeypatch, capsys) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for i, ds in enumerate(synthetic.ct_series(n_slices=2)):
        ds.save_as(source / f"{i}.dcm", enforce_file_format=True)
    key = tmp_path / "key"
    write_key(key)
    outcomes = deid_run._Run._outcomes

    def one_twice(self):  # a bug: the same item counted as written and as rejected
        quarantined, rejected = outcomes(self)
        return quarantined, [*rejected, {"position": 1, "reason": "counted twice"}]

    monkeypatch.setattr(deid_run._Run, "_outcomes", one_twice)
    capsys.readouterr()
    code = run(["deid", str(source), str(tmp_path / "out"), "--key", str(key), "--workers", "1", "--k", "1"])
    err = capsys.readouterr().err
    assert code == ExitCode.INTERNAL
    assert "error: internal error: 2 written + 0 quarantined + 1 rejected do not account for the 2 items" in err
    assert "Traceback" not in err
