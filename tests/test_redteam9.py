"""Red team, round 9: an independent archive (tests/redteam9_archive.py) of synthetic people in
Ukrainian, Bulgarian, Hebrew, Dutch, Spanish, Irish and English names and a patient named
Other, planted in SR PNAME/DATE items, RT ROI names, SEG labels, private sequences, Other
Patient IDs, a DICOMDIR, folder names, zip members and free text (national numbers, IBANs,
URIs, values split over lines, ISO 2022 escapes), through every command; then one test per
class it found, each on both de-identification paths and each failing without its fix
(figures in docs/deid.md and notes/redteam9.md)."""
from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curator.cli import app

sys.path.insert(0, str(Path(__file__).resolve().parent))

import redteam9_archive as r9  # noqa: E402
from test_redteam8 import _both, _ct, _identifiers  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


# --- the archive through every command ------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    from leakrun import run_every_command

    root = tmp_path_factory.mktemp("redteam9")
    planted = r9.build(root / "archive")
    console = run_every_command(root, planted.root, ("json", "html"))  # validate --key must pass too
    runner = CliRunner()
    extra = {
        "audit text -o -": ["audit", str(planted.root), "-f", "text", "-o", "-", "-w", "1"],
        "scan": ["scan", str(planted.root), "--index", str(root / "scan" / "index.parquet"), "-w", "1"],
        "deid --clean-pixels": ["deid", str(planted.root), str(root / "pixels"), "--key", str(root / "key"), "-w", "1",
                                "--clean-pixels"],
    }
    for name, args in extra.items():
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        console[name] = result.output
    hits = r9.leaks([root / name for name in ("audit", "scan", "deid", "pixels", "release")], planted, console)
    return {"planted": planted, "hits": hits, "root": root, "console": console}


def test_every_plant_is_in_the_archive(runs):
    planted = runs["planted"]
    assert len(planted.plants) >= 60
    assert {value for _, value, _ in r9.leaks([planted.root], planted)} == {p.value for p in planted.plants}


def test_no_plant_in_any_output(runs):
    """Audit (json, html, text on stdout, index), scan, deid (and --clean-pixels), publish and
    validate --key: no plant in any file, file name or console output.  On main before round 9
    (8aa6e30): 54 hits of 13 plants in 4 classes, and validate --key failed (notes/redteam9.md)."""
    assert runs["hits"] == []
    assert "identifiers: ok" in runs["console"]["validate"]


# --- both de-identification paths -----------------------------------------------------------


@pytest.mark.parametrize("name, label", [("Whitmore^William^Robert", "BILLY_SEG"), ("Whitmore^William^Robert", "BOBBY_1"),
                                         ("van der Berg^Johanna", "HANNEKE_SEG"), ("O'Sullivan^Siobhán", "SHIV_SEG"),
                                         ("Ярошенко^Олександр", "SASHA_1"), ("Ярошенко^Олександр", "ALEKSANDR"),
                                         ("Παπαδάκης^Χαράλαμπος", "HARIS_P")])
def test_a_diminutive_of_the_given_name_goes_from_a_code(name, label):
    """Billy for William, Hanneke for Johanna, Sasha and Aleksandr for Oleksandr, Haris for
    Charalampos: a form of the given name the header does not hold stayed in kept code strings
    (mappings/privacy/given-name-forms.yaml)."""
    ds = _ct(name=name)
    ds.ContentLabel = label
    for out in _both(ds):
        assert out.ContentLabel != label


@pytest.mark.parametrize("name, text, gone", [("van der Berg^Johanna", "roepnaam Hanneke, zus zegt Joke", {"Hanneke", "Joke"}),
                                              ("Whitmore^William^Robert", "wife calls him Rob, seen with Will", {"Rob", "Will"}),
                                              ("Whitmore^William^Robert", "pt Billy seen", {"Billy"})])
def test_a_diminutive_of_the_given_name_goes_from_free_text(name, text, gone):
    """Joke (Johanna), Rob (Robert), Will (William) are words of the word lists: free text kept
    them.  A form of the patient's given name that is a word goes where it is written as a name
    (capitalised, inside a sentence)."""
    ds = _ct(name=name)
    ds.ImageComments = text
    for out in _both(ds):
        assert not gone & set(out.ImageComments.replace(",", " ").split()), out.ImageComments


@pytest.mark.parametrize("text", ["patient will return, no rob", "Will repeat in 3 months. Rob", "NO CHANGE, WILL REVIEW"])
def test_ordinary_words_that_are_forms_of_the_given_name_stay(text):
    ds = _ct(name="Whitmore^William^Robert")
    ds.ImageComments = text
    for out in _both(ds):
        assert out.ImageComments == text


@pytest.mark.parametrize("name, label", [("Ярошенко^Олександр", "JAROSZENKO_SEG"), ("Ярошенко^Олександр", "JAROSCHENKO"),
                                         ("Ярошенко^Олександр", "JAROSHENKO_1"), ("Първанова^Цветелина", "ZVETELINA_SEG"),
                                         ("Първанова^Цветелина", "CWETELINA"), ("Ярошенко^Олександр^Іванович", "IWANOWITSCH")])
def test_a_cyrillic_name_in_a_polish_or_german_spelling_goes_from_a_code(name, label):
    """Cyrillic values were spelled in BGN/PCGN, scholarly and a simple system: the Polish
    (Jaroszenko), German (Jaroschenko, Zwetelina) and mixed spellings stayed in kept codes
    (mappings/transliteration.yaml ``polish``, ``german``, ``ukrainian``, ``bulgarian`` and
    ``latin_variants`` ``same_sounds``)."""
    ds = _ct(charset="ISO_IR 144", name=name)
    ds.ContentLabel = label
    for out in _both(ds):
        assert out.ContentLabel != label


@pytest.mark.parametrize("name, label", [("de la Fuente Ortega^María José", "DELAFUENTE_SEG"),
                                         ("de la Fuente Ortega^María José", "FUENTEORTEGA"),
                                         ("van der Rose^Anna", "VANDERROSE")])
def test_a_surname_with_particles_glued_goes_from_a_code(name, label):
    """"de la Fuente": Fuente is a Spanish word, and words never match in codes; the particles
    glued to it (DELAFUENTE) or the double surname glued (FUENTEORTEGA) stayed."""
    ds = _ct(name=name)
    ds.ContentLabel = label
    for out in _both(ds):
        assert out.ContentLabel != label


@pytest.mark.parametrize("name, label", [("Ярошенко^Олександр", "AXIAL_MEAS"), ("de la Fuente Ortega^María José", "SOURCE_1"),
                                         ("Whitmore^William^Robert", "WILL_DO"), ("Първанова^Цветелина", "PREVENT"),
                                         ("van der Berg^Johanna", "VANDAL"), ("Whitmore^William^Robert", "ROBOT")])
def test_codes_that_are_no_form_of_the_name_stay(name, label):
    ds = _ct(charset="ISO_IR 144" if not name.isascii() and "í" not in name else "ISO_IR 192", name=name)
    ds.ContentLabel = label
    for out in _both(ds):
        assert out.ContentLabel == label and list(out.ImageType) == ["ORIGINAL", "PRIMARY", "AXIAL"]


# --- validate --key and curator's own vocabulary ----------------------------------------------


def _release_with_sr(root: Path, name: str) -> Path:
    """A release of one patient named ``name``: two CTs, an SR, an RTSTRUCT and a SEG (modality
    family ``other``)."""
    from tests.conftest import write_fixed_key

    p = r9.Person("ot", name, "ISO_IR 192", "GB9036627", "19580221", "F", "RAD24-880327")
    source = root / "src" / "site-a"
    for n in (1, 2):
        r9._write(r9._ct(p, [], n), source / f"ct{n}.dcm")
    r9._write(r9._sr(p, []), source / "sr.dcm")
    r9._write(r9._rtstruct(p, []), source / "rs.dcm")
    r9._write(r9._seg(p, []), source / "seg.dcm")
    write_fixed_key(root / "key")
    result = CliRunner().invoke(app, ["publish", str(root / "src"), str(root / "release"), "--key", str(root / "key"),
                                      "--config", str(ROOT / "examples" / "release.yaml"), "-w", "1",
                                      "--release-date", "2026-11-30"])
    assert result.exit_code == 0, result.output
    return root / "release"


def test_validate_passes_a_patient_named_like_a_value_of_curators_vocabulary_and_still_finds_the_word(tmp_path):
    """A patient named Other failed ``validate --key``: an RTSTRUCT's modality family is ``other`` in
    metadata/audit-report.json, series.csv and series.parquet.  curator's own values of its
    vocabulary fields (mappings/privacy/vocabulary-fields.yaml) are not searched; the same word
    in any other field, in a description or in DICOM still is, and so is a value of the field
    that is not curator's."""
    release = _release_with_sr(tmp_path, "Other^Mavis")
    series_csv = release / "metadata" / "series.csv"
    assert '""modality_family"": ""other""' in series_csv.read_text(encoding="utf-8")
    assert _identifiers(release, tmp_path / "key") == "ok"
    shutil.copytree(release, tmp_path / "saved")

    def edited(path: str, old: str, new: str) -> str:
        shutil.rmtree(release)
        shutil.copytree(tmp_path / "saved", release)
        target = release / path
        text = target.read_text(encoding="utf-8")
        assert old in text
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
        return _identifiers(release, tmp_path / "key")

    # the word in a description column of the CSV, in a JSON report's description
    rows = list(csv.reader(series_csv.open(encoding="utf-8", newline="")))
    description = rows[1][rows[0].index("series_description")]
    # (the word alone is a word of the imaging vocabulary a release keeps, no one's identity: only
    # the name whole is searched, red team 11)
    assert "series.csv" in edited("metadata/series.csv", f",{description},", ",Other Mavis,")
    assert "audit-report.json" in edited("metadata/audit-report.json", f'"{description}"', '"Other Mavis"')
    assert edited("metadata/series.csv", f",{description},", ",Other,") == "ok"
    # in another key of the field's JSON object, or as a value of the field that is not curator's
    assert "series.csv" in edited("metadata/series.csv", '""modality_family"": ""other""',
                                  '""modality_family"": ""other"", ""note"": ""mavis""')
    assert "series.csv" in edited("metadata/series.csv", '""modality_family"": ""other""', '""modality_family"": ""mavis""')
    assert "series.csv" in edited("metadata/series.csv", '""modality_family"": ""other""', '""modality_family"": ""other mavis""')
    # the value in a JSON report: not searched; but a file that does not parse is searched whole
    assert edited("metadata/audit-report.json", '"modality_family": "ct"', '"modality_family": "other"') == "ok"
    assert "audit-report.json" in edited("metadata/audit-report.json", '"modality_family": "ct"',
                                         '"modality_family": "other mavis",,')
    assert "series.parquet" in _identifiers_after_parquet_edit(release, tmp_path)


def _identifiers_after_parquet_edit(release: Path, tmp_path: Path) -> str:
    """series.parquet with a series description "Other Mavis": searched."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    shutil.rmtree(release)
    shutil.copytree(tmp_path / "saved", release)
    path = release / "metadata" / "series.parquet"
    table = pq.read_table(path)
    column = table.schema.get_field_index("series_description")
    table = table.set_column(column, "series_description", pa.array(["Other Mavis"] * table.num_rows, pa.large_string()))
    pq.write_table(table, path)
    return _identifiers(release, tmp_path / "key")


def test_validate_still_finds_the_vocabulary_word_in_dicom(tmp_path):
    import pydicom

    release = _release_with_sr(tmp_path, "Other^Mavis")
    path = sorted((release / "dicom").rglob("*.dcm"))[0]
    ds = pydicom.dcmread(path)
    ds.SeriesDescription = "OTHER MAVIS"
    ds.save_as(path)
    assert path.relative_to(release).as_posix() in _identifiers(release, tmp_path / "key")


def test_the_vocabulary_of_modality_family_is_what_curator_writes():
    from curator.analyses.acquisition import modality_family
    from curator.deid.leakcheck import _vocabulary_fields

    written = {modality_family(m) for m in ("CT", "MR", "PT", "NM", "US", "CR", "DX", "MG", "SR", "SEG", "RTSTRUCT", "", None)}
    assert _vocabulary_fields()["modality_family"] == frozenset(written)
