"""``curator normalize`` reads the exports hospitals make: Excel CSVs in cp1252 (Latin-1),
semicolon- or tab-separated, UTF-8 with a byte-order mark, UTF-16 "Unicode text"; an
undecodable file is an error naming the line, never quoting it (exit 2)."""
from __future__ import annotations

import csv
import io

import pytest
from test_normalize_batch import _run

from curator.errors import CuratorError
from curator.normalize.batch import read_descriptions

# A patient name in a row of an exam list is the kind of value an error must never quote.
ROWS = [("1", "TC TÓRAX CON CONTRASTE", "CT"), ("2", "RM RODILLA; DERECHA (Señora Muñoz)", "MR"),
        ("3", "Rö Thorax in 2 Ebenen", "DX")]


def _csv(delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["code", "description", "modality"])
    writer.writerows(ROWS)
    return buffer.getvalue()


@pytest.mark.parametrize(("delimiter", "encoding", "option"), [
    (";", "cp1252", "cp1252"), (",", "cp1252", "latin-1"), ("\t", "cp1252", "windows-1252"),
    (";", "utf-8-sig", "utf-8"), ("\t", "utf-16", "utf-16"),
])
def test_excel_exports_are_read_with_their_encoding_and_separator(tmp_path, delimiter, encoding, option):
    path = tmp_path / "exams.csv"
    path.write_bytes(_csv(delimiter).encode(encoding))
    rows = read_descriptions(path, option)
    assert [(row["description"], row["modality"]) for row in rows] == [(d, m) for _, d, m in ROWS]


def test_an_explicit_delimiter_wins_over_the_guess(tmp_path):
    path = tmp_path / "exams.csv"
    path.write_bytes(_csv(";").encode("utf-8"))
    assert len(read_descriptions(path, delimiter="semicolon")) == 3
    with pytest.raises(CuratorError, match="no 'description' column"):
        read_descriptions(path, delimiter="tab")


def test_an_undecodable_file_names_the_line_and_the_fix_and_quotes_nothing(tmp_path):
    path = tmp_path / "exams.csv"
    path.write_bytes(_csv(";").encode("cp1252"))
    out = tmp_path / "o.csv"
    proc = _run("normalize", str(path), "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and not out.exists()
    assert proc.stderr.strip() == "error: exams.csv: not valid utf-8 at line 2 (try --encoding cp1252)"
    proc = _run("normalize", str(path), "--out", str(out), "--encoding", "cp1252", cwd=tmp_path)
    assert proc.returncode == 0 and "Muñoz" in out.read_text(encoding="utf-8")  # output is UTF-8
    path.write_bytes(_csv("\t").encode("utf-16"))
    proc = _run("normalize", str(path), "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.strip() == "error: exams.csv: not valid utf-8 at line 1 (try --encoding utf-16)"


@pytest.mark.parametrize(("option", "message"), [
    (["--encoding", "klingon"], "error: --encoding: unknown encoding 'klingon'"),
    (["--delimiter", "pipe"], "error: --delimiter must be auto, comma, semicolon, tab"),
])
def test_bad_encoding_or_delimiter_is_a_usage_error(tmp_path, option, message):
    path = tmp_path / "exams.csv"
    path.write_text(_csv(","), encoding="utf-8")
    proc = _run("normalize", str(path), "--out", str(tmp_path / "o.csv"), *option, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.strip() == message
