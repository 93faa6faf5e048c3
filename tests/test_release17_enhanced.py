"""True Enhanced CT and Enhanced MR images through de-identification (round 17, item 1).

The source is ``tests/release16_source.py``, whose Enhanced CT, MR and XA are now built to PS3.3
by ``curator.testing.enhanced`` (functional groups, dimensions, frame content DateTimes with
a time zone offset, references to the single-frame slices they come from, the patient's name
planted in per-frame text).  In every access tier the released enhanced objects keep:

* every date inside their functional groups moved by the study's offset (the same days as
  the top-level Study Date), at the same time of day, with the same time zone offset;
* every UID inside them remapped as the instances they reference were: a Referenced or
  Source Image Sequence item names a released slice, the evidence sequences the released
  study and series, and the dimension organization UID stays one UID;
* no part of the patient's or operator's name in any text, nor the "^" of the name's person-name form.

dciodvfy (``external``: skips without Debian's dicom3tools) finds no error in the source's
Enhanced CT and MR; ``tests/test_release16_dciodvfy.py`` checks the outputs add none.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset

from curator.deid.pseudonyms import Pseudonymizer
from curator.deid.run import DeidOptions, deidentify
from curator.testing.enhanced import TIME_ZONE

from release16_source import write_source

KEY = bytes(range(32))
TEXT_VRS = ("LO", "LT", "SH", "ST", "UT", "UC", "PN")
DT_FORM = re.compile(r"\d{14}\.\d{6}[+-]\d{4}")


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> tuple[Path, dict[str, list[str]]]:
    root = tmp_path_factory.mktemp("release17") / "src"
    return root, write_source(root)


def _read(path: Path) -> Dataset:
    return pydicom.dcmread(path, stop_before_pixels=True)


def _released(out: Path) -> dict[str, Dataset]:
    return {str(ds.SOPInstanceUID): ds for ds in map(_read, sorted(out.rglob("*.dcm")))}


def _days(before: str, after: str) -> int:
    return (dt.date(int(before[:4]), int(before[4:6]), int(before[6:8]))
             - dt.date(int(after[:4]), int(after[4:6]), int(after[6:8]))).days


def _values(ds: Dataset, vrs: tuple[str, ...]) -> list[tuple[str, str]]:
    """(keyword path, value) of every element of ``vrs`` at any depth, in order."""
    found: list[tuple[str, str]] = []

    def walk(item: Dataset, prefix: str) -> None:
        for element in item:
            if element.VR == "SQ":
                for n, child in enumerate(element.value):
                    walk(child, f"{prefix}{element.keyword}[{n}].")
            elif element.VR in vrs and element.value not in (None, ""):
                values = element.value if element.VM > 1 else [element.value]
                found.extend((prefix + element.keyword, str(v)) for v in values)

    walk(ds, "")
    return found


@pytest.mark.parametrize("access", ("non-public", "restricted", "public"))
def test_enhanced_functional_groups_keep_dates_uids_and_lose_names(source, tmp_path: Path, access: str):
    root, kinds = source
    out = tmp_path / "deid"
    deidentify(root, out, key=KEY, options=DeidOptions(access=access, k=5, workers=2, quarantine=tmp_path / "q"))
    pseudo = Pseudonymizer(KEY)
    released = _released(out)
    offsets = set()  # one patient: one offset for all the enhanced objects
    for kind in ("enhanced_ct", "enhanced_mr", "enhanced_mr_original", "enhanced_xa", "enhanced_us_volume"):
        src = pydicom.dcmread(root / kinds[kind][0], stop_before_pixels=True)
        new = released[pseudo.uid(str(src.SOPInstanceUID))]
        offset = _days(str(src.StudyDate), str(new.StudyDate))
        assert offset > 0
        offsets.add(offset)
        # dates and date-times at every depth: same offset, same time of day and zone
        before, after = dict(_values(src, ("DA", "DT"))), dict(_values(new, ("DA", "DT")))
        assert "PatientBirthDate" not in after  # emptied by the profile; every other date kept
        assert sorted(after) == sorted(set(before) - {"PatientBirthDate"}), kind
        assert sum("FrameContentSequence" in k for k in after) == 6  # acquisition and reference, 3 frames
        for keyword, value in after.items():
            old = before[keyword]
            assert _days(old, value) == offset, (kind, keyword)
            assert value[8:] == old[8:], (kind, keyword)
            if len(old) > 8:
                assert DT_FORM.fullmatch(value) and value.endswith(TIME_ZONE), (kind, keyword, value)
        # UIDs inside the functional groups: those of the released instances they name
        uids = dict(_values(new, ("UI",)))
        for keyword, old in _values(src, ("UI",)):
            if keyword.endswith("ReferencedSOPInstanceUID"):
                assert uids[keyword] == pseudo.uid(old) and uids[keyword] in released, (kind, keyword)
            elif keyword.endswith(("StudyInstanceUID", "SeriesInstanceUID")) and "." in keyword:
                top = keyword.rsplit(".", 1)[-1]
                slices = [released[pseudo.uid(str(_read(root / rel).SOPInstanceUID))]
                          for rel in kinds["ct" if kind == "enhanced_ct" else "mr"]]
                assert uids[keyword] == str(slices[0].data_element(top).value), (kind, keyword)
            elif not keyword.endswith("ClassUID"):
                assert uids[keyword] != old, (kind, keyword)
        assert len(offsets) == 1, offsets
        organizations = {v for k, v in _values(new, ("UI",)) if k.endswith("DimensionOrganizationUID")}
        assert len(organizations) == 1
        # no name part in any text, and no separator of its person-name form
        names = {str(part).casefold() for person in (src.PatientName, src.OperatorsName)
                 for part in str(person).split("^") if part}
        for keyword, value in _values(new, TEXT_VRS):
            if keyword in ("PatientName",):
                continue
            words = set(re.findall(r"\w+", value.casefold()))
            assert not words & names, (kind, keyword, value)
            assert "^" not in value, (kind, keyword, value)


@pytest.mark.external
def test_enhanced_source_objects_pass_dciodvfy(source):
    if shutil.which("dciodvfy") is None:
        pytest.skip("dciodvfy not installed (Debian package dicom3tools; .ci/run installs it)")
    from test_dicom_conformance import error_kinds

    root, kinds = source
    for kind in ("enhanced_ct", "enhanced_mr", "enhanced_mr_original", "enhanced_us_volume"):
        ds = _read(root / kinds[kind][0])
        assert "PerFrameFunctionalGroupsSequence" in ds and ds.NumberOfFrames == 3
        assert error_kinds(root / kinds[kind][0]) == [], kind


def test_acquisition_parameters_of_enhanced_images_are_those_of_their_slices():
    """The series table's acquisition parameters of an Enhanced CT / MR are read from its
    functional groups: spiral pitch and total collimation (CT Table Dynamics, CT Acquisition
    Details), pixel bandwidth and imaging frequency (MR Imaging Modifier) and the resonant
    nucleus were missing (None) until round 17, though the single-frame slices had them."""
    from curator.analyses.acquisition import acquisition_parameters
    from curator.testing import synthetic as syn
    from curator.testing.enhanced import enhanced_image

    study = syn.Study(site=syn.SITES[0], patient=syn.PATIENTS[0], number=1, description="TC TORAX")
    for kind, slices in (("CT", syn.ct_series(study, 2, rows=16, columns=16)),
                         ("MR", syn.mr_series(study, 2, rows=16, columns=16, series_number=2))):
        single, enhanced = acquisition_parameters(slices[0]), acquisition_parameters(enhanced_image(slices, kind, 9))
        keys = (("spiral_pitch_factor", "total_collimation_width_mm") if kind == "CT" else
                ("pixel_bandwidth_hz", "imaging_frequency_mhz", "imaged_nucleus"))
        for key in keys:
            assert single[key] is not None and enhanced[key] == single[key], (kind, key)
    # the Enhanced Contrast/Bolus module: its agent and its route code (the slices write text)
    ct = acquisition_parameters(enhanced_image(syn.ct_series(study, 2, rows=16, columns=16), "CT", 9))
    assert (ct["contrast_agent"], ct["contrast_route"], ct["contrast_used"]) == ("Iohexol", "Intravenous route", True)
