"""Red team, round 5: the gaps the last round left (a Latin spelling of a name written only in
Arabic or Hebrew letters inside a kept value; multi-frame images screened on three frames
only; leak tests whose random key could put a planted number into a UID by chance) and new
attack surfaces from an independent generator (tests/redteam5_archive.py)."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pydicom
import pytest
from pydicom.uid import ImplicitVRLittleEndian

from curator.deid.engine import Engine, PatientContext, has_identifier, keep_text
from curator.deid.profile import load_profile
from curator.deid.scrub import code_holds_identifier, identifier_values

sys.path.insert(0, str(Path(__file__).resolve().parent))

KEY = bytes(range(32))  # a fixed key: outputs are the same every run (no UID can hold a plant by chance)

ARABIC = "الحربي^نورة"
HEBREW = "בן-שושן^אביטל"


def _named_ct(name: str, charset: str, implicit: bool) -> bytes:
    """A CT whose patient is named only in ``name``'s script, with a kept private code
    (Philips (2005,xx14), TCIA `k`), a kept coded attribute and a kept device string that
    spell the name in Latin letters."""
    from test_deid import planted_ct

    ds = planted_ct(0)
    ds.SpecificCharacterSet = charset
    ds.PatientName = name
    ds.PatientID = "RMB06551039"
    ds.private_block(0x2005, "Philips MR Imaging DD 001", create=True).add_new(0x14, "CS", "ALHARBI NOURAH")
    ds.private_block(0x2005, "Philips MR Imaging DD 001").add_new(0x15, "CS", "DIFFUSION")
    ds.BodyPartExamined = "BENSHUSHAN"
    ds.ScanOptions = ["HELICAL", "HARBI"]
    ds.SoftwareVersions = "syngo CT VA40 Avital build"
    buffer = io.BytesIO()
    if implicit:
        ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
        ds.save_as(buffer, implicit_vr=True, little_endian=True, enforce_file_format=True)
    else:
        ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


@pytest.mark.parametrize("name, charset", [(ARABIC, "ISO_IR 127"), (HEBREW, "ISO_IR 138")])
@pytest.mark.parametrize("implicit", [True, False])
def test_latin_spellings_of_arabic_and_hebrew_names_leave_kept_values(name, charset, implicit):
    """Left by round 4: "ALHARBI NOURAH" in a kept private code (it conforms to CS, 14
    characters) was released when the header spelled the name only in Arabic letters.  Kept
    values are now compared by consonant skeleton as paths are; both paths agree; codes that
    are words stay."""
    from test_deid_decisions import _both

    data = _named_ct(name, charset, implicit)
    _both(data, load_profile("research"))  # the byte path writes what the dataset path writes
    ds = pydicom.dcmread(io.BytesIO(data))
    values = identifier_values(ds)
    Engine(load_profile("research"), KEY).deidentify(ds, PatientContext("p", values))
    written = str(ds.to_json_dict()).lower()
    spelled = ("harbi", "nourah") if name == ARABIC else ("shushan", "avital")
    for word in spelled:
        assert word not in written, word
    assert "diffusion" in written and "helical" in written and "syngo ct va40" in written


def test_the_skeleton_rule_spares_words_and_short_skeletons():
    values = identifier_values(_dataset(ARABIC))
    assert code_holds_identifier("ALHARBI", values) and code_holds_identifier("NOURAH", values)
    assert not code_holds_identifier("HERB", values)  # a word of the word lists: same skeleton, kept
    assert not code_holds_identifier("NOURA", values)  # "nr": under 3 consonants
    assert has_identifier("Scanner of Al-Harbi", values) and not has_identifier("Scanner HERBAL", values)
    assert keep_text("CT AlHarbi 2", values) == "CT 2"
    assert not has_identifier("ALHARBI", identifier_values(_dataset("SMITH^JOHN")))


def _dataset(name: str) -> pydicom.Dataset:
    ds = pydicom.Dataset()
    ds.PatientName = name
    return ds


# --- multi-frame images: every frame is screened ------------------------------------------


def test_a_name_burned_into_one_frame_of_ten_is_found_and_quarantined(tmp_path):
    """Left by round 4: without --clean-pixels the screen looked at the first, middle and last
    frame only, so a name burned into frame 2 of 10 was released.  Every frame is screened now."""
    from test_deid import write
    from test_pixel_frames import _multiframe

    from curator.deid import pixels
    from curator.deid.run import DeidOptions, deidentify

    for compressed in (False, True):
        assert pixels.screen(_multiframe(1, compressed=compressed, count=10)) == pixels.SCREEN_REASON
    assert pixels.screen(_multiframe(None, compressed=False, count=10)) is None
    write(_multiframe(1, compressed=False, count=10), tmp_path / "src" / "ct.dcm")
    report = deidentify(tmp_path / "src", tmp_path / "out", key=KEY, options=DeidOptions(k=1, workers=1))
    assert report["counts"]["written"] == 0 and report["counts"]["quarantined"] == 1
    assert report["quarantined"][0]["reason"] == pixels.SCREEN_REASON
