"""``deidentify(leak_digests=True)``: the leak record of the source (digests, token lengths,
key fingerprint) comes from the header pass (issue 18), equal to a separate serial read of
every item (``leak_record``)."""
from __future__ import annotations

from pathlib import Path

import pytest

from curator.deid.run import REPORT_NAME, DeidOptions, deidentify
from curator.deid.leakcheck import leak_record
from curator.sources.registry import open_source

COLLECTION = Path(__file__).resolve().parent.parent / "examples" / "collection"
KEY = b"leak-digest-test-key-0123456789ab"


@pytest.fixture(scope="module")
def expected() -> dict:
    return leak_record(open_source(COLLECTION).items(), KEY)


@pytest.mark.parametrize("workers", [1, 2])
def test_digests_of_the_header_pass_equal_a_separate_read(workers: int, expected: dict, tmp_path: Path) -> None:
    report = deidentify(COLLECTION, tmp_path / "out", key=KEY, options=DeidOptions(workers=workers, leak_digests=True))
    assert len(expected["identifier_digests"]) > 20  # the collection's planted names, IDs, addresses…
    assert expected["identifier_token_lengths"]
    assert {name: report[name] for name in expected} == expected
    assert '"identifier_digests"' in (tmp_path / "out" / REPORT_NAME).read_text(encoding="utf-8")


def test_without_the_option_the_report_has_no_digests(tmp_path: Path) -> None:
    report = deidentify(COLLECTION, tmp_path / "out", key=KEY, options=DeidOptions(workers=1))
    assert "identifier_digests" not in report
    assert "identifier_digests" not in (tmp_path / "out" / REPORT_NAME).read_text(encoding="utf-8")
