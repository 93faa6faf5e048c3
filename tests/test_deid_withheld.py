"""Encapsulated documents are not released (curator.deid.withheld).

A PDF, CDA or 3D model inside a DICOM object cannot be de-identified by a DICOM tool; the
profile's dummy used to release it as 8 zero bytes (an object claiming to be a document and
holding none).  Now it is rejected with a reason, counted, and nothing of it is written:
neither to OUT nor to the quarantine folder, on the byte path and the pydicom path alike."""
from __future__ import annotations

import json

import pytest
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian
from test_deid import _meta, output_files, planted_ct, write

from curator.deid.run import DeidOptions, deidentify

KEY = bytes(range(32))
NAME, MRN = "Wiśniewska^Halina", "MRN-55102"


def _document(sop_class: str, n: int, payload: bytes, syntax: str) -> Dataset:
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = f"1.2.826.0.1.3680043.10.1234.7.{n}"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = "1.2.826.0.1.3680043.10.1234.1", f"1.2.826.0.1.3680043.10.1234.2.{n}"
    ds.Modality, ds.PatientName, ds.PatientID = "DOC", NAME, MRN
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    ds.EncapsulatedDocument = payload + b"\0" * (len(payload) % 2)
    return _meta(ds, syntax)


def _source(root, syntax: str):
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\n(Patient " + NAME.encode() + b" " + MRN.encode() + b") Tj\n%%EOF\n"
    cda = f'<ClinicalDocument xmlns="urn:hl7-org:v3"><id extension="{MRN}"/><name>{NAME}</name></ClinicalDocument>'.encode()
    write(_document("1.2.840.10008.5.1.4.1.1.104.1", 1, pdf, syntax), root / "letter.dcm")
    write(_document("1.2.840.10008.5.1.4.1.1.104.2", 2, cda, syntax), root / "cda.dcm")
    write(_document("1.2.840.10008.5.1.4.1.1.104.3", 3, b"solid " + MRN.encode() + b" " * 74, syntax), root / "model.dcm")
    # a private SOP class holding an encapsulated document: withheld by the attribute
    write(_document("1.2.826.0.1.3680043.10.1234.99", 4, pdf, syntax), root / "private.dcm")
    write(planted_ct(0), root / "ct.dcm")
    return root


@pytest.mark.parametrize("syntax", [ExplicitVRLittleEndian, ExplicitVRBigEndian], ids=["byte-path", "pydicom-path"])
def test_encapsulated_documents_are_rejected_with_the_reason(tmp_path, syntax):
    source = _source(tmp_path / "src", syntax)
    out, quarantine = tmp_path / "out", tmp_path / "q"
    report = deidentify(source, out, key=KEY, options=DeidOptions(k=1, workers=1, quarantine=quarantine))
    counts = report["counts"]
    assert (counts["items"], counts["written"], counts["quarantined"], counts["rejected"]) == (5, 1, 0, 4)
    assert sorted(entry["reason"] for entry in report["rejected"]) == [
        "encapsulated document cannot be de-identified",
        "encapsulated document cannot be de-identified (Encapsulated CDA Storage)",
        "encapsulated document cannot be de-identified (Encapsulated PDF Storage)",
        "encapsulated document cannot be de-identified (Encapsulated STL Storage)",
    ]
    written = [path for path in output_files(out) if path.suffix == ".dcm"]
    assert len(written) == 1 and not list(quarantine.rglob("*.dcm"))
    saved = json.loads((out / "deid-report.json").read_text())
    assert saved["counts"]["rejected"] == 4
    for path in output_files(out):
        data = path.read_bytes()
        assert b"%PDF" not in data and b"ClinicalDocument" not in data and MRN.encode() not in data


def test_the_audit_warns_of_the_documents_deid_will_reject(tmp_path):
    from curator.analyses.audit import build_report
    from curator.index.scan import scan_source
    from curator.index.store import read_index_table

    source = _source(tmp_path / "src", ExplicitVRLittleEndian)
    scan_source(source, tmp_path / "i.parquet", workers=1, progress=False)
    findings = {f["code"]: f for f in build_report(read_index_table(tmp_path / "i.parquet"))["findings"]}
    assert findings["encapsulated_documents"]["count"] == 3  # PDF, CDA, STL (the private class: by its attribute, in deid)
    assert findings["encapsulated_documents"]["severity"] == "warning"
