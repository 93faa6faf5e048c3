"""A messy multi-site source for the release tests of round 15 (``write_source``).

14 sites (four vendors, descriptions in 14 languages), 4 of them with fewer than 5 patients
(the public tier's k-anonymity must merge or generalise them); CT, MR, PET, US, DICOM SEG
(manual, semi-automatic and automatic, with algorithm name and version), RTSTRUCT (one ROI
per generation algorithm), Comprehensive SR, legacy-converted enhanced CT (multi-frame);
odd but legal demographics: ages ``089Y``, ``003M``, ``010D``, ``091Y``; sizes in metres
with three decimals or below one metre; weights with decimals; ethnic groups in mixed case
and in other languages (``Asian``, ``ASIAN``, ``asian``, ``Asiático``, ``Weiß``...).

Patient identity cases (``truth["identity"]``):

* ``issuer_missing``: one patient, two studies at one site whose every other study carries
  the site's one issuer; the second study has no IssuerOfPatientID (same person: one
  pseudonym);
* ``regional``: one patient at two sites under a shared regional issuer (one pseudonym);
* ``id_reused``: the same PatientID without an issuer at two sites, two different people
  (two pseudonyms: a PatientID alone never links across sites);
* ``two_issuers``: a site whose studies carry two issuers; a study there without an issuer
  names a PatientID known under one of them (not linked: which issuer is unknown).

Run ``python tests/release15_source.py OUT`` to write it to a folder.
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

from pydicom.dataset import Dataset

from curator.testing import synthetic as syn

LANGUAGES = {
    "es": ("TC TORAX CON CONTRASTE", "RM CEREBRO SIN CONTRASTE"),
    "ca": ("TC TORAX AMB CONTRAST", "RM CERVELL"),
    "nb": ("CT THORAX MED KONTRAST", "MR CEREBRUM"),
    "de": ("CT THORAX MIT KM", "MRT SCHAEDEL NATIV"),
    "fr": ("TDM THORAX INJECTE", "IRM CEREBRALE"),
    "en": ("CT CHEST WITH CONTRAST", "MRI BRAIN WITHOUT CONTRAST"),
    "it": ("TC TORACE CON MDC", "RM ENCEFALO"),
    "pt": ("TC TORAX COM CONTRASTE", "RM CRANIO"),
    "pl": ("TK KLATKI PIERSIOWEJ", "MR GLOWY"),
    "el": ("ΑΞΟΝΙΚΗ ΘΩΡΑΚΟΣ", "ΜΑΓΝΗΤΙΚΗ ΕΓΚΕΦΑΛΟΥ"),
    "ru": ("КТ ГРУДНОЙ КЛЕТКИ", "МРТ ГОЛОВНОГО МОЗГА"),
    "zh": ("胸部CT增强", "头颅MRI平扫"),
    "ar": ("أشعة مقطعية للصدر", "رنين مغناطيسي للدماغ"),
    "ja": ("胸部CT造影", "頭部MRI"),
}
VENDOR_KEYS = ("GE", "SIEMENS", "PHILIPS", "CANON")
# patients per site: ten sites of 6, four small ones (1, 2, 2, 3 patients)
SITE_SIZES = (6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 1, 2, 2, 3)
AGES = ("045Y", "089Y", "003M", "010D", "091Y", "062Y", "034Y", "071Y", "028Y", "056Y", "017Y", "066Y")
SIZES = ("1.755", "0.52", "1.6", "1.80", None, "1.685", "1.72", "0.75", "1.9", "1.64")
WEIGHTS = ("72.5", "3.45", "80", "101.25", "64.3", None, "58", "9.8", "88.75", "77")
ETHNIC = ("Asian", "ASIAN", "asian", "White", "WHITE", "Asiático", "Weiß", "Blanc", None, "Black", "Hispanic", None)
SEXES = ("F", "M", "F", "M", "O", "M", "F", None)
KINDS = ("ct_seg", "mr_sr", "ct_rt", "enhanced_ct", "pet", "us")
SEG_TYPES = (("AUTOMATIC", "LungNet", "2.1.0"), ("SEMIAUTOMATIC", "3D Slicer GrowCut", "5.6.1"),
             ("MANUAL", "", ""))


def sites() -> tuple[syn.Site, ...]:
    out = []
    for n, language in enumerate(LANGUAGES):
        tag = f"ZZS{n:02d}"
        out.append(syn.Site(
            key=f"site-{n:02d}", institution_name=f"Hospital Zzsite{n:02d}", institution_address=f"{n} Zzroad",
            department="Radiology", vendor=VENDOR_KEYS[n % 4], station_name=f"{tag}-CT{n}",
            device_serial=f"ZZSN15{n:04d}", referring_physician=f"ZZREF{n:02d}^Ana",
            performing_physician=f"ZZPERF{n:02d}^Bo", operator=f"ZZOPER{n:02d}^Cy",
            phone=f"+34 600 55{n:02d} 10", language=language,
        ))
    return tuple(out)


def _patient(n: int) -> syn.Patient:
    base = syn.synthetic_patient(1500 + n)
    return dataclasses.replace(
        base, sex=SEXES[n % len(SEXES)], age=AGES[n % len(AGES)], size=SIZES[n % len(SIZES)],
        weight=WEIGHTS[n % len(WEIGHTS)], ethnic_group=ETHNIC[n % len(ETHNIC)],
    )


def _study_datasets(study: syn.Study, kind: str, n: int) -> list[Dataset]:
    chest, brain = LANGUAGES[study.site.language]
    seed = n * 7 + study.number
    if kind == "mr_sr":
        mr = syn.mr_series(study, 2, rows=16, columns=16, seed=seed, series_number=2, description=brain)
        return [*mr, syn.sr_document(study, evidence=mr[:1], text="Sin hallazgos relevantes.")]
    if kind == "pet":
        return syn.pt_series(study, 2, rows=16, columns=16, seed=seed)
    if kind == "us":
        return [syn.us_image(study, rows=24, columns=32, seed=seed, burned_in_annotation="NO")]
    ct = syn.ct_series(study, 3, rows=16, columns=16, seed=seed, description=chest)
    if kind == "ct_seg":
        algorithm, name, version = SEG_TYPES[n % len(SEG_TYPES)]
        if algorithm == "MANUAL":
            return [*ct, syn.segmentation(study, ct, algorithm_type=algorithm)]
        return [*ct, syn.segmentation(study, ct, algorithm_type=algorithm, algorithm_name=name,
                                      algorithm_version=version)]
    if kind == "ct_rt":
        return [*ct, syn.rtstruct(study, ct)]
    return [_enhanced(study, ct)]


def _enhanced(study: syn.Study, ct: list[Dataset]) -> Dataset:
    import highdicom as hd

    series_uid = study.series_uid(7)
    out = hd.legacy.LegacyConvertedEnhancedCTImage(
        ct, series_instance_uid=series_uid, series_number=7, sop_instance_uid=syn.synthetic_uid(series_uid, 1),
        instance_number=1,
    )
    for keyword in ("InstanceCreationDate", "ContentDate"):
        setattr(out, keyword, study.date)
    for keyword in ("InstanceCreationTime", "ContentTime"):
        setattr(out, keyword, "100000")
    return out


def _write(root: Path, study: syn.Study, datasets: list[Dataset], edit=None) -> int:
    for i, ds in enumerate(datasets):
        if edit is not None:
            edit(ds)
        syn.write_dataset(ds, root / study.site.key / study.patient.key / f"s{study.number}" / f"{i:03d}.dcm")
    return len(datasets)


def _no_issuer(ds: Dataset) -> None:
    ds.pop("IssuerOfPatientID", None)


def write_source(root: str | Path) -> dict[str, Any]:
    """Write the source under ``root/site-NN/``; the truth (counts and identity cases)."""
    root = Path(root)
    site_list = sites()
    truth: dict[str, Any] = {"instances": 0, "studies": 0, "people": 0, "identity": {}, "sites": len(site_list)}
    n = 0
    people: list[tuple[syn.Site, syn.Patient]] = []
    for site, size in zip(site_list, SITE_SIZES):
        for _ in range(size):
            n += 1
            patient = _patient(n)
            people.append((site, patient))
            study = syn.Study(site=site, patient=patient, number=1, description=LANGUAGES[site.language][0])
            truth["instances"] += _write(root, study, _study_datasets(study, KINDS[n % len(KINDS)], n))
            truth["studies"] += 1
    truth["people"] = n
    truth["instances"] += _identity_cases(root, site_list, people, truth)
    return truth


def _identity_cases(root: Path, site_list: tuple[syn.Site, ...], people: list, truth: dict) -> int:
    """The studies of the identity cases (module docstring); their expectations in ``truth``."""
    written = 0
    # issuer_missing: the first patient of site-00 again, a second study without issuer
    site, patient = people[0]
    later = syn.Study(site=site, patient=patient, number=2, description="TC TORAX", date="20200611")
    written += _write(root, later, _study_datasets(later, "ct_rt", 101), _no_issuer)
    truth["identity"]["issuer_missing"] = {"patient_id": patient.patient_id, "studies": 2, "pseudonyms": 1}
    # regional: one patient at site-01 and site-02, under a shared regional issuer
    regional = dataclasses.replace(_patient(201), key="R01")

    def region(ds: Dataset) -> None:
        ds.IssuerOfPatientID = "ZZREGION"

    for number, place in ((1, site_list[1]), (2, site_list[2])):
        study = syn.Study(site=place, patient=regional, number=number, description="CT THORAX", date=f"2019061{number}")
        written += _write(root, study, _study_datasets(study, "ct_seg", 200 + number), region)
    truth["identity"]["regional"] = {"patient_id": regional.patient_id, "studies": 2, "pseudonyms": 1}
    # id_reused: one PatientID, no issuer, two people at site-03 and site-04
    first, second = _patient(301), _patient(302)
    second = dataclasses.replace(second, patient_id=first.patient_id)
    for place, person in ((site_list[3], first), (site_list[4], second)):
        study = syn.Study(site=place, patient=person, number=1, description="CT THORAX", date="20180302")
        written += _write(root, study, _study_datasets(study, "mr_sr", 300), _no_issuer)
    truth["identity"]["id_reused"] = {"patient_id": first.patient_id, "studies": 2, "pseudonyms": 2}
    # two_issuers: site-05 registers half its patients under a second issuer; a study
    # without issuer of one of them stays unlinked
    other_issuer = [p for s, p in people if s is site_list[5]][:3]
    for i, person in enumerate(other_issuer):
        for path in sorted((root / site_list[5].key / person.key).rglob("*.dcm")):
            _reissue(path, "ZZSECOND")
        if i == 0:
            study = syn.Study(site=site_list[5], patient=person, number=2, description="RM", date="20210105")
            written += _write(root, study, _study_datasets(study, "mr_sr", 400), _no_issuer)
            truth["identity"]["two_issuers"] = {"patient_id": person.patient_id, "studies": 2, "pseudonyms": 2}
    truth["studies"] += 6
    truth["people"] += 3
    return written


def _reissue(path: Path, issuer: str) -> None:
    import pydicom

    ds = pydicom.dcmread(path)
    ds.IssuerOfPatientID = issuer
    ds.save_as(path, enforce_file_format=True)


if __name__ == "__main__":
    print(write_source(sys.argv[1]))
