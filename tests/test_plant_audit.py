"""Red team 17, part 1: every identifying-looking string each red-team generator writes is a listed plant
or declared safe in the generator (tests/plant_audit.py).  Red team 14 wrote 'MRN_2290417X' into a SEG
Content Label and never listed it: nothing searched the outputs for it for five rounds, and it leaked."""
from __future__ import annotations

import importlib
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import plant_audit  # noqa: E402


@pytest.mark.parametrize("generator", plant_audit.GENERATORS, ids=lambda g: g.name)
def test_every_identifying_value_is_a_plant_or_declared_safe(generator, tmp_path):
    module = importlib.import_module(generator.module)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the generators write over-long and malformed values on purpose
        plants = generator.write(module, tmp_path / "archive")
        found = plant_audit.unlisted(tmp_path / "archive", plants, getattr(module, "AUDIT_SAFE", {}))
    assert not found, "\n".join(f"{f.word!r} in {f.where}: {f.value!r}" for f in found)


@pytest.mark.parametrize("value, keyword, found", [
    ("MRN_2290417X", "ContentLabel", "2290417X"),  # red team 14's unlisted plant
    ("Smith^John", "OperatorsName", "Smith"),
    ("see h.smith@example.org", "ImageComments", "h.smith@example.org"),
    ("born 17.05.1990", "ImageComments", "17.05.1990"),
    ("ZZ4471200", "OtherPatientIDs", "ZZ4471200"),
])
def test_the_audit_finds_an_unlisted_identifier(tmp_path, value, keyword, found):
    """The audit can fail: an identifier written but not listed is found; listed, or declared safe, it is not."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = "1.2.826.0.1.3680043.10.1717.1"
    ds.PatientName, ds.PatientID = "Okafor^Chidinma", "LG4471200"
    setattr(ds, keyword, value)
    ds.save_as(tmp_path / "1.dcm", enforce_file_format=True)
    header = ["Okafor", "Chidinma", "LG4471200"]
    assert found in [f.word for f in plant_audit.unlisted(tmp_path, header, {})]
    assert plant_audit.unlisted(tmp_path, [*header, value], {}) == []
    assert plant_audit.unlisted(tmp_path, header, {value: "declared"}) == []
