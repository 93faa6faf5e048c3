"""Round 20 of issue 16: the builder of a new independent real set in Danish (Denmark's SKS,
chapter UX *Radiologiske procedurer*), whose labels come from the classification's own code
structure: the third letter names the technique group, the fourth the region group the exam is
filed under ("UXCA": *CT-skanninger af hoved*).  The names are not redistributed (SKS's terms
of use); the builder reads them from the R package that ships them (an XDR R data file).

Each test fails without its change (the builder had no SKS reader)."""
from __future__ import annotations

import bz2
import importlib.util
import struct
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _builder():
    spec = importlib.util.spec_from_file_location("build_real", ROOT / "scripts" / "build_real_descriptions.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _charsxp(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack(">ii", 0x00040009, len(data)) + data      # CHARSXP, UTF-8 flag


def _rda(codes: list[str], texts: list[str]) -> bytes:
    """An R ``save`` file of one data.frame with the two string columns kode and tekst, as R
    writes it (XDR, version 2, bzip2): a pairlist naming the object, a list of two string
    vectors, then their attributes (names, row names, class)."""
    out = b"RDX2\nX\n" + struct.pack(">iii", 2, 0x030500, 0x020300)
    out += struct.pack(">i", 0x00000402) + struct.pack(">i", 1) + _charsxp("sks_codes")   # LISTSXP tag: SYMSXP
    out += struct.pack(">ii", 0x00000313, 2)                                               # VECSXP of 2 columns
    for column in (codes, texts):
        out += struct.pack(">ii", 0x00000010, len(column)) + b"".join(_charsxp(c) for c in column)   # STRSXP
    out += struct.pack(">i", 0x00000402) + struct.pack(">i", 1) + _charsxp("names")
    out += struct.pack(">ii", 0x00000010, 2) + _charsxp("kode") + _charsxp("tekst")
    out += struct.pack(">i", 0x00000402) + struct.pack(">i", 1) + _charsxp("row.names")
    out += struct.pack(">iiii", 0x0000000D, 2, -2147483648, -len(codes))                   # compact row names
    out += struct.pack(">i", 0x000000FE) * 2
    return bz2.compress(out)


def test_sks_labels_come_from_the_code_structure():
    build = _builder()
    table = [
        ("UX", "Radiologiske procedurer"),                         # headings: left out
        ("UXCA", "CT-skanninger af hoved"),
        ("UXCA00", "CT-skanning af cerebrum"),                     # CT, head group
        ("UXCD", "CT-skanninger af abdomen og baekken"),
        ("UXCD75", "CT-skanning af blaere"),                       # CT abdomen og baekken: abdomen, pelvis
        ("UXRD", "Roentgenundersoegelser af abdomen"),
        ("UXRD75", "Cystografi"),                                  # radiography "abdomen": the abdomen alone
        ("UXRG", "Roentgenundersoegelser af underekstremitet"),
        ("UXRG10", "Roentgenundersoegelse af baekken"),            # lower extremity group: pelvis, lower extremity
        ("UXUH", "Ultralydsundersoegelse af hud og tilgraensende struktur"),
        ("UXUH00", "Ultralydsundersoegelse af hud"),               # ultrasound H (skin): no region
        ("UXMH", "MR-skanning af hele kroppen"),
        ("UXMH00", "MR-skanning af hele kroppen"),                 # MR H: the whole body
        ("UXAL00", "Lymfografi af lymfesystemet i truncus"),       # lymphography: no region
        ("UXRP10", "Roentgenundersoegelser af vaevsproeve fra bryst"),   # specimen: left out
        ("UXZ10", "Kontrast"),                                     # add-on code: left out
        ("KGBC15", "Not radiology"),                               # another chapter: left out
    ]
    blob = _rda([c for c, _ in table], [t for _, t in table])
    extract = build.sks_extract(blob)
    assert [e["code"] for e in extract] == ["UXCA00", "UXCD75", "UXRD75", "UXRG10", "UXUH00", "UXMH00", "UXAL00", "UXRP10", "UXZ10"]
    assert extract[0] == {"code": "UXCA00", "group": "CT-skanninger af hoved", "text": "CT-skanning af cerebrum"}
    rows = {r["id"]: r for r in build.sks_rows(extract)}
    assert set(rows) == {"SKSUXCA00", "SKSUXCD75", "SKSUXRD75", "SKSUXRG10", "SKSUXUH00", "SKSUXMH00", "SKSUXAL00"}
    head, face, abdomen, pelvis, lower, whole = "RID9080", "RID13284", "RID56", "RID2507", "RID2638", "RID39569"
    assert (rows["SKSUXCA00"]["modality"], rows["SKSUXCA00"]["region_any"]) == ("RID10321", f"{head}+{face}")
    assert rows["SKSUXCD75"]["region_any"] == f"{abdomen}+{pelvis}"
    assert (rows["SKSUXRD75"]["modality"], rows["SKSUXRD75"]["region_any"]) == ("RID10345", abdomen)
    assert rows["SKSUXRG10"]["region_any"] == f"{pelvis}+{lower}"
    assert (rows["SKSUXUH00"]["modality"], rows["SKSUXUH00"]["region_any"]) == ("RID10326", "")
    assert (rows["SKSUXMH00"]["modality"], rows["SKSUXMH00"]["region_any"]) == ("RID10312", whole)
    assert (rows["SKSUXAL00"]["modality"], rows["SKSUXAL00"]["region_any"]) == ("RID49584", "")
    assert {r["lang"] for r in rows.values()} == {"da"}
    assert all(r["split"] == build.split_of("sks", r["text"]) for r in rows.values())


def test_sks_reader_refuses_what_is_not_an_r_data_file():
    build = _builder()
    with pytest.raises(ValueError):
        build.sks_extract(bz2.compress(b"PK\x03\x04 not R"))


def _bench():
    spec = importlib.util.spec_from_file_location("bench_normalize", ROOT / "benchmarks" / "normalize.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reviewed_rows(bench) -> list[dict]:
    ids = set(bench.reviewed_filings())
    rows = []
    for path in sorted((ROOT / "tests" / "data").glob("descriptions_real_*.csv")):
        if path.name != "descriptions_real_filings.csv":
            rows += [r for r in bench.load_real(path) if r["id"] in ids]
    return rows


def test_reviewed_filings_are_development_rows_outside_their_group():
    """A filing is reviewed on the development part only, and its reviewed answer lies outside
    the region group the source files the exam under (else it would not be wrong)."""
    bench = _bench()
    filings = bench.reviewed_filings()
    rows = _reviewed_rows(bench)
    assert {r["id"] for r in rows} == set(filings)
    for row in rows:
        assert row["split"] == "dev", row["id"]
        allowed = bench._codes(row["region_any"])
        assert allowed and bench.judge_any(filings[row["id"]], allowed) == "wrong", row["id"]


def test_filings_are_counted_apart_without_changing_the_headline(tmp_path, monkeypatch):
    """The confidently wrong count stays what it is; a reviewed filing is counted apart only
    while curator still gives the reviewed answer."""
    bench = _bench()
    rows = _reviewed_rows(bench)
    stats = bench.evaluate_real(rows)["stats"]["body_region"]
    assert stats["conf_wrong"] == len(rows) == stats["conf_wrong_filing"]
    other = tmp_path / "filings.csv"
    other.write_text("id,answer,group,reason\n" + "".join(f"{r['id']},RID1243,x,y\n" for r in rows), encoding="utf-8")
    monkeypatch.setattr(bench, "FILINGS", other)          # every reviewed answer now differs from curator's
    stats = bench.evaluate_real(rows)["stats"]["body_region"]
    assert (stats["conf_wrong"], stats["conf_wrong_filing"]) == (len(rows), 0)


def _regions(text: str, modality: str | None = None) -> list[tuple[str, bool]]:
    from curator.normalize import CONFIDENT, normalize_description
    values = normalize_description(text, modality=modality)["body_region"] or []
    return sorted((v["label"], v["confidence"] >= CONFIDENT) for v in values)


def test_dutch_plurals():
    """Dutch plurals of one-word region terms: -ie -> -ieen (knieën), -el/-er -> +s, else +en."""
    assert _regions("X-knieën bdz", "DX") == [("knee", True)]
    assert _regions("X voeten beiderzijds", "DX") == [("foot", True)]
    assert _regions("X enkels bdz", "DX") == [("ankle", True)]
    assert _regions("MRI schouders", "MR") == [("shoulder girdle", True)]
    # guard: a stem whose plural doubles a consonant gives no guessed spelling ("nekken")
    assert _regions("X nekken", "DX") == []


def test_german_latin_spellings():
    """German writes Latin anatomy with k/z or with c: both spellings are the same term."""
    assert _regions("Duplex Carotiden", "US") == [("set of carotid arteries", True)]
    assert _regions("Doppler Carotis", "US") == [("set of carotid arteries", True)]
    assert _regions("Karotis Doppler", "US") == [("set of carotid arteries", True)]   # the listed spelling
    assert _regions("Coronarangiographie", "XA") == [("heart", True)]
    assert _regions("CT Cervicothoracaler Übergang", "CT") == [("cervicothoracic spine region", True)]
    assert _regions("MRT Pancreasgang", "MR") == [("set of pancreatic ducts", True)]


def test_polish_multi_word_terms_in_the_genitive():
    """Polish names put a multi-word term in the genitive ("TK odcinka szyjnego kręgosłupa": of
    the cervical segment of the spine): each word of a listed term takes its genitive ending."""
    assert _regions("TK odcinka szyjnego kręgosłupa", "CT") == [("cervical vertebral column", True)]
    assert _regions("RTG odcinka piersiowego kręgosłupa", "DX") == [("thoracic spine region", True)]
    assert _regions("TK odcinka lędźwiowo-krzyżowego", "CT") == [("lumbosacral spine region", True)]
    assert _regions("RTG przejścia piersiowo-lędźwiowego", "DX") == [("thoracolumbar spine region", True)]
    assert _regions("RTG stawów kolanowych", "DX") == [("knee", True)]        # genitive plural
    assert _regions("RTG stawów skokowych", "DX") == [("ankle", True)]
    # guard: the listed genitive forms read as before
    assert _regions("TK klatki piersiowej", "CT") == [("thorax", True)]
