#!/usr/bin/env python
"""Write the small synthetic multi-site DICOM archive shipped in ``examples/collection/``.

Usage::

    python examples/make_collection.py [OUTPUT_FOLDER] [--force]

OUTPUT_FOLDER defaults to ``examples/collection`` next to this script. An existing,
non-empty output folder is replaced only with ``--force``. The output is deterministic:
running the script twice gives byte-identical trees (see ``examples/README.md``).

Everything written is fake (see ``curator.testing.synthetic``): five invented hospitals, thirteen
invented patients, planted identifiers with distinctive ``ZZ…`` tokens, plus the messy
files every real archive has (a text file, an empty file, a truncated DICOM file, a
duplicate SOP Instance UID, a raw dataset without preamble/file meta, and a zip archive).
"""

from __future__ import annotations

import argparse
import copy
import io
import shutil
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydicom import dcmwrite
from pydicom.dataset import Dataset, FileMetaDataset

from curator.testing import synthetic as syn

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "collection"
ZIP_DATE = (2019, 6, 1, 12, 0, 0)

SITE = {s.key: s for s in syn.SITES}
PATIENT = {p.key: p for p in syn.PATIENTS}


def study(site: str, patient: str, number: int, description: str, date: str, time: str,
          body_part: str, messy_text: bool = False, messy_series: int = 1) -> syn.Study:
    """A study of the fake population."""
    return syn.Study(site=SITE[site], patient=PATIENT[patient], number=number,
                     description=description, date=date, time=time, body_part=body_part,
                     messy_text=messy_text, messy_series=messy_series)


def part10(ds: Dataset) -> bytes:
    """The Part 10 bytes of ``ds`` (preamble, file meta, Explicit VR Little Endian)."""
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    buf = io.BytesIO()
    dcmwrite(buf, ds, enforce_file_format=True)
    return buf.getvalue()


def raw_implicit(ds: Dataset) -> bytes:
    """The bare dataset: no preamble, no file meta, Implicit VR Little Endian."""
    ds = copy.deepcopy(ds)
    ds.file_meta = FileMetaDataset()
    buf = io.BytesIO()
    dcmwrite(buf, ds, implicit_vr=True, little_endian=True)
    return buf.getvalue()


@dataclass
class Archive:
    """The files to write: relative path -> bytes (written in sorted order)."""

    files: dict[str, bytes] = field(default_factory=dict)

    def add(self, rel: str, data: bytes) -> None:
        if rel in self.files:
            raise ValueError(f"duplicate path {rel}")
        self.files[rel] = data

    def add_series(self, datasets: Sequence[Dataset], name: Callable[[Dataset], str]) -> None:
        for ds in datasets:
            self.add(name(ds), part10(ds))


# --------------------------------------------------------------------------------------
# Per-site content. File naming differs per site, as it does in real exports.
# --------------------------------------------------------------------------------------


def site_a(ar: Archive) -> None:
    """GE, Spanish. ``study01/series002/IM-0002-0001.dcm``; a resent duplicate."""
    def name(ds: Dataset, folder: str) -> str:
        return (f"site-a/{folder}/series{int(ds.SeriesNumber):03d}/"
                f"IM-{int(ds.SeriesNumber):04d}-{int(ds.InstanceNumber):04d}.dcm")

    s1 = study("site-a", "P01", 1, "TC TORAX CON CONTRASTE", "20190314", "093012", "CHEST",
               messy_text=True, messy_series=3)
    scout = syn.ct_series(s1, 1, series_number=1, description="Scout", rows=64, columns=64,
                          localizer=True, contrast=False, series_time="093100")
    std = syn.ct_series(s1, 5, series_number=2, description="Thorax 1.25 STD", rows=64,
                        columns=64, kernel="STANDARD", series_time="093512", seed=1)
    lung = syn.ct_series(s1, 5, series_number=3, description="Thorax 1.25 LUNG", rows=64,
                         columns=64, kernel="LUNG", series_time="093512", seed=2)
    rts = syn.rtstruct(s1, std, series_number=90, description="RTSTRUCT OAR auto",
                       algorithms=("AUTOMATIC", "SEMIAUTOMATIC", "MANUAL"))
    seg = syn.segmentation(s1, std, algorithm_type="AUTOMATIC", series_number=91,
                           description="Pulmones IA", algorithm_name="LungNet",
                           algorithm_version="2.1.0")
    dose = syn.sr_document(s1, series_number=99, description="Dose Report",
                           text="CTDIvol 9.87 mGy; DLP 412 mGy*cm; Scout 1.2 mGy.",
                           evidence=std)
    f = "study01"
    for series in (scout, std, lung, [rts], [seg], [dose]):
        ar.add_series(series, lambda ds: name(ds, f))
    # the same SOP Instance sent again later, with different bytes (a re-send)
    dup = copy.deepcopy(std[2])
    dup.InstanceCreationTime = "101500"
    dup.ImageComments = f"{dup.ImageComments} (resent)"
    ar.add("site-a/resend/IM-0002-0003.dcm", part10(dup))

    s2 = study("site-a", "P02", 2, "RM CEREBRO SIN CONTRASTE", "20190402", "161544", "HEAD")
    f = "study02"
    ar.add_series(syn.mr_series(s2, 3, series_number=1, description="Ax T1 FLAIR",
                                kind="T1FLAIR", orientation="axial"), lambda ds: name(ds, f))
    ar.add_series(syn.mr_series(s2, 3, series_number=2, description="cor T2 FLAIR",
                                kind="FLAIR", orientation="coronal", seed=1,
                                series_time="162310"), lambda ds: name(ds, f))

    s3 = study("site-a", "P03", 3, "PET-TC CUERPO ENTERO FDG", "20190521", "081502", "WHOLEBODY")
    f = "study03"
    ar.add_series(syn.ct_series(s3, 3, series_number=1, description="CTAC 3.75 Thick",
                                rows=64, columns=64, slice_thickness=3.75, contrast=False,
                                series_time="093900", seed=3), lambda ds: name(ds, f))
    ar.add_series(syn.pt_series(s3, 3, series_number=2, description="PET WB AC",
                                injected_dose_bq=3.38e8, injection_time="083012.00",
                                series_time="094410"), lambda ds: name(ds, f))


def site_b(ar: Archive) -> None:
    """Siemens, Catalan. ``<PatientID>/S0002/00001`` (no extension); a notes file."""
    def name(ds: Dataset) -> str:
        return f"site-b/{ds.PatientID}/S{int(ds.SeriesNumber):04d}/{int(ds.InstanceNumber):05d}"

    s4 = study("site-b", "P04", 1, "TC TÒRAX AMB CONTRAST", "20190611", "120930", "CHEST")
    b30 = syn.ct_series(s4, 4, series_number=2, description="Tòrax 1.0 B30f", rows=64,
                        columns=64, kernel="B30f", slice_thickness=1.0, series_time="121504",
                        seed=4)
    b70 = syn.ct_series(s4, 4, series_number=3, description="Tòrax 1.0 B70f", rows=64,
                        columns=64, kernel="B70f", slice_thickness=1.0, series_time="121504",
                        seed=5)
    seg = syn.segmentation(s4, b30, algorithm_type="SEMIAUTOMATIC", series_number=4,
                           description="Pulmó semiautomàtic", algorithm_name="syngo.via RT",
                           algorithm_version="VB40")
    for series in (b30, b70, [seg]):
        ar.add_series(series, name)

    s5 = study("site-b", "P05", 1, "Ecografia abdominal", "20190703", "103011", "ABDOMEN")
    ar.add_series([
        syn.us_image(s5, series_number=1, instance_number=1, description="Echo abdomen",
                     burned_in_annotation="YES"),
        syn.us_image(s5, series_number=1, instance_number=2, description="Echo abdomen",
                     burned_in_annotation=None, seed=1),
    ], name)

    s6 = study("site-b", "P06", 1, "RM CRANI AMB CONTRAST", "20190815", "175012", "HEAD",
               messy_text=True)
    ar.add_series(syn.mr_series(s6, 3, series_number=1, description="t1_se_tra", kind="T1",
                                series_time="175530"), name)
    ar.add_series(syn.mr_series(s6, 3, series_number=2, description="t1_mprage_sag_GD",
                                kind="T1GD", orientation="sagittal", seed=1,
                                series_time="180744"), name)
    ar.add_series([syn.sr_document(s6, series_number=99, description="Informe RM crani")],
                  name)
    ar.add("site-b/EXPORT_NOTES.txt", (
        "PACS export job 4471\r\n"
        "Exported series: 7\r\n"
        "Note: this is not a DICOM file.\r\n"
    ).encode("ascii"))


def site_c(ar: Archive) -> None:
    """Philips, Norwegian. ``DICOM/ST000001/SE000002/IM000003`` (numbered); an empty file."""
    def name(ds: Dataset, st: int) -> str:
        return (f"site-c/DICOM/ST{st:06d}/SE{int(ds.SeriesNumber):06d}/"
                f"IM{int(ds.InstanceNumber):06d}")

    s7 = study("site-c", "P07", 1, "CT THORAX MED KONTRAST", "20190909", "084455", "CHEST")
    ct = syn.ct_series(s7, 4, series_number=2, description="Thorax 2mm YB", rows=64,
                       columns=64, kernel="YB", slice_thickness=2.0, series_time="085012",
                       seed=7)
    rts = syn.rtstruct(s7, ct, series_number=3, description="Struktursett manuell",
                       algorithms=("MANUAL", "MANUAL"))
    for series in (ct, [rts]):
        ar.add_series(series, lambda ds: name(ds, 1))

    s8 = study("site-c", "P08", 2, "UL abdomen", "20191002", "141510", "ABDOMEN",
               messy_text=True)
    ar.add_series([
        syn.us_image(s8, series_number=1, instance_number=1, description="Echo abdomen",
                     burned_in_annotation="NO", seed=2),
        syn.us_image(s8, series_number=1, instance_number=2, description="Echo abdomen",
                     burned_in_annotation="YES", seed=3),
    ], lambda ds: name(ds, 2))
    ar.add_series([syn.sr_document(s8, series_number=2, description="Rapport UL abdomen")],
                  lambda ds: name(ds, 2))
    ar.add("site-c/DICOM/ST000001/SE000001/IM000000", b"")


def site_d(ar: Archive) -> None:
    """Canon, German. ``exam_1/series_2/slice_001.DCM`` / ``.dicom``; a truncated and a raw file."""
    def name(ds: Dataset, exam: int, ext: str = ".DCM") -> str:
        return (f"site-d/exam_{exam}/series_{int(ds.SeriesNumber)}/"
                f"slice_{int(ds.InstanceNumber):03d}{ext}")

    s9 = study("site-d", "P09", 1, "MRT Schädel nativ", "20191104", "073015", "HEAD")
    ar.add_series(syn.mr_series(s9, 3, series_number=1, description="T2W_FSE tra", kind="T2",
                                series_time="073512"), lambda ds: name(ds, 1))
    ar.add_series(syn.mr_series(s9, 3, series_number=2, description="FLAIR cor", kind="FLAIR",
                                orientation="coronal", seed=1, series_time="074233",
                                omit=("MagneticFieldStrength", "ReceiveCoilName")),
                  lambda ds: name(ds, 1))

    s10 = study("site-d", "P10", 2, "CT Thorax mit KM", "20191120", "111203", "CHEST")
    ct_all = syn.ct_series(s10, 6, series_number=2, description="Thorax 1.0 FC13", rows=64,
                           columns=64, kernel="FC13", slice_thickness=1.0,
                           series_time="111800", seed=10)
    ct, extra_raw, extra_truncated = ct_all[:4], ct_all[4], ct_all[5]
    seg = syn.segmentation(s10, ct, algorithm_type="MANUAL", series_number=3,
                           description="Lunge manuell")
    for series in (ct, [seg]):
        ar.add_series(series, lambda ds: name(ds, 2))
    ar.add("site-d/raw/IMG00001", raw_implicit(extra_raw))
    data = part10(extra_truncated)
    ar.add(name(extra_truncated, 2), data[: len(data) * 3 // 5])

    s11 = study("site-d", "P11", 3, "PET-CT Ganzkörper FDG", "20191212", "091500", "WHOLEBODY")
    ar.add_series(syn.ct_series(s11, 3, series_number=1, description="CTAC 2.0 FC08",
                                rows=64, columns=64, kernel="FC08", slice_thickness=2.0,
                                contrast=False, series_time="101002", seed=11),
                  lambda ds: name(ds, 3, ".dicom"))
    ar.add_series(syn.pt_series(s11, 3, series_number=2, description="PET WB AC 3D",
                                injected_dose_bq=2.95e8, injection_time="091812.00",
                                series_time="101455", seed=1),
                  lambda ds: name(ds, 3, ".dicom"))


def site_e_zip(ar: Archive) -> None:
    """Siemens, French/Italian: delivered as ``site-e.zip`` (``site-e/<n>.dcm`` inside)."""
    inner = Archive()
    s12 = study("site-e", "P12", 1, "IRM cérébrale T1 gado", "20200114", "150001", "HEAD")
    s13 = study("site-e", "P13", 2, "RM CERVELLO T2 assiale", "20200121", "083010", "HEAD")
    datasets = (
        syn.mr_series(s12, 3, series_number=1, description="t1_mprage_tra_GD", kind="T1GD",
                      series_time="151012")
        + syn.mr_series(s13, 3, series_number=1, description="t2_tse_tra", kind="T2",
                        seed=2, series_time="083544")
    )
    for n, ds in enumerate(datasets, start=1):
        inner.add(f"site-e/IRM/{n}.dcm" if n <= 3 else f"site-e/RM/{n}.dcm", part10(ds))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for rel in sorted(inner.files):
            info = zipfile.ZipInfo(rel, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, inner.files[rel])
    ar.add("site-e.zip", buf.getvalue())


def build() -> Archive:
    """All files of the collection, in memory."""
    ar = Archive()
    for part in (site_a, site_b, site_c, site_d, site_e_zip):
        part(ar)
    return ar


def write(out: Path, force: bool = False) -> list[Path]:
    """Write the collection into ``out`` and return the written paths (sorted)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not force:
            raise SystemExit(f"error: {out} is not empty (use --force to replace it)")
        shutil.rmtree(out)
    ar = build()
    paths = []
    for rel in sorted(ar.files):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(ar.files[rel])
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT,
                        help="output folder (default: examples/collection)")
    parser.add_argument("--force", action="store_true",
                        help="replace the output folder if it is not empty")
    args = parser.parse_args(argv)
    paths = write(args.output, force=args.force)
    size = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} files, {size} bytes, to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
