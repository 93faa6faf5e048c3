"""Text whose bytes are not its declared Specific Character Set (tests/charset19_archive.py): one
decision (curator/dicom/textcodec.py, rules in mappings/charsets.yaml) read by the scan and index,
the audit, both de-identification paths, the leak check and publish.  Each wrong file is compared
with its twin declared right; the controls must read exactly as declared."""
from __future__ import annotations

import io
import sys
import warnings
from pathlib import Path

import pydicom
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import charset19_archive as c19  # noqa: E402

WRONG = [f for f in c19.FILES if f.label]
_TERMS = {"utf-8": "ISO_IR 192", "gb18030": "GB18030", "latin-1": "ISO_IR 100", "shift_jis": "ISO_IR 192",
          "cp1252": "ISO_IR 192", "cp1251": "ISO_IR 192"}


def _twin(f: c19.File, n: int) -> pydicom.Dataset:
    """The file's dataset declared right (its text as str, written by pydicom in the declared set)."""
    ds = c19._dataset(f, n)
    ds.SpecificCharacterSet = _TERMS[f.codec]
    return ds


def _read(path: Path) -> pydicom.Dataset:
    from curator.dicom.header import read_header

    with open(path, "rb") as fp:
        return read_header(fp, path.stat().st_size)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("charset19")
    planted = c19.build(root / "archive")
    for n, f in enumerate(c19.FILES):
        if f.label:
            c19.write(_twin(f, n), root / "twins" / f.site / "1.dcm")
    return {"root": root, "planted": planted}


@pytest.mark.parametrize("f", c19.FILES, ids=lambda f: f.site)
def test_each_file_is_read_in_the_set_its_bytes_are_in(archive, f):
    """The header reader (scan, audit, publish) reads the name, the description, the comment and the
    text of a sequence item as written; a control reads as declared (no label)."""
    from curator.dicom.textcodec import reading_of

    ds = _read(archive["root"] / "archive" / f.site / "1.dcm")
    assert reading_of(ds).label == f.label
    assert str(ds.PatientName) == f.name
    assert ds.StudyDescription == f.description
    assert ds.ImageComments == f.comment
    assert ds.RequestAttributesSequence[0].RequestedProcedureDescription == f.description


def test_the_index_reads_a_wrong_declaration_as_its_twin_declared_right(archive):
    """Before: "TC TÓRAX C+" in UTF-8 under ISO_IR 100 indexed as "TC TÃ\\x93[-] C+" (the cleaning
    removed the unknown word), GB18030 and Shift-JIS text as Latin-1 letters."""
    import pandas as pd
    from typer.testing import CliRunner

    from curator.cli import app

    root = archive["root"]
    frames = {}
    for name in ("archive", "twins"):
        result = CliRunner().invoke(app, ["scan", str(root / name), "--index", str(root / f"{name}.parquet"), "-w", "1",
                                          "--full-paths"])
        assert result.exit_code == 0, result.output
        frames[name] = pd.read_parquet(root / f"{name}.parquet").set_index("site")
    wrong, twins = frames["archive"], frames["twins"]
    for f in WRONG:
        for column in ("study_description", "series_description"):
            assert str(wrong.loc[f.site, column]) == str(twins.loc[f.site, column]), (f.site, column)
    assert {site: wrong.loc[site, "text_charset"] for site in wrong.index if isinstance(wrong.loc[site, "text_charset"], str)} == \
        {f.site: f.label for f in WRONG}


def test_the_audit_counts_the_files_per_declared_and_actual_set(archive):
    from curator.analyses.audit import build_report
    from curator.index.store import read_index

    root = archive["root"]
    index = root / "archive.parquet"
    if not index.exists():
        test_the_index_reads_a_wrong_declaration_as_its_twin_declared_right(archive)
    report = build_report(read_index(index))
    expected = sorted(({"declared": f.label.split(" -> ")[0], "read_as": f.label.split(" -> ")[1], "instances": 1}
                       for f in WRONG), key=lambda r: (r["declared"], r["read_as"]))
    assert report["character_sets"] == expected
    finding = [x for x in report["findings"] if x["code"] == "text_charset_mismatch"]
    assert finding and finding[0]["count"] == len(WRONG) and finding[0]["severity"] == "warning"


# --- every command and tier -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(archive) -> dict:
    import plants

    root = archive["root"] / "runs"
    root.mkdir()
    folders, console = plants.every_output(root, archive["planted"].root)
    return {"root": root, "planted": archive["planted"], "folders": folders, "hits": plants.leaks(folders, archive["planted"], console)}


def test_every_plant_is_in_the_archive(runs):
    import plants

    planted = runs["planted"]
    assert {value for _, value, _ in plants.leaks([planted.root], planted)} == {p.value for p in planted.plants}


def test_no_plant_in_any_output(runs):
    """Every name word, record and accession number in every output of every command and tier,
    searched in UTF-8, UTF-16, Latin-1, Windows-1252/1251, Shift-JIS, GB18030... (tests/plants.py)."""
    from leakrun import where_found

    assert not runs["hits"], "\n".join(where_found(runs["hits"], runs["root"]))


def _released(runs) -> list[Path]:
    return [p for folder in ("deid", "deid-restricted", "deid-public", "release") for p in sorted((runs["root"] / folder).rglob("*.dcm"))]


def test_released_files_declare_the_set_their_bytes_are_in(runs):
    """Each released file's declaration is honoured by its bytes (the one decision reads it as
    declared) and pydicom decodes every text value without a warning; no file without a declaration
    holds a byte over 0x7F."""
    from curator.dicom.textcodec import decide, text_bytes

    paths = _released(runs)
    assert len(paths) == 4 * len(c19.FILES)
    for path in paths:
        ds = pydicom.dcmread(path)
        declared = ds.get("SpecificCharacterSet")
        values = [declared] if isinstance(declared, str) else list(declared or [])
        reading = decide(values, list(text_bytes(ds)))
        assert not reading.changed, (path, reading)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ds = pydicom.dcmread(path)
            for element in ds.iterall():
                _ = element.value


@pytest.mark.parametrize("tier", ["deid", "deid-restricted"])
def test_controlled_tiers_keep_the_clinical_words(runs, tier):
    """Before: the accented words of the UTF-8, Windows-1252 and Windows-1251 files went (read as
    Latin-1, "TÃ\\x93RAX" is no word of the allowlist)."""
    released = [pydicom.dcmread(path) for path in sorted((runs["root"] / tier).rglob("*.dcm"))]
    text = " ".join(str(ds.get(k, "")) for ds in released for k in ("ImageComments", "StudyDescription", "SeriesDescription"))
    assert [(f.site, w) for f in c19.FILES for w in f.kept if w not in text] == []


def _texts(folder: Path) -> dict[str, tuple[str, ...]]:
    """Per released file (by its pseudonymous Patient ID): its declaration and text values, in file order."""
    out = {}
    for path in sorted(folder.rglob("*.dcm")):
        ds = pydicom.dcmread(path)
        out[str(ds.PatientID)] = tuple(str(e.value) for e in ds.iterall() if e.VR in c19._TEXT_VRS)
    return out


def test_a_wrong_declaration_is_released_as_its_twin_declared_right(runs, archive, tmp_path):
    """The text released from each wrong file is the text released from its twin declared right
    (same pseudonyms: the twins' Patient IDs are the same)."""
    from typer.testing import CliRunner

    from curator.cli import app

    result = CliRunner().invoke(app, ["deid", str(archive["root"] / "twins"), str(tmp_path / "twins"), "--key",
                                      str(runs["root"] / "key"), "--workers", "1", "--access", "restricted"])
    assert result.exit_code == 0, result.output
    released, twins = _texts(runs["root"] / "deid-restricted"), _texts(tmp_path / "twins")
    assert len(twins) == len(WRONG)
    assert {k: v for k, v in released.items() if k in twins} == twins


def test_deid_of_the_same_archive_gives_the_same_bytes(runs, tmp_path):
    from typer.testing import CliRunner

    from curator.cli import app

    result = CliRunner().invoke(app, ["deid", str(runs["planted"].root), str(tmp_path / "again"), "--key", str(runs["root"] / "key"),
                                      "--workers", "1"])
    assert result.exit_code == 0, result.output
    first = {p.relative_to(runs["root"] / "deid"): p.read_bytes() for p in (runs["root"] / "deid").rglob("*.dcm")}
    again = {p.relative_to(tmp_path / "again"): p.read_bytes() for p in (tmp_path / "again").rglob("*.dcm")}
    assert first == again


# --- the byte path ----------------------------------------------------------------------------------


def test_the_byte_path_hands_a_wrong_declaration_to_the_dataset_path(archive):
    """The byte path reads text as declared: a file whose text is not its declared set goes to the
    pydicom path (which reads it as found); a Latin-1 control stays on the byte path."""
    from curator.deid.engine import Engine, PatientContext
    from curator.deid.fastpath import FastEngine, Unsupported
    from curator.deid.profile import load_profile

    engine = FastEngine(Engine(load_profile("research"), b"k" * 32))
    for site, refused in (("LISBOA_GE", True), ("PARIS_GE", True), ("COIMBRA_GE", False)):
        data = (archive["root"] / "archive" / site / "1.dcm").read_bytes()
        try:
            engine.deidentify_bytes(data, PatientContext("p", frozenset()))
        except Unsupported:
            assert refused, site
        else:
            assert not refused, site


# --- bytes no set decodes ---------------------------------------------------------------------------


@pytest.mark.parametrize("declared, raw", [
    ("ISO_IR 192", b"CT \x81\x8d\x8f\x90\x9d T2"),  # not UTF-8, undefined in Windows-1252: Latin-1
    ("GB18030", b"\xff\xfe\x80\x80 CT"),  # not GB18030, not Shift-JIS, not UTF-8
    (None, b"\xff\xff\xff\xff"),
])
def test_undecodable_bytes_give_a_release_without_a_traceback(tmp_path, declared, raw):
    from typer.testing import CliRunner

    from conftest import write_fixed_key

    from curator.cli import app
    from curator.dicom.textcodec import decide, text_bytes

    f = c19.FILES[0]
    ds = c19._dataset(f, 0)
    c19._encoded(ds, "utf-8")
    ds.StudyDescription = raw + (b" " if len(raw) % 2 else b"")
    if declared:
        ds.SpecificCharacterSet = declared
    c19.write(ds, tmp_path / "src" / "A" / "1.dcm")
    write_fixed_key(tmp_path / "key")
    result = CliRunner().invoke(app, ["deid", str(tmp_path / "src"), str(tmp_path / "out"), "--key", str(tmp_path / "key"), "-w", "1"])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    [out] = list((tmp_path / "out").rglob("*.dcm"))
    written = pydicom.dcmread(out)
    charset = written.get("SpecificCharacterSet")
    assert not decide([charset] if isinstance(charset, str) else list(charset or []), list(text_bytes(written))).changed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for element in pydicom.dcmread(io.BytesIO(out.read_bytes())).iterall():
            _ = element.value


def test_two_instances_of_a_series_read_alike_only_when_their_text_bytes_are_alike(tmp_path):
    """The header pass reuses a series' facts (identifier values among them) for every instance
    whose bytes it keys alike (curator.deid.fastpath.facts_key).  The key held names and probe
    elements only: an instance whose comment is Latin-1 and one whose comment is UTF-8 shared one
    key although the one decision reads them differently (value by value / all UTF-8; before
    values were read value by value, the first's name was "GonÃ§alves", the second's "Gonçalves")."""
    from curator.deid.fastpath import facts_key
    from curator.deid.scrub import scrub_rules
    from curator.dicom.header import read_header_source

    keys = []
    for n, comment in enumerate(("coração normal".encode("latin-1"), "coração normal".encode("utf-8"))):
        ds = c19._dataset(c19.FILES[0], 0)
        c19._encoded(ds, "utf-8")
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = f"{ds.SOPInstanceUID}.{n}"
        ds.ImageComments = comment + (b" " if len(comment) % 2 else b"")
        ds.SpecificCharacterSet = "ISO_IR 100"
        path = tmp_path / f"{n}.dcm"
        c19.write(ds, path)
        data = path.read_bytes()
        header = read_header_source(io.BytesIO(data), len(data))
        rules = scrub_rules()
        keys.append(facts_key(data, header.source, rules.collect_vrs, rules.collect_tags))
        assert str(header.dataset.PatientName) == "Gonçalves^João Tomé"
        assert header.dataset.ImageComments == "coração normal"
    assert keys[0] is not None and keys[1] is not None
    assert keys[0][0] != keys[1][0]


@pytest.mark.parametrize("declared, values, actual", [
    # a name in UTF-8 (from the worklist) and a comment in Latin-1 (typed at the modality): each value
    # read as what it is, not as Shift-JIS (the UTF-8 pairs C3 A7 are half-width "ﾃｧ", Latin-1 "çã" a kanji)
    ("ISO_IR 100", ["Gonçalves^João".encode(), "coração normal".encode("latin-1")], "UTF-8 + ISO_IR 100"),
    ("", ["Gonçalves^João".encode(), "coração normal".encode("latin-1")], "UTF-8 + ISO_IR 100"),
    ("", ["Gonçalves^João".encode(), "coração – normal".encode("cp1252")], "UTF-8 + Windows-1252"),
    ("ISO_IR 192", ["Gonçalves^João".encode(), "coração normal".encode("latin-1")], "UTF-8 + ISO_IR 100"),
    # Latin-1 capitals are half-width katakana in Shift-JIS ("SÃO" is "SﾃO")
    ("ISO_IR 100", ["SÃO JOÃO AÇÃO".encode("latin-1"), "ÄÖÜ".encode("latin-1")], "ISO_IR 100"),
    # two Cyrillic capitals can be a UTF-8 sequence ("ЧА" is C7 B0, UTF-8 "ǰ")
    ("ISO_IR 144", ["ЧА".encode("iso8859_5")], "ISO_IR 144"),
    ("ISO_IR 144", ["ИВАНОВА^МАРИЯ".encode("iso8859_5"), "КТ грудной клетки".encode("iso8859_5")], "ISO_IR 144"),
    ("ISO_IR 126", ["ΠΑΠΑΔΟΠΟΥΛΟΣ".encode("iso8859_7")], "ISO_IR 126"),
    ("ISO_IR 192", ["MÜLLER".encode("utf-8")], "ISO_IR 192"),
    ("GB18030", ["王^小明".encode("gb18030"), "胸部".encode("gb18030")], "GB18030"),
    # wrong
    ("ISO_IR 144", ["ИВАНОВА^МАРИЯ".encode("utf-8")], "UTF-8"),
    ("ISO_IR 126", ["ΠΑΠΑΔΟΠΟΥΛΟΣ".encode("utf-8")], "UTF-8"),
    ("ISO_IR 192", ["MÜLLER".encode("latin-1")], "Windows-1252"),
    ("ISO_IR 192", ["王^小明".encode("gb18030"), "胸部CT平扫".encode("gb18030")], "GB18030"),
    ("GB18030", ["王^小明".encode("utf-8"), "胸部".encode()], "UTF-8"),
    ("", ["ヤマダ^タロウ".encode("shift_jis")], "Shift_JIS"),
    ("", ["ﾔﾏﾀﾞ^ﾀﾛｳ".encode("shift_jis")], "Shift_JIS"),
    ("", ["김^민수".encode("utf-8")], "UTF-8"),
])
def test_the_decision(declared, values, actual):
    from curator.dicom.textcodec import decide

    assert decide(declared.split("\\"), values).actual == actual


def test_a_file_with_utf8_and_latin1_values_is_released_in_utf8_without_its_name(tmp_path):
    """Before, the UTF-8 name beside a Latin-1 comment was read as Latin-1 ("GonÃ§alves"): released
    still UTF-8 bytes under ISO_IR 100.  Now each value is read as what it is, the file written in UTF-8."""
    from typer.testing import CliRunner

    from conftest import write_fixed_key

    from curator.cli import app

    ds = c19._dataset(c19.FILES[0], 0)
    c19._encoded(ds, "utf-8")
    ds.ImageComments = "TC tórax: nódulo 4 mm".encode("latin-1") + b" "
    ds.SpecificCharacterSet = "ISO_IR 100"
    c19.write(ds, tmp_path / "src" / "A" / "1.dcm")
    write_fixed_key(tmp_path / "key")
    result = CliRunner().invoke(app, ["deid", str(tmp_path / "src"), str(tmp_path / "out"), "--key", str(tmp_path / "key"), "-w", "1"])
    assert result.exit_code == 0, result.output
    [out] = list((tmp_path / "out").rglob("*.dcm"))
    data = out.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        written = pydicom.dcmread(io.BytesIO(data))
        assert written.SpecificCharacterSet == "ISO_IR 192"
        assert written.ImageComments == "TC tórax: nódulo 4 mm"
        assert written.StudyDescription == "TC TÓRAX C+"
    for word in ("Gonçalves", "João", "Tomé", "LX4471902"):
        for codec in ("utf-8", "latin-1", "cp1252"):
            assert word.encode(codec) not in data
