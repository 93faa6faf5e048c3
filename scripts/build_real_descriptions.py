#!/usr/bin/env python3
"""Build the real-world description sets of the normalization benchmark.

Labels are always the *source's own* attributes (never curator's output):

* RSNA RadLex Playbook (complete, about 4,800 orderable procedures): every procedure's names
  (short, long and the upper-case short/long forms) with the procedure's RadLex attribute
  RIDs (MODALITY, BODY_REGION 1-5, ANATOMIC_FOCUS 1-2, LATERALITY, PHARMACEUTICAL).
  RSNA licence: free use and redistribution with RSNA's notice, so the result is shipped as
  ``tests/data/descriptions_real.csv``::

      python scripts/build_real_descriptions.py playbook ../shared/reference/radlex/playbook_complete.csv

* Hospital exam code lists mapped to Playbook RPIDs by the hospitals' own reviewers, as
  published in the public repository ``tekram/radlex-mapper`` (Stanford MR and nuclear
  medicine, Naval Hospital Great Lakes radiography).  That repository declares no licence,
  so its names are NOT shipped: this script reads a local git snapshot and writes a file
  outside the project that ``benchmarks/normalize.py --external FILE`` evaluates::

      python scripts/build_real_descriptions.py hospitals SNAPSHOT.git PLAYBOOK.csv OUT.csv

* Brazil's national procedure table SIGTAP (Ministerio da Saude; Portuguese): the imaging
  procedures of sub-groups 02.04 (radiology), 02.06 (CT) and 02.07 (MR), ``tests/data/sigtap_imaging.csv``.
  Labels come from the code structure SIGTAP itself defines: the sub-group gives the modality
  (02.06 CT, 02.07 MR; 02.04 "diagnostico por radiologia" spans radiography, fluoroscopy and
  mammography, so it gives none) and the *forma de organizacao* (digits 5-6) gives the group
  of body regions the procedure belongs to ("cabeca, pescoco e coluna vertebral", ...), written
  ``region_any`` (the answer is right when it lies inside one of them)::

      python scripts/build_real_descriptions.py sigtap

* MR series descriptions of public BIDS datasets (OpenNeuro and other datalad/BIDS releases,
  git snapshots of their repositories): each sidecar JSON holds the scanner's
  ``SeriesDescription`` and its file name the BIDS suffix the dataset's curators gave the
  series (``T1w``, ``T2w``, ``FLAIR``, ``PDw``, ``T2starw``, ``dwi``): the weighting label.  A
  ``ce-`` entity, or a rule the dataset's README states (``run-02_T1w`` = after gadolinium),
  gives the contrast label.  Only datasets whose ``dataset_description.json`` declares CC0 or
  PDDL are kept (the result is shipped as ``tests/data/descriptions_real_bids.csv``); the split
  is by acquiring site (dataset and InstitutionName), so held-out sites are wholly unseen::

      python scripts/build_real_descriptions.py bids SNAPSHOT.git [SNAPSHOT.git ...]

* France's common classification of medical acts CCAM (Assurance Maladie / ATIH; French): the
  imaging acts, i.e. the acts filed under a paragraph (arborescence level 3) whose name starts
  with an imaging technique (Echographie, Radiographie, Scanographie, Remnographie [IRM],
  Scintigraphie, Autres actes d'imagerie), with their long and short official names
  (``tests/data/ccam_imaging.csv``, extracted from a git snapshot of the public-domain
  ``GuillaumePressiat/nomensland`` package, which carries ATIH's CCAM files).  Labels come from
  the CCAM tree: the paragraph's technique gives the modality (echographie US, scanographie CT,
  remnographie MR; radiographie spans radiography, fluoroscopy, angiography and mammography and
  scintigraphie spans planar, SPECT and PET, so they give none) and the chapter (an organ system
  or a body region) or, in the circulatory chapter, the sub-paragraph gives ``region_any``::

      python scripts/build_real_descriptions.py ccam-extract SNAPSHOT.git   # writes ccam_imaging.csv
      python scripts/build_real_descriptions.py ccam

* Colombia's single classification of health procedures CUPS (Ministerio de Salud y Proteccion
  Social; Spanish): the diagnostic imaging procedures as a public copy lists them with their CUPS
  sub-category (``tests/data/cups_imaging.csv``, read from a git snapshot of ``tudrcorp/integracorp``,
  file ``database/seeders/TelemedicineStudiesListSeeder.php``).  Labels come from the sub-category
  name, which states the technique and the body region ("TOMOGRAFIA COMPUTADA (TC) DE CABEZA CARA
  Y CUELLO": CT; head, face, neck)::

      python scripts/build_real_descriptions.py cups-extract SNAPSHOT.git   # writes cups_imaging.csv
      python scripts/build_real_descriptions.py cups

* Malaysia's national imaging code list (Ministry of Health Malaysia; MY Core FHIR implementation
  guide of Malaysia Healthcare Nexus, CodeSystem ``imaging-my-core``, CC0; English): 761 exam names
  as a radiology information system lists them (``tests/data/mycore_imaging.csv``, read from a git
  snapshot of ``nhphong245/my-core-ig-r4``).  Labels come from each exam's own ``modalityDisplay``
  and ``regionDisplay`` properties (``MYCORE_MODALITY``, ``MYCORE_REGIONS``: the mapping was
  written before curator was run on these names)::

      python scripts/build_real_descriptions.py mycore-extract SNAPSHOT.git   # writes mycore_imaging.csv
      python scripts/build_real_descriptions.py mycore

* Scottish Medical Imaging (SMI, NHS Scotland's national PACS archive in the Safe Haven of the
  University of Dundee's Health Informatics Centre; English): the aggregate model of CT tags of the
  public repository ``SMI/BadMedicine.Dicom`` (file ``BadMedicine.Dicom/DicomDataGeneratorDescBodyPart.csv``:
  the 2,000 most frequent (Modality, StudyDescription, BodyPartExamined, SeriesDescription) of the
  archive's CT series with their counts).  Labels are the DICOM headers' own: Modality (CT) and
  BodyPartExamined as the scanners wrote it, mapped to RadLex regions (``SMI_BODY_PART``: written
  before curator was run on these names); a name's ``region_any`` is the union over the archive's
  series carrying it (a thorax-abdomen-pelvis study holds series labelled CHEST and ABDOMEN).
  The model keeps each series' study, so a third part (``smi-series-in-study``, column
  ``study_description``) has one row per (study name, series name): the series read with its
  study's description, as curator reads a DICOM series, labelled with that pair's own
  BodyPartExamined; it is development data only when both names are.  The
  repository is GPL-3.0, so the names are NOT shipped: this script reads a local git snapshot and
  writes a file outside the project for ``benchmarks/normalize.py --external FILE``::

      python scripts/build_real_descriptions.py smi SNAPSHOT.git OUT.csv

* Brazil's hierarchical classification of medical procedures CBHPM 2020 (Associacao Medica
  Brasileira; its codes and terms are those of the ANS's TUSS table 22; Portuguese): the
  diagnostic imaging procedures (nuclear medicine in vivo, radiology, ultrasound, CT, MR) of a
  public copy of its ``code;name`` table (``david271201/PFC_2025``, file ``CBHPM 2020.csv``).
  Labels come from the code structure the CBHPM defines (``CBHPM_MODALITY``, ``CBHPM_SUBGROUPS``:
  written from the sub-group names before curator was run on these names): the group gives the
  modality (409 US, 410 CT, 411 MR), the sub-group ``region_any`` where it names a body region or
  an organ system (40801 "Cranio e face": head, face).  The copy declares no licence, so the
  names are NOT shipped: this script reads a local git snapshot and writes a file outside the
  project for ``benchmarks/normalize.py --external FILE``::

      python scripts/build_real_descriptions.py cbhpm SNAPSHOT.git OUT.csv

* The US Department of Veterans Affairs' radiology procedure file (VistA file 71, RAD/NUC MED
  PROCEDURES, as the FOIA release of VistA carries it; public domain, a work of the US federal
  government; English): 520 procedure names as a hospital radiology system lists them (``CT HEAD
  W/O CONT``, ``SPINE LUMBOSACRAL MIN 2 VIEWS``, ``ECHOGRAM PELVIC COMPLETE``), read from a git
  snapshot of ``WorldVistA/VistA-M`` (``tests/data/va_radiology_procedures.csv``).  Labels come
  from each procedure's own fields: its CPT code (field 9) gives ``region_any`` through the CPT
  radiology subsection the code lies in ("Diagnostic Radiology - Head and Neck": head, face,
  neck; ``VA_CPT_SUBSECTIONS``, written from the subsection names before curator was run on
  these names), its AMIS workload codes (multiple 2) the modality where they name a technique
  (COMPUTED TOMOGRAPHY, ULTRASOUND, NUCLEAR MEDICINE, the plain-film categories).  The CPT codes
  themselves (AMA) are not shipped: the extract keeps the subsection name::

      python scripts/build_real_descriptions.py va-extract SNAPSHOT.git   # writes va_radiology_procedures.csv
      python scripts/build_real_descriptions.py va

* Italy's national catalogue of specialist outpatient services (Catalogo nazionale delle prestazioni,
  DPCM 12 January 2017 Allegato 4; Italian): the imaging services (ICD-9-CM 87.0-88.9, radioisotope
  scans 92.0-92.1) of the copy in the HL7 Italia guide ``hl7-it/televisita``
  (``tests/data/cnp_imaging.csv``).  Labels come from the ICD-9-CM category of each code
  (``CNP_CATEGORIES``)::

      python scripts/build_real_descriptions.py cnp-extract SNAPSHOT.git   # writes cnp_imaging.csv
      python scripts/build_real_descriptions.py cnp

* Germany's scale of fees for physicians (Gebührenordnung für Ärzte, GOÄ, Anlage: Gebührenverzeichnis,
  section O I-III: Strahlendiagnostik, Nuklearmedizin, Magnetresonanztomographie; German), a federal
  regulation, from the copy of ``bundestag/gesetze`` (``tests/data/goae_imaging.csv``).  Labels come
  from the section and sub-section each number stands under (``GOAE_SECTIONS``)::

      python scripts/build_real_descriptions.py goae-extract SNAPSHOT.git   # writes goae_imaging.csv
      python scripts/build_real_descriptions.py goae

* Denmark's health-care classification (Sundhedsvæsenets Klassifikations System, SKS,
  Sundhedsdatastyrelsen), chapter UX *Radiologiske procedurer*, as the R package ``tagteam/heaven``
  ships it (``data/sks_codes.rda``, ASCII transliteration: ae, oe, aa).  Labels come from the
  code's third and fourth letters, the technique and region group the classification files it
  under (``SKS_MODALITY``, ``SKS_GROUPS``).  Not redistributed (SKS's terms of use: see
  tests/data/descriptions_real_SOURCE.md)::

      python scripts/build_real_descriptions.py sks SNAPSHOT.git OUT.csv   # then benchmarks/normalize.py --external OUT.csv

Each row gets a ``split`` fixed by a hash of (source, text): ``holdout`` (about 30%) is never
used for tuning; ``dev`` is.
"""
from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "descriptions_real.csv"
COLUMNS = ("id", "source", "institution", "lang", "level", "text", "modality", "body_region", "focus", "contrast",
           "laterality", "split")
# The 26 RID slots of the Playbook RIDS column (see scripts/build_radlex.py).
SLOT = {"MODALITY": 0, "BODY_REGION": (3, 8), "ANATOMIC_FOCUS": (13, 15), "LATERALITY": 15, "PHARMACEUTICAL": 20}
MODALITIES = {"RID10321", "RID10312", "RID10341", "RID10337", "RID10330", "RID10326", "RID10357", "RID10345",
              "RID49584", "RID10361"}
CONTRASTS = {"RID28768", "RID28769", "RID28771"}            # IV contrast states only
LATERALITIES = {"RID5824", "RID5825", "RID5771"}
HOSPITAL_FILES = {  # file in the snapshot (commit below) -> (institution, modality family)
    "mrmappings.csv": "Stanford Health Care (MR)",
    "nmmappings.csv": "Stanford Health Care (nuclear medicine)",
    "xrmappings.csv": "Naval Hospital Great Lakes (radiography)",
}
HOSPITAL_COMMIT = "30c10ea340c656769050444d8b98adbbc80cebfc"
HOLDOUT_PERCENT = 30
SIGTAP_IN = ROOT / "tests" / "data" / "sigtap_imaging.csv"
SIGTAP_OUT = ROOT / "tests" / "data" / "descriptions_real_sigtap.csv"
SIGTAP_MODALITY = {"0206": "RID10321", "0207": "RID10312"}
# SIGTAP "forma de organizacao" (code digits 1-6) -> its name and the RadLex regions it names.
HEAD, NECK, SPINE, THORAX, MEDIASTINUM = "RID9080", "RID7488", "RID7741", "RID1243", "RID1384"
ABDOMEN, PELVIS, UPPER, LOWER, SHOULDER = "RID56", "RID2507", "RID1850", "RID2638", "RID1852"
# The Playbook keeps face, breast and sacrum/coccyx as regions of their own; anatomically the
# head (cabeca) contains the face and the vertebral column (coluna vertebral) the sacrum and
# coccyx, and SIGTAP files its breast exams (mamografia, ductografia) under torax e mediastino.
FACE, SACRUM, COCCYX, BREAST = "RID13284", "RID2509", "RID2524", "RID28749"
SIGTAP_FORMS = {
    "020401": ("exames radiologicos da cabeca e pescoco", (HEAD, FACE, NECK)),
    "020402": ("exames radiologicos da coluna vertebral", (SPINE, SACRUM, COCCYX)),
    "020403": ("exames radiologicos do torax e mediastino", (THORAX, MEDIASTINUM, BREAST)),
    "020404": ("exames radiologicos da cintura escapular e dos membros superiores", (SHOULDER, UPPER)),
    "020405": ("exames radiologicos do abdomen e pelve", (ABDOMEN, PELVIS)),
    "020406": ("exames radiologicos da cintura pelvica e dos membros inferiores", (PELVIS, LOWER)),
    "020601": ("tomografia da cabeca, pescoco e coluna vertebral", (HEAD, FACE, NECK, SPINE, SACRUM, COCCYX)),
    "020602": ("tomografia do torax e membros superiores", (THORAX, SHOULDER, UPPER)),
    "020603": ("tomografia do abdomen, pelve e membros inferiores", (ABDOMEN, PELVIS, LOWER)),
    "020701": ("ressonancia magnetica da cabeca, pescoco e coluna vertebral", (HEAD, FACE, NECK, SPINE, SACRUM, COCCYX)),
    "020702": ("ressonancia magnetica do torax e membros superiores", (THORAX, SHOULDER, UPPER)),
    "020703": ("ressonancia magnetica do abdomen, pelve e membros inferiores", (ABDOMEN, PELVIS, LOWER)),
}

# SIGTAP sub-groups 02.05 (ultrasound) and 02.08 (nuclear medicine in vivo), read from the FHIR
# CodeSystem BRTabelaSUS (SIGTAP version 201701A) of a public snapshot of kyriosdata/rnds-ig.
SIGTAP_US_NM_IN = ROOT / "tests" / "data" / "sigtap_imaging_us_nm.csv"
SIGTAP_US_NM_OUT = ROOT / "tests" / "data" / "descriptions_real_sigtap_us_nm.csv"
SIGTAP_US_NM_FILE = "input/fsh/codesystems/BRTabelaSUS.fsh"
SIGTAP_US_NM_MODALITY = {"0205": "RID10326", "0208": "RID10330"}   # ultrassonografia US, medicina nuclear NM
# The forms of 02.05 name no region (circulatory system "in any anatomical region", and "the
# other systems"); the forms of 02.08 name organ systems, mapped to the regions where the organs
# lie with the conventions of the CBHPM in-vivo sub-groups and the CCAM chapters (cardiovascular,
# skeletal, haematological and "other" lie anywhere: none).
SIGTAP_US_NM_FORMS = {
    "020501": ("ultrassonografias do sistema circulatorio (qualquer regiao anatomica)", ()),
    "020502": ("ultrassonografias dos demais sistemas", ()),
    "020801": ("aparelho cardiovascular", ()),
    "020802": ("aparelho digestivo", (HEAD, FACE, NECK, THORAX, MEDIASTINUM, ABDOMEN, PELVIS)),
    "020803": ("aparelho endocrino", (HEAD, NECK, THORAX, MEDIASTINUM, ABDOMEN)),
    "020804": ("aparelho geniturinario", (ABDOMEN, PELVIS)),
    "020805": ("aparelho esqueletico", ()),
    "020806": ("sistema nervoso", (HEAD, SPINE, SACRUM, COCCYX)),
    "020807": ("aparelho respiratorio", (HEAD, FACE, NECK, THORAX, MEDIASTINUM)),
    "020808": ("sistema hematopoietico e linfatico", ()),
    "020809": ("outros", ()),
}


def split_of(source: str, text: str) -> str:
    digest = hashlib.sha256(f"{source}\x1f{text}".encode()).digest()
    return "holdout" if digest[0] * 100 // 256 < HOLDOUT_PERCENT else "dev"


def labels(rids_cell: str) -> dict[str, str]:
    rids = [r if r.startswith("RID") else "" for r in (rids_cell or "").split("|")]
    rids += [""] * (26 - len(rids))
    a, b = SLOT["BODY_REGION"]
    f, g = SLOT["ANATOMIC_FOCUS"]
    modality = rids[SLOT["MODALITY"]]
    contrast = rids[SLOT["PHARMACEUTICAL"]]
    laterality = rids[SLOT["LATERALITY"]]
    return {
        "modality": modality if modality in MODALITIES else "",
        "body_region": "+".join(dict.fromkeys(r for r in rids[a:b] if r)),
        "focus": "+".join(dict.fromkeys(r for r in rids[f:g] if r)),
        "contrast": contrast if contrast in CONTRASTS else "",
        "laterality": laterality if laterality in LATERALITIES else "",
    }


def read_playbook(path: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    """RPID -> (names, labels) from the complete Playbook CSV (no header row)."""
    out = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) < 8 or not row[0].startswith("RPID"):
                continue
            names = [" ".join(n.split()) for n in (row[2], row[3], row[4], row[5]) if n.strip()]
            out[row[0]] = (list(dict.fromkeys(names)), labels(row[7]))
    return out


def playbook_rows(path: Path) -> list[dict[str, str]]:
    rows, seen = [], set()
    for rpid, (names, lab) in sorted(read_playbook(path).items(), key=lambda kv: int(kv[0][4:])):
        for k, name in enumerate(names):
            key = name.casefold()
            if key in seen:
                continue
            seen.add(key)
            rows.append({"id": f"{rpid}-{k}", "source": "rsna-playbook", "institution": "RSNA RadLex Playbook",
                         "lang": "en", "level": "study", "text": name, **lab,
                         "split": split_of("rsna-playbook", name)})
    return rows


def hospital_rows(snapshot: Path, playbook: Path) -> list[dict[str, str]]:
    book = read_playbook(playbook)
    rows = []
    for filename, institution in HOSPITAL_FILES.items():
        text = subprocess.run(["git", "--git-dir", str(snapshot), "show", f"{HOSPITAL_COMMIT}:{filename}"],
                              check=True, capture_output=True, text=True).stdout
        for n, row in enumerate(csv.reader(text.splitlines())):
            if len(row) < 2 or row[0] not in book:
                continue
            name = " ".join(",".join(row[1:]).split())
            rows.append({"id": f"{filename[:2]}{n:04d}", "source": "tekram/radlex-mapper", "institution": institution,
                         "lang": "en", "level": "study", "text": name, **book[row[0]][1],
                         "split": split_of(institution, name)})
    return rows


def sigtap_rows(path: Path) -> list[dict[str, str]]:
    rows = []
    for row in csv.DictReader(path.open(encoding="utf-8")):
        code, name = row["code"], " ".join(row["name"].split())
        _, regions = SIGTAP_FORMS[code[:6]]
        rows.append({"id": f"SIGTAP{code}", "source": "sigtap", "institution": "Ministerio da Saude (Brazil), SIGTAP",
                     "lang": "pt", "level": "study", "text": name, "modality": SIGTAP_MODALITY.get(code[:4], ""),
                     "body_region": "", "focus": "", "region_any": "+".join(regions), "contrast": "",
                     "laterality": "", "split": split_of("sigtap", name)})
    return rows


def sigtap_us_nm_extract(snapshot: Path) -> list[dict[str, str]]:
    """The procedures of SIGTAP sub-groups 02.05 and 02.08 in a snapshot's BRTabelaSUS CodeSystem."""
    text = _git(snapshot, "show", f"HEAD:{SIGTAP_US_NM_FILE}")
    found = re.findall(r'^\* #(020[58]\d{6}) "(.*)"$', text, re.M)
    return [{"code": code, "name": name} for code, name in sorted(found)]


def sigtap_us_nm_rows(path: Path) -> list[dict[str, str]]:
    rows = []
    for row in csv.DictReader(path.open(encoding="utf-8")):
        code, name = row["code"], " ".join(row["name"].split())
        _, regions = SIGTAP_US_NM_FORMS[code[:6]]
        rows.append({"id": f"SIGTAP{code}", "source": "sigtap-us-nm", "institution": "Ministerio da Saude (Brazil), SIGTAP",
                     "lang": "pt", "level": "study", "text": name, "modality": SIGTAP_US_NM_MODALITY[code[:4]],
                     "body_region": "", "focus": "", "region_any": "+".join(regions), "contrast": "",
                     "laterality": "", "split": split_of("sigtap-us-nm", name)})
    return rows

CCAM_IN = ROOT / "tests" / "data" / "ccam_imaging.csv"
CCAM_OUT = ROOT / "tests" / "data" / "descriptions_real_ccam.csv"
CCAM_TABLE = "inst/tables/ccam_hierarchie_actes.json.gz"
CCAM_SHORT_TABLE = "inst/tables/ccam_actes.json.gz"
CCAM_TECHNIQUE = re.compile(r"^(Échographie|Radiographie|Scanographie|Remnographie|Scintigraphie|Autres actes d'imagerie)")
# Paragraph technique -> DICOM modality (RadLex).  Radiographie (radiography, fluoroscopy,
# angiography, mammography) and Scintigraphie (planar, SPECT, PET) give none.
CCAM_MODALITY = {"Échographie": "RID10326", "Scanographie": "RID10321", "Remnographie": "RID10312"}
HEART_THORAX = (THORAX, MEDIASTINUM)
CERVICOCEPHALIC = (HEAD, FACE, NECK)
# CCAM chapter (or sub-chapter) -> the RadLex regions where the organs it names lie.  Chapters
# whose organs lie anywhere (04 circulatory, 05 immune and haematopoietic, 15 musculoskeletal
# without topography, 16.01 skin and soft tissue, 17 without topography, 19 transitional) give
# none, except where a sub-paragraph names a region (CCAM_SUBPARAGRAPH_REGIONS).
CCAM_CHAPTER_REGIONS = {
    "01": ("système nerveux central, périphérique et autonome (imaging of the neuraxis)", (HEAD, SPINE, SACRUM, COCCYX)),
    "02": ("oeil et annexes", (HEAD, FACE)),
    "06": ("appareil respiratoire", (HEAD, FACE, NECK, THORAX, MEDIASTINUM)),
    "07": ("appareil digestif", (HEAD, FACE, NECK, THORAX, MEDIASTINUM, ABDOMEN, PELVIS)),
    "08": ("appareil urinaire et génital", (ABDOMEN, PELVIS)),
    "09": ("actes concernant la procréation, la grossesse et le nouveau-né", (ABDOMEN, PELVIS)),
    "10": ("glandes endocrines", (HEAD, NECK, THORAX, MEDIASTINUM, ABDOMEN)),
    "11": ("tête", (HEAD, FACE)),
    "12": ("cou et tronc", (NECK, SPINE, SACRUM, COCCYX, THORAX, ABDOMEN, PELVIS)),
    "13": ("membre supérieur (with the shoulder girdle)", (SHOULDER, UPPER)),
    "14": ("membre inférieur (with the pelvic girdle)", (PELVIS, LOWER)),
    "16.02": ("sein", (BREAST,)),
}
# Circulatory sub-paragraphs (arborescence level 4) that name a region.
CCAM_SUBPARAGRAPH_REGIONS = {
    "04.01.03.01": HEART_THORAX, "04.01.03.02": HEART_THORAX, "04.01.03.03": CERVICOCEPHALIC,
    "04.01.03.04": (SHOULDER, UPPER), "04.01.03.05": (ABDOMEN,), "04.01.03.06": (PELVIS, LOWER),
    "04.01.04.01": HEART_THORAX, "04.01.04.03": HEART_THORAX, "04.01.04.04": HEART_THORAX,
    "04.01.04.05": CERVICOCEPHALIC, "04.01.04.06": (SHOULDER, UPPER), "04.01.04.07": (SPINE, SACRUM, COCCYX),
    "04.01.04.08": (ABDOMEN, PELVIS), "04.01.04.09": (PELVIS, LOWER), "04.01.04.10": CERVICOCEPHALIC,
    "04.01.04.11": (SHOULDER, UPPER), "04.01.04.12": (NECK, *HEART_THORAX), "04.01.04.13": (PELVIS, LOWER),
    "04.01.04.14": (ABDOMEN, PELVIS, *HEART_THORAX), "04.01.04.15": (HEAD, FACE),
}


def ccam_extract(snapshot: Path) -> list[dict[str, str]]:
    """The imaging acts of the CCAM tree in a nomensland snapshot (code, place in the tree, names)."""
    import gzip
    tree = json.loads(gzip.decompress(subprocess.run(
        ["git", "--git-dir", str(snapshot), "show", f"HEAD:{CCAM_TABLE}"], check=True, capture_output=True).stdout))
    acts = json.loads(gzip.decompress(subprocess.run(
        ["git", "--git-dir", str(snapshot), "show", f"HEAD:{CCAM_SHORT_TABLE}"], check=True, capture_output=True).stdout))
    short = {a["code"]: a.get("libelle_court", "") for a in acts if not a.get("date_fin")}
    paragraphs = {n["strate"][:8]: n["libelle"] for n in tree
                  if n.get("type") == "H" and n.get("niveau") == 3 and CCAM_TECHNIQUE.match(n["libelle"])}
    rows = []
    for node in tree:
        if node.get("type") == "A" and node["strate"][:8] in paragraphs and node["code"] in short:
            rows.append({"code": node["code"], "strate": node["strate"], "paragraph": paragraphs[node["strate"][:8]],
                         "long_name": " ".join(node["libelle"].split()), "short_name": " ".join(short[node["code"]].split())})
    return sorted(rows, key=lambda r: (r["strate"], r["code"]))


def ccam_labels(strate: str, paragraph: str) -> dict[str, str]:
    technique = CCAM_TECHNIQUE.match(paragraph)
    modality = CCAM_MODALITY.get(technique.group(1) if technique else "", "")
    regions = CCAM_SUBPARAGRAPH_REGIONS.get(strate, ())
    for key in (strate[:5], strate[:2]):
        regions = regions or CCAM_CHAPTER_REGIONS.get(key, ("", ()))[1]
    return {"modality": modality, "region_any": "+".join(dict.fromkeys(regions))}


def ccam_rows(path: Path) -> list[dict[str, str]]:
    """Both official names of each imaging act; the split is by act, so its two names fall together."""
    rows, seen = [], set()
    for act in csv.DictReader(path.open(encoding="utf-8")):
        lab = ccam_labels(act["strate"], act["paragraph"])
        for kind, name in (("L", act["long_name"]), ("S", act["short_name"])):
            if not name or name.casefold() in seen:
                continue
            seen.add(name.casefold())
            rows.append({"id": f"CCAM{act['code']}-{kind}", "source": "ccam",
                         "institution": "Assurance Maladie / ATIH (France), CCAM", "lang": "fr", "level": "study",
                         "text": name, "modality": lab["modality"], "body_region": "", "focus": "",
                         "region_any": lab["region_any"], "contrast": "", "laterality": "",
                         "split": split_of("ccam", act["code"])})
    return rows


CUPS_IN = ROOT / "tests" / "data" / "cups_imaging.csv"
CUPS_OUT = ROOT / "tests" / "data" / "descriptions_real_cups.csv"
CUPS_FILE = "database/seeders/TelemedicineStudiesListSeeder.php"
CUPS_COMMIT = "9bf8bd542fa542928e9a536fabd2e4dc43eb27e7"
CUPS_ENTRY = re.compile(r"'description' => ucfirst\(strtolower\('([^']*)'\)\),\s*'category' => ucfirst\(strtolower\('([^']*)'\)\)")
# Sub-category technique -> modality: only where the name states one technique.
CUPS_MODALITY = (("TOMOGRAFIA COMPUTADA", "RID10321"), ("ESTUDIOS CON TOMOGRAFIA", "RID10321"),
                 ("RESONANCIA MAGNETICA", "RID10312"), ("ECOGRAFIA", "RID10326"), ("MAMOGRAFIA", "RID10357"))
UPPER_LIMB, LOWER_LIMB = (SHOULDER, UPPER), (PELVIS, LOWER)
# "EXTREMIDADES" (both limbs) is also RadLex's "set of extremities"; the thorax holds the breasts
# (as for SIGTAP's "torax e mediastino").  Both added after the first development run (disclosed).
EXTREMITIES, CHEST = (SHOULDER, UPPER, PELVIS, LOWER, "RID43248"), (THORAX, MEDIASTINUM, BREAST)
SPINAL = (SPINE, SACRUM, COCCYX)
HEAD_NECK = (HEAD, FACE, NECK)
# Sub-category region words (the name's ending) -> RadLex regions; the longest match wins.
CUPS_REGIONS = {
    "CRANEO": (HEAD,), "CEREBRO Y CRANEO": (HEAD,), "CARA O HUESOS FACIALES": (HEAD, FACE), "CUELLO": (NECK,),
    "CABEZA CARA Y CUELLO": HEAD_NECK, "CABEZA CARA O CUELLO": HEAD_NECK, "LA CABEZA CARA Y CUELLO": HEAD_NECK,
    "VASOS DE CABEZA Y CUELLO": HEAD_NECK, "CUELLO FARINGE LARINGE": HEAD_NECK, "COLUMNA VERTEBRAL": SPINAL,
    "COLUMNA": SPINAL, "COLUMNA VERTEBRAL Y CANAL ESPINAL": SPINAL, "VASOS ESPINALES": SPINAL, "MIELOGRAFIAS": SPINAL,
    "TORAX": CHEST, "TORAX Y ORGANOS TORACICOS": CHEST, "VASOS DEL TORAX": (THORAX, MEDIASTINUM),
    "CORAZON Y GRANDES VASOS": (THORAX, MEDIASTINUM), "CORAZÓN Y GRANDES VASOS": (THORAX, MEDIASTINUM),
    "MEDIASTINO Y ORGANOS RELACIONADOS": (THORAX, MEDIASTINUM), "ABDOMEN": (ABDOMEN,), "PARED ABDOMINAL": (ABDOMEN,),
    "VIA DIGESTIVA": (NECK, THORAX, MEDIASTINUM, ABDOMEN, PELVIS), "VASOS INTRABDOMINALES": (ABDOMEN, PELVIS),
    "ABDOMEN Y PELVIS": (ABDOMEN, PELVIS), "DEL ABDOMEN Y PELVIS": (ABDOMEN, PELVIS), "ABDOMINALES Y PELVICOS": (ABDOMEN, PELVIS),
    "ABDOMEN PELVIS Y ORGANOS O ESTRUCTURAS CONEXAS": (ABDOMEN, PELVIS), "SISTEMA URINARIO": (ABDOMEN, PELVIS),
    "VIAS BILIARES": (ABDOMEN,), "SISTEMA GENITAL": (PELVIS,), "PELVIS Y DE GENITALES FEMENINOS": (PELVIS,),
    "PELVICA Y DE GENITALES MASCULINOS": (PELVIS,), "EXTREMIDADES": EXTREMITIES,
    "EXTREMIDADES Y ARTICULACIONES": EXTREMITIES, "EXTREMIDADES SUPERIORES": UPPER_LIMB,
    "EXTREMIDADES INFERIORES": LOWER_LIMB, "ARTICULACIONES DE MIEMBRO INFERIOR": LOWER_LIMB,
    "MAMOGRAFIA": (BREAST,), "GALACTOGRAFIA": (BREAST,), "DACRIOCISTOGRAFIA": (HEAD, FACE), "SIALOGRAFIA": HEAD_NECK,
}


def cups_extract(snapshot: Path) -> list[dict[str, str]]:
    """(sub-category, name) of each imaging procedure in the public copy, in its order."""
    text = _git(snapshot, "show", f"{CUPS_COMMIT}:{CUPS_FILE}")
    rows, seen = [], set()
    for name, category in CUPS_ENTRY.findall(text):
        name, category = " ".join(name.split()), " ".join(category.split())
        if (name, category) not in seen:
            seen.add((name, category))
            rows.append({"category": category, "name": name})
    return rows


def cups_labels(category: str) -> dict[str, str]:
    folded = category.upper()
    modality = next((code for word, code in CUPS_MODALITY if word in folded), "")
    ends = [k for k in CUPS_REGIONS if folded == k or folded.endswith(" " + k)]
    regions = CUPS_REGIONS[max(ends, key=len)] if ends else ()
    return {"modality": modality, "region_any": "+".join(dict.fromkeys(regions))}


def cups_rows(path: Path) -> list[dict[str, str]]:
    rows, seen = [], set()
    for n, entry in enumerate(csv.DictReader(path.open(encoding="utf-8"))):
        name = entry["name"]
        if name.casefold() in seen:      # listed twice (under two sub-categories): kept once, first place
            continue
        seen.add(name.casefold())
        lab = cups_labels(entry["category"])
        rows.append({"id": f"CUPS{n:04d}", "source": "cups", "institution": "Ministerio de Salud y Proteccion Social (Colombia), CUPS",
                     "lang": "es", "level": "study", "text": name, "modality": lab["modality"], "body_region": "", "focus": "",
                     "region_any": lab["region_any"], "contrast": "", "laterality": "", "split": split_of("cups", name)})
    return rows


# Malaysia's national imaging code list (MY Core FHIR IG of the Ministry of Health's Malaysia
# Healthcare Nexus, CodeSystem imaging-my-core, CC0): every exam carries the list's own modality
# and region (regionDisplay).  Mapping fixed before curator was ever run on these names.
MYCORE_IN = ROOT / "tests" / "data" / "mycore_imaging.csv"
MYCORE_OUT = ROOT / "tests" / "data" / "descriptions_real_mycore.csv"
MYCORE_COMMIT = "9f9afb730d805733a86d1419bdc59be945daf8e5"
MYCORE_FILE = "input/resources/CodeSystem-imaging-my-core.json"
# modalityDisplay -> RadLex modality, only where it names one technique.
MYCORE_MODALITY = {"GENERAL RADIOGRAPHY": "RID10345", "GENERAL RADIOGRAPHY (Mobile)": "RID10345", "CT": "RID10321",
                   "MRI": "RID10312", "ULTRASOUND": "RID10326", "ULTRASOUND (Mobile)": "RID10326",
                   "MAMMOGRAPHY": "RID10357", "FLUOROSCOPY": "RID10361", "ANGIOGRAPHY": "RID49584"}
WHOLE_BODY, BONE = "RID39569", "RID13197"
CHEST_GROUP = (THORAX, MEDIASTINUM, BREAST)
# regionDisplay (the " (Mobile)" / " (ULTRASOUND (Mobile))" tail removed) -> RadLex regions.
# Organ systems follow the CCAM chapters (respiratory, endocrine, CNS) and CUPS sub-categories
# (digestive tract, urinary system); technique or procedure groups (CTA, ARTHROGRAM, DYNAMIC,
# FUNCTIONAL, MRA, MRV, OTHERS, ANATOMICAL REGION, arteries/veins, musculoskeletal system,
# interventional and C-arm procedures, BMD, film) give none.
MYCORE_REGIONS = {
    "ABDOMEN": (ABDOMEN,), "CHEST": CHEST_GROUP, "THORAX": CHEST_GROUP, "MRI THORAX": CHEST_GROUP,
    "EXTREMITIES": EXTREMITIES, "PELVIS": (PELVIS,), "MRI PELVIS": (PELVIS,),
    "SKELETAL SURVEY": (BONE, WHOLE_BODY), "SKELETAL SURVEY - Infant": (BONE, WHOLE_BODY),
    "SKULL & FACIAL BONES": (HEAD, FACE), "SKULL AND FACIAL BONES": (HEAD, FACE), "SKULL": (HEAD, FACE),
    "TMJ (Temporo-Mandibular Joints)": (HEAD, FACE),
    "SPINES": SPINAL, "SPINE": SPINAL, "MRI SPINES": SPINAL,
    "HEAD AND NECK": HEAD_NECK, "HEAD & NECK": HEAD_NECK, "VENOGRAPHY HEAD & NECK": HEAD_NECK,
    "ANGIOGRAM - CEREBRAL": HEAD_NECK,
    "BREAST": (BREAST,), "BREAST (MAMMOGRAPHY)": (BREAST,),
    "HEPATOBILLIARY SYSTEM": (ABDOMEN,), "HEPATOBILIARY SYSTEM & PANCREAS": (ABDOMEN,),
    "URINARY SYSTEM": (ABDOMEN, PELVIS), "URINARY SYSTEM (IVU)": (ABDOMEN, PELVIS),
    "CNS": (HEAD,) + SPINAL,
    "DIGESTIVE SYSTEM": (NECK, THORAX, MEDIASTINUM, ABDOMEN, PELVIS),
    "GASTROINTESTINAL SYSTEM": (NECK, THORAX, MEDIASTINUM, ABDOMEN, PELVIS),
    "ENDOCRINE SYSTEM": (HEAD, NECK, THORAX, MEDIASTINUM, ABDOMEN),
    "RESPIRATORY SYSTEM": (HEAD, FACE, NECK, THORAX, MEDIASTINUM),
    "REPRODUCTIVE SYSTEM - FEMALE": (ABDOMEN, PELVIS), "REPRODUCTIVE SYSTEM - MALE": (ABDOMEN, PELVIS),
    "ANGIOGRAM - THORACIC": (THORAX, MEDIASTINUM), "VENOGRAPHY THORACIC": (THORAX, MEDIASTINUM),
    "ANGIOGRAM \u2013 ABDOMINAL / PELVIS": (ABDOMEN, PELVIS), "VENOGRAPHY ABDOMINAL / PELVIS": (ABDOMEN, PELVIS),
    "VENOGRAPHY EXTREMITIES": EXTREMITIES,
}


def _utf8_repaired(text: str) -> str:
    """The list has a few en dashes stored as UTF-8 read as Windows-1252 ("\u00e2\u20ac\u201c"): decode them back."""
    try:
        return text.encode("cp1252").decode("utf-8") if "\u00e2\u20ac" in text else text
    except UnicodeError:
        return text


def mycore_extract(snapshot: Path) -> list[dict[str, str]]:
    """(code, modality, region, name) of each exam of the code system, in its order."""
    data = json.loads(_git(snapshot, "show", f"{MYCORE_COMMIT}:{MYCORE_FILE}"))
    rows = []
    for concept in data["concept"]:
        props = {p["code"]: p.get("valueString", p.get("valueCode", "")) for p in concept.get("property", [])}
        if not props:       # "No Information"
            continue
        rows.append({"code": concept["code"], "modality": props.get("modalityDisplay", ""),
                     "region": _utf8_repaired(props.get("regionDisplay", "")), "name": _utf8_repaired(" ".join(concept["display"].split()))})
    return rows


def mycore_labels(modality: str, region: str) -> dict[str, str]:
    bare = re.sub(r" \((ULTRASOUND \(Mobile\)|Mobile)\)$", "", region)
    return {"modality": MYCORE_MODALITY.get(modality, ""), "region_any": "+".join(dict.fromkeys(MYCORE_REGIONS.get(bare, ())))}


def mycore_rows(path: Path) -> list[dict[str, str]]:
    rows = []
    for entry in csv.DictReader(path.open(encoding="utf-8")):
        lab = mycore_labels(entry["modality"], entry["region"])
        rows.append({"id": f"MYCORE{entry['code']}", "source": "mycore",
                     "institution": "Ministry of Health Malaysia (MY Core imaging code list)", "lang": "en", "level": "study",
                     "text": entry["name"], "modality": lab["modality"], "body_region": "", "focus": "",
                     "region_any": lab["region_any"], "contrast": "", "laterality": "", "split": split_of("mycore", entry["name"])})
    return rows


VA_IN = ROOT / "tests" / "data" / "va_radiology_procedures.csv"
VA_OUT = ROOT / "tests" / "data" / "descriptions_real_va.csv"
VA_COMMIT = "b7aecb9029"
VA_FILE = "Packages/Radiology Nuclear Medicine/Globals/71+RAD-NUC MED PROCEDURES.zwr"
# CPT radiology subsections (first code, last code, name as CPT heads it) -> RadLex regions, with
# the conventions of the sets above (chest: thorax, mediastinum, breast; digestive tract: neck to
# pelvis; organ systems of nuclear medicine as CCAM's chapters).  Subsections that name no region
# (vascular procedures, other procedures, guidance, haematopoietic, musculoskeletal,
# cardiovascular and "other" nuclear medicine, radiation oncology, medicine codes) give none.
VA_CPT_SUBSECTIONS = (
    (70010, 70559, "Diagnostic Radiology: Head and Neck", HEAD_NECK),
    (71010, 71599, "Diagnostic Radiology: Chest", CHEST_GROUP),
    (72010, 72299, "Diagnostic Radiology: Spine and Pelvis", (*SPINAL, PELVIS)),
    (73000, 73299, "Diagnostic Radiology: Upper Extremities", (SHOULDER, UPPER)),
    (73500, 73799, "Diagnostic Radiology: Lower Extremities", (PELVIS, LOWER)),
    (74000, 74199, "Diagnostic Radiology: Abdomen", (ABDOMEN, PELVIS)),
    (74200, 74399, "Diagnostic Radiology: Gastrointestinal Tract", (NECK, THORAX, MEDIASTINUM, ABDOMEN, PELVIS)),
    (74400, 74499, "Diagnostic Radiology: Urinary Tract", (ABDOMEN, PELVIS)),
    (74700, 74799, "Diagnostic Radiology: Gynecological and Obstetrical", (ABDOMEN, PELVIS)),
    (75500, 75599, "Diagnostic Radiology: Heart", (THORAX, MEDIASTINUM)),
    (75600, 75999, "Diagnostic Radiology: Vascular Procedures", ()),
    (76000, 76499, "Diagnostic Radiology: Other Procedures", ()),
    (76500, 76599, "Diagnostic Ultrasound: Head and Neck", HEAD_NECK),
    (76600, 76699, "Diagnostic Ultrasound: Chest", CHEST_GROUP),
    (76700, 76799, "Diagnostic Ultrasound: Abdomen and Retroperitoneum", (ABDOMEN,)),
    (76800, 76800, "Diagnostic Ultrasound: Spinal Canal", SPINAL),
    (76801, 76869, "Diagnostic Ultrasound: Pelvis", (ABDOMEN, PELVIS)),
    (76870, 76879, "Diagnostic Ultrasound: Genitalia", (ABDOMEN, PELVIS)),
    (76880, 76899, "Diagnostic Ultrasound: Extremities", EXTREMITIES),
    (76900, 76999, "Diagnostic Ultrasound: Guidance and Other Procedures", ()),
    (77000, 77999, "Radiologic Guidance, Breast, Bone and Joint Studies, Radiation Oncology", ()),
    (78000, 78099, "Nuclear Medicine: Endocrine System", (HEAD, NECK, THORAX, MEDIASTINUM, ABDOMEN)),
    (78100, 78199, "Nuclear Medicine: Hematopoietic, Reticuloendothelial and Lymphatic System", ()),
    (78200, 78299, "Nuclear Medicine: Gastrointestinal System", (HEAD, FACE, NECK, THORAX, MEDIASTINUM, ABDOMEN, PELVIS)),
    (78300, 78399, "Nuclear Medicine: Musculoskeletal System", ()),
    (78400, 78499, "Nuclear Medicine: Cardiovascular System", ()),
    (78500, 78599, "Nuclear Medicine: Respiratory System", (HEAD, FACE, NECK, THORAX, MEDIASTINUM)),
    (78600, 78699, "Nuclear Medicine: Nervous System", (HEAD, *SPINAL)),
    (78700, 78799, "Nuclear Medicine: Genitourinary System", (ABDOMEN, PELVIS)),
    (78800, 79999, "Nuclear Medicine: Other Procedures and Therapy", ()),
)
# MAJOR RAD/NUC MED AMIS CODES (VistA file 71.1) that name a technique -> modality; the others are
# workload groups (gastrointestinal, genitourinary, angiograms, interventional, other, portable).
VA_AMIS_MODALITY = {"1": "RID10345", "2": "RID10345", "3": "RID10345", "5": "RID10345", "7": "RID10345",
                    "8": "RID10345", "21": "RID10321", "23": "RID10326", "27": "RID10330"}


def va_extract(snapshot: Path) -> list[dict[str, str]]:
    """(ien, name, CPT subsection, AMIS codes) of each procedure of VistA file 71, in IEN order."""
    names: dict[int, tuple[str, str]] = {}
    amis: dict[int, list[str]] = {}
    for line in _git(snapshot, "show", f"{VA_COMMIT}:{VA_FILE}").splitlines():
        if m := re.match(r'\^RAMIS\(71,(\d+),0\)="(.*)"$', line):
            fields = m.group(2).split("^")
            names[int(m.group(1))] = (" ".join(fields[0].split()), fields[8] if len(fields) > 8 else "")
        elif m := re.match(r'\^RAMIS\(71,(\d+),2,\d+,0\)="(\d+)', line):
            amis.setdefault(int(m.group(1)), []).append(m.group(2))
    rows = []
    for ien, (name, cpt) in sorted(names.items()):
        section = next((s for lo, hi, s, _r in VA_CPT_SUBSECTIONS if cpt.isdigit() and lo <= int(cpt) <= hi), "")
        rows.append({"ien": str(ien), "name": name, "cpt_subsection": section, "amis": "+".join(amis.get(ien, []))})
    return rows


def va_rows(path: Path) -> list[dict[str, str]]:
    regions = {name: r for _lo, _hi, name, r in VA_CPT_SUBSECTIONS}
    rows, seen = [], set()
    for entry in csv.DictReader(path.open(encoding="utf-8")):
        if entry["name"].casefold() in seen:
            continue
        seen.add(entry["name"].casefold())
        modalities = {VA_AMIS_MODALITY[a] for a in entry["amis"].split("+") if a in VA_AMIS_MODALITY}
        rows.append({"id": f"VA71-{entry['ien']}", "source": "va-vista",
                     "institution": "US Department of Veterans Affairs (VistA radiology procedure file)", "lang": "en",
                     "level": "study", "text": entry["name"], "modality": modalities.pop() if len(modalities) == 1 else "",
                     "body_region": "", "focus": "", "region_any": "+".join(dict.fromkeys(regions.get(entry["cpt_subsection"], ()))),
                     "contrast": "", "laterality": "", "split": split_of("va-vista", entry["name"])})
    return rows


BIDS_OUT = ROOT / "tests" / "data" / "descriptions_real_bids.csv"
BIDS_LICENCES = {"CC0", "CC0-1.0", "PDDL", "ODC-PDDL"}
BIDS_WEIGHTING = {"T1w": "RID10794", "T2w": "RID10795", "PDw": "RID10792", "PD": "RID10792",
                  "T2starw": "RID10796", "T2star": "RID10796", "FLAIR": "RID35806", "dwi": "RID10799"}
BIDS_SUFFIX = re.compile(r"_(" + "|".join(BIDS_WEIGHTING) + r")\.json$")
# Reconstructions that are derived maps, not weighted images (no weighting label).
BIDS_DERIVED = re.compile(r"_rec-(ADC|FA|MD|TRACEW?ADC)_", re.IGNORECASE)
# An acq- label naming another weighting than the suffix ("acq-FLAIR1_T1w", "acq-SWI2_T1w"):
# the dataset's own naming contradicts itself, so the file gives no label.
BIDS_ACQ_WEIGHTING = {"flair": "FLAIR", "swi": "SWI", "t2star": "T2starw", "t2": "T2w", "t1": "T1w", "pd": "PDw",
                      "dwi": "dwi", "dti": "dwi", "stir": "STIR"}
# Contrast rules a dataset's README states (dataset -> file-name part -> IV contrast state).
BIDS_README_CONTRAST = {
    # ds007045 README: "sub-XXX_run-01_T1w.nii.gz file represents pre-contrast T1-WI, and
    # sub-XXX_run-02_T1w.nii.gz - T1-WI series obtained after Gd injection."
    "ds007045": {"_run-01_T1w.json": "RID28768", "_run-02_T1w.json": "RID28769"},
}


# The sequence header a DICOM series carries, as the BIDS sidecar keeps it (times in seconds
# there, in milliseconds in DICOM): written beside each name so that the benchmark can also
# run with the header evidence a real series would give (``sequence header`` rows).
BIDS_HEADER = {"scanning_sequence": "ScanningSequence", "sequence_variant": "SequenceVariant",
               "sequence_name": "SequenceName", "repetition_time": "RepetitionTime", "echo_time": "EchoTime",
               "inversion_time": "InversionTime", "flip_angle": "FlipAngle", "echo_train_length": "EchoTrainLength"}
BIDS_SECONDS = {"RepetitionTime", "EchoTime", "InversionTime"}


def _header_cells(sidecar: dict) -> dict[str, str]:
    """The sidecar's sequence attributes as DICOM states them (lists joined with backslash,
    times in ms; empty when absent)."""
    out = {}
    for column, key in BIDS_HEADER.items():
        value = sidecar.get(key)
        if isinstance(value, list):
            value = "\\".join(str(v) for v in value)
        if key in BIDS_SECONDS and isinstance(value, (int, float)):
            value = f"{value * 1000:.4g}"
        out[column] = "" if value is None else str(value)
    return out


def _git(snapshot: Path, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(snapshot), *args], check=True, capture_output=True, text=True).stdout


def _acq_contradicts(name: str) -> bool:
    suffix = BIDS_SUFFIX.search(name)
    acq = re.search(r"_acq-([A-Za-z0-9]+)", name)
    if suffix is None or acq is None:
        return False
    label = acq.group(1).casefold()
    named = next((w for word, w in BIDS_ACQ_WEIGHTING.items() if label.startswith(word)), None)
    same = {"PD": "PDw", "T2star": "T2starw"}.get(suffix.group(1), suffix.group(1))
    return named is not None and named != same


def _site(sidecar: dict) -> str:
    """The acquiring institution as the sidecar names it (case, spacing and "_" folded), the
    unit of the held-out split: a held-out site is never seen while tuning."""
    return " ".join(str(sidecar.get("InstitutionName") or "").replace("_", " ").split()).casefold()


def _read_json_blobs(snapshot: Path, names: list[str]) -> list[object]:
    """The JSON files ``names`` of the snapshot's HEAD, read through one ``git cat-file --batch``
    (None for a file that is not JSON; sidecars not in UTF-8 are read as Latin-1)."""
    request = "".join(f"HEAD:{n}\n" for n in names).encode()
    data = subprocess.run(["git", "--git-dir", str(snapshot), "cat-file", "--batch"], input=request,
                          check=True, capture_output=True).stdout
    out: list[object] = []
    pos = 0
    for _ in names:
        header_end = data.index(b"\n", pos)
        header = data[pos:header_end].split()
        if len(header) < 3 or header[1] != b"blob":
            out.append(None)
            pos = header_end + 1
            continue
        size = int(header[2])
        blob = data[header_end + 1:header_end + 1 + size]
        pos = header_end + 1 + size + 1
        try:
            text = blob.decode("utf-8")
        except UnicodeDecodeError:
            text = blob.decode("latin-1")
        try:
            out.append(json.loads(text))
        except json.JSONDecodeError:
            out.append(None)
    return out


def bids_rows(snapshots: list[Path]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for snapshot in snapshots:
        names = _git(snapshot, "ls-tree", "-r", "--name-only", "HEAD").splitlines()
        if "dataset_description.json" not in names:
            continue
        described = json.loads(_git(snapshot, "show", "HEAD:dataset_description.json") or "{}")
        if str(described.get("License", "")).strip() not in BIDS_LICENCES:
            continue
        rows += _bids_dataset(snapshot, names, described)
    return rows


def _bids_dataset(snapshot: Path, names: list[str], described: dict) -> list[dict[str, str]]:
    folder = snapshot.parent if snapshot.name == ".git" else snapshot
    folder = folder.parent if folder.name == "repo" else folder      # fetch's owner+name/repo layout
    repo = folder.name.replace("+", "/")
    dataset = repo.rsplit("/", 1)[-1]
    commit = _git(snapshot, "rev-parse", "HEAD").strip()
    rules = BIDS_README_CONTRAST.get(dataset, {})
    out: dict[tuple[str, str, str], dict[str, str]] = {}
    wanted = [n for n in names if BIDS_SUFFIX.search(n) and not BIDS_DERIVED.search(n) and not _acq_contradicts(n)]
    for name, sidecar in zip(wanted, _read_json_blobs(snapshot, wanted)):
        match = BIDS_SUFFIX.search(name)
        if match is None or not isinstance(sidecar, dict):
            continue
        text = " ".join(str(sidecar.get("SeriesDescription") or "").split())
        if not text:
            continue
        ce = re.search(r"_ce-([A-Za-z0-9]+)", name)
        contrast = "RID28769" if ce else next((code for part, code in rules.items() if name.endswith(part)), "")
        weighting = BIDS_WEIGHTING[match.group(1)]
        key = (text.casefold(), weighting, contrast)
        if key not in out:
            out[key] = {"id": f"{dataset}-{len(out):03d}", "source": f"{repo}@{commit[:12]}",
                        "institution": f"{dataset} ({described.get('Name', '')})".strip(), "lang": "en", "level": "series",
                        "text": text, "modality": "RID10312", "body_region": "", "focus": "", "contrast": contrast,
                        "laterality": "", "split": split_of("bids", f"{dataset}|{_site(sidecar)}"), "weighting": weighting,
                        "site": _site(sidecar), **_header_cells(sidecar)}
    return list(out.values())


BIDS_STUDIES_OUT = ROOT / "tests" / "data" / "descriptions_real_bids_studies.csv"


def bids_study_rows(snapshots: list[Path]) -> list[dict[str, str]]:
    """The BIDS sets' series grouped by study: one row per sidecar (nothing deduplicated), with
    ``study`` an opaque number per (dataset, subject, session) in path order (no subject label is
    written).  Only datasets with a contrast label (a ``ce-`` entity or a README rule) are kept:
    the set measures contrast read from a study's series together (curator.normalize.study).
    Labels and split as the BIDS set (``bids_rows``); ``contrast_agent`` is the sidecar's
    ContrastBolusAgent or ContrastBolusIngredient when the converter wrote one."""
    rows: list[dict[str, str]] = []
    for snapshot in snapshots:
        names = _git(snapshot, "ls-tree", "-r", "--name-only", "HEAD").splitlines()
        if "dataset_description.json" not in names:
            continue
        described = json.loads(_git(snapshot, "show", "HEAD:dataset_description.json") or "{}")
        if str(described.get("License", "")).strip() not in BIDS_LICENCES:
            continue
        folder = snapshot.parent if snapshot.name == ".git" else snapshot
        folder = folder.parent if folder.name == "repo" else folder
        dataset = folder.name.replace("+", "/").rsplit("/", 1)[-1]
        rules = BIDS_README_CONTRAST.get(dataset, {})
        wanted = sorted(n for n in names if BIDS_SUFFIX.search(n) and not BIDS_DERIVED.search(n) and not _acq_contradicts(n))
        studies: dict[str, str] = {}
        part: list[dict[str, str]] = []
        for name, sidecar in zip(wanted, _read_json_blobs(snapshot, wanted)):
            match = BIDS_SUFFIX.search(name)
            text = " ".join(str(sidecar.get("SeriesDescription") or "").split()) if isinstance(sidecar, dict) else ""
            if match is None or not isinstance(sidecar, dict) or not text:
                continue
            where = re.match(r"(sub-[^/]+)/(?:(ses-[^/]+)/)?", name)
            if where is None:
                continue
            study = studies.setdefault(where.group(0), f"{dataset}-s{len(studies) + 1:03d}")
            ce = re.search(r"_ce-([A-Za-z0-9]+)", name)
            contrast = "RID28769" if ce else next((code for key, code in rules.items() if name.endswith(key)), "")
            agent = sidecar.get("ContrastBolusAgent") or sidecar.get("ContrastBolusIngredient") or ""
            part.append({"id": f"{study}-{len(part):04d}", "study": study, "text": text, "modality": "RID10312",
                         "contrast": contrast, "weighting": BIDS_WEIGHTING[match.group(1)],
                         "split": split_of("bids", f"{dataset}|{_site(sidecar)}"), "site": _site(sidecar),
                         "contrast_agent": str(agent)})
        if any(r["contrast"] for r in part):
            rows += part
    return rows


SMI_COMMIT = "07eab2024cf1d0eee98088ebec4ac867fa92baa3"
SMI_FILE = "BadMedicine.Dicom/DicomDataGeneratorDescBodyPart.csv"
SMI_MODALITY = {"CT": "RID10321"}
# BodyPartExamined as the archive's scanners wrote it (DICOM defined terms and local values) ->
# the RadLex regions it names, with the conventions of the SIGTAP, CCAM, CUPS and MY Core sets
# (chest = thorax, mediastinum and breast; the head holds the face; the spine its sacrum and
# coccyx; limbs with their girdles).  Written from the list of values, before curator was run.
_CHEST = (THORAX, MEDIASTINUM, BREAST)
_LIMBS = (SHOULDER, UPPER, PELVIS, LOWER)
SMI_BODY_PART = {
    "HEAD": (HEAD, FACE), "BRAIN": (HEAD,), "CT HEAD": (HEAD, FACE), "CT BRAIN": (HEAD,), "SINUSES": (HEAD, FACE),
    "NECK": (NECK,), "C SPINE": (SPINE,), "C_SPINE": (SPINE,), "SPINE": (SPINE, SACRUM, COCCYX),
    "CHEST": _CHEST, "HRCT": _CHEST, "CTPA": _CHEST, "HEART": (THORAX, MEDIASTINUM), "CARDIAC": (THORAX, MEDIASTINUM),
    "CTA CARDIAC": (THORAX, MEDIASTINUM), "CTA_CARDIAC": (THORAX, MEDIASTINUM),
    "ABDOMEN": (ABDOMEN,), "PELVIS": (PELVIS,), "KUB": (ABDOMEN, PELVIS), "CT KUB": (ABDOMEN, PELVIS),
    "COLON": (ABDOMEN, PELVIS), "COLONOGRAPHY": (ABDOMEN, PELVIS),
    "ABDO_PELVIS": (ABDOMEN, PELVIS), "ABDOMEN_PELVIS": (ABDOMEN, PELVIS), "ABDO_PELVI": (ABDOMEN, PELVIS),
    "CHEST_ABDO": _CHEST + (ABDOMEN,), "CHEST_ABDOMEN": _CHEST + (ABDOMEN,),
    "CHEST_ABDO_PELVI": _CHEST + (ABDOMEN, PELVIS), "CHEST_ABDO_PELV": _CHEST + (ABDOMEN, PELVIS),
    "CT CHEST_ABDO_PE": _CHEST + (ABDOMEN, PELVIS), "CHEST_TO_PELVIS": _CHEST + (ABDOMEN, PELVIS),
    "CHEST_TO_P": _CHEST + (ABDOMEN, PELVIS), "CH_AB_PEL": _CHEST + (ABDOMEN, PELVIS), "CAP": _CHEST + (ABDOMEN, PELVIS),
    "C_A_P": _CHEST + (ABDOMEN, PELVIS),
    "UPPER_EXT": (SHOULDER, UPPER), "UPPER EXTREMITY": (SHOULDER, UPPER), "LOWER EXTREMITY": (PELVIS, LOWER),
    "EXTREMITY": _LIMBS, "PERIPHERAL": _LIMBS,
}


def smi_rows(snapshot: Path) -> list[dict[str, str]]:
    """One row per (level, modality, name): the study and the series descriptions of the archive's
    model, each with the union of the regions its series' BodyPartExamined name."""
    text = _git(snapshot, "show", f"{SMI_COMMIT}:{SMI_FILE}")
    names: dict[tuple[str, str, str], set[str]] = {}
    for row in csv.DictReader(text.splitlines()):
        regions = SMI_BODY_PART.get(" ".join(row["BodyPartExamined"].split()).upper(), ())
        for level, column in (("study", "StudyDescription"), ("series", "SeriesDescription")):
            name = " ".join(row[column].split())
            if name:
                names.setdefault((level, row["Modality"], name), set()).update(regions)
    rows = []
    for n, ((level, modality, name), regions) in enumerate(sorted(names.items(), key=lambda kv: (kv[0][0], kv[0][2].casefold(), kv[0][1]))):
        rows.append({"id": f"SMI{level[:2].upper()}{n:04d}", "source": f"smi-{level}",
                     "institution": f"Scottish Medical Imaging archive (NHS Scotland), {level} descriptions", "lang": "en",
                     "level": level, "text": name, "modality": SMI_MODALITY.get(modality, ""), "body_region": "", "focus": "",
                     "region_any": _smi_regions(regions), "contrast": "", "laterality": "", "split": split_of(f"smi-{level}", name),
                     "study_description": ""})
    return rows + smi_pairs(text)


def _smi_regions(regions: set[str]) -> str:
    return "+".join(r for r in (HEAD, FACE, NECK, SPINE, SACRUM, COCCYX, THORAX, MEDIASTINUM, BREAST, ABDOMEN, PELVIS, SHOULDER, UPPER, LOWER)
                    if r in regions)


def smi_pairs(text: str) -> list[dict[str, str]]:
    """One row per (study name, series name, modality) of the model: a series read with its
    study's description, as a DICOM series is, labelled with that pair's BodyPartExamined.
    Development only when both names are in the development part of the study and series
    rows; else held out (a held-out name is never seen in a development pair)."""
    pairs: dict[tuple[str, str, str], set[str]] = {}
    for row in csv.DictReader(text.splitlines()):
        study, series = (" ".join(row[c].split()) for c in ("StudyDescription", "SeriesDescription"))
        if study and series:
            regions = SMI_BODY_PART.get(" ".join(row["BodyPartExamined"].split()).upper(), ())
            pairs.setdefault((study, series, row["Modality"]), set()).update(regions)
    rows = []
    for n, ((study, series, modality), regions) in enumerate(sorted(pairs.items(), key=lambda kv: (kv[0][0].casefold(), kv[0][1].casefold(), kv[0][2]))):
        dev = split_of("smi-study", study) == split_of("smi-series", series) == "dev"
        rows.append({"id": f"SMIPA{n:04d}", "source": "smi-series-in-study",
                     "institution": "Scottish Medical Imaging archive (NHS Scotland), series in their study", "lang": "en",
                     "level": "series", "text": series, "modality": SMI_MODALITY.get(modality, ""), "body_region": "", "focus": "",
                     "region_any": _smi_regions(regions), "contrast": "", "laterality": "", "split": "dev" if dev else "holdout",
                     "study_description": study})
    return rows


CBHPM_COMMIT = "f5bda8777cce95b564de6237121926829078ee40"
CBHPM_FILE = "CBHPM 2020.csv"
# The CBHPM's own code structure: digits 1-3 the group (407 medicina nuclear in vivo, 408 radiologia,
# 409 ultrassonografia, 410 tomografia computadorizada, 411 ressonancia magnetica), digits 4-5 the
# sub-group.  Only the diagnostic sub-groups are kept (interventional sub-groups 40813, 40814,
# 40902, 41002, 41102, therapy 40710 and in-vitro 40712 left out).  The group gives the modality
# where it names one technique (409 US, 410 CT, 411 MR; 407 spans planar, SPECT and PET, 408
# radiography, fluoroscopy, mammography and angiography: none).  The sub-group gives
# ``region_any`` where its name is a body region or an organ system, with the conventions of the
# SIGTAP, CCAM, CUPS and MY Core sets.  Written from the sub-group names, before curator was run
# on any of these names.
CBHPM_MODALITY = {"409": "RID10326", "410": "RID10321", "411": "RID10312"}
CBHPM_SUBGROUPS = {
    "40701": ("Cardiovascular in vivo", ()),
    "40702": ("Digestivo in vivo", (HEAD, FACE, NECK, THORAX, MEDIASTINUM, ABDOMEN, PELVIS)),
    "40703": ("Endocrino in vivo", (HEAD, NECK, THORAX, MEDIASTINUM, ABDOMEN)),
    "40704": ("Geniturinario in vivo", (ABDOMEN, PELVIS)),
    "40705": ("Hematologico in vivo", ()),
    "40706": ("Musculo esqueletico in vivo", ()),
    "40707": ("Nervoso in vivo", (HEAD, SPINE, SACRUM, COCCYX)),
    "40708": ("Oncologia-infectologia in vivo", ()),
    "40709": ("Respiratorio in vivo", (HEAD, FACE, NECK, THORAX, MEDIASTINUM)),
    "40711": ("Outros in vivo de medicina nuclear", ()),
    "40801": ("Cranio e face", (HEAD, FACE)),
    "40802": ("Coluna vertebral", (SPINE, SACRUM, COCCYX)),
    "40803": ("Esqueleto toracico e membros superiores", (THORAX, SHOULDER, UPPER)),
    "40804": ("Bacia e membros inferiores", (PELVIS, LOWER)),
    "40805": ("Torax", (THORAX, MEDIASTINUM, BREAST)),
    "40806": ("Sistema digestivo", (NECK, THORAX, MEDIASTINUM, ABDOMEN, PELVIS)),
    "40807": ("Sistema urinario", (ABDOMEN, PELVIS)),
    "40808": ("Outros exames de radiologia geral", ()),
    "40809": ("Procedimentos especiais de radiologia geral", ()),
    "40810": ("Neurorradiologia", ()),
    "40811": ("Radioscopia", ()),
    "40812": ("Angiografia visceral e periferica", ()),
    "40901": ("Ultrassonografia diagnostica", ()),
    "41001": ("Tomografia computadorizada diagnostica", ()),
    "41101": ("Ressonancia magnetica diagnostica", ()),
}


def cbhpm_rows(snapshot: Path) -> list[dict[str, str]]:
    """One row per diagnostic imaging procedure of the CBHPM 2020 (its official name), labelled
    from its code's group and sub-group."""
    return cbhpm_parse(_git(snapshot, "show", f"{CBHPM_COMMIT}:{CBHPM_FILE}"))


def cbhpm_parse(text: str) -> list[dict[str, str]]:
    """The rows of the CBHPM's ``code;name`` table (``CBHPM 2020.csv``) that lie in a kept sub-group."""
    text = text.lstrip("\ufeff")
    rows: dict[str, dict[str, str]] = {}
    for record in csv.reader(text.splitlines(), delimiter=";"):
        if len(record) < 2 or record[0][:5] not in CBHPM_SUBGROUPS:
            continue
        code, name = record[0].strip(), " ".join(record[1].split())
        regions = CBHPM_SUBGROUPS[code[:5]][1]
        rows.setdefault(name.casefold(), {
            "id": f"CBHPM{code}", "source": "cbhpm", "institution": "CBHPM 2020 (Associacao Medica Brasileira), imaging procedures",
            "lang": "pt", "level": "study", "text": name, "modality": CBHPM_MODALITY.get(code[:3], ""), "body_region": "",
            "focus": "", "region_any": "+".join(regions), "contrast": "", "laterality": "", "split": split_of("cbhpm", name)})
    return sorted(rows.values(), key=lambda r: r["id"])


# Italy's national catalogue of specialist outpatient services (Catalogo nazionale delle prestazioni,
# the nomenclatore of DPCM 12 January 2017, Allegato 4; Ministero della Salute; Italian), as the HL7
# Italia FHIR guide ``hl7-it/televisita`` carries it (CodeSystem ``CsCatalogoNazionalePrestazioni``).
# Its codes are ICD-9-CM procedure codes (Italian version 2007) with a national extension digit, so
# each service lies in an ICD-9-CM category whose title names the technique and the body region.
# Kept: the diagnostic imaging categories 87.0-88.9 and the radioisotope scans 92.0-92.1
# (radiotherapy 92.2-92.4 left out).  Labels come from the category (``CNP_CATEGORIES``, written from
# the ICD-9-CM category titles before curator was run on these names, with the conventions of the
# SIGTAP, CCAM, CUPS and MY Core sets: the thorax holds the breasts, the spine its sacrum and coccyx,
# limbs with their girdles, the digestive system from the neck to the pelvis).  The ICD-9-CM
# "abdomen" (88.0, 88.1, 88.76: CT and ultrasound of the abdomen) is the abdominopelvic cavity, so
# abdomen and pelvis.  The name is the service's text up to its first note (". ", "Incluso",
# "Escluso", "Non associabile", which the catalogue writes after the name).
CNP_IN = ROOT / "tests" / "data" / "cnp_imaging.csv"
CNP_OUT = ROOT / "tests" / "data" / "descriptions_real_cnp.csv"
CNP_FILE = "input/fsh/codesystems/cs_catalogo_nazionale_prestazioni.fsh"
CNP_COMMIT = "2e68a0c169bca053c05845eb6e097d5baf843719"
DIGESTIVE = (NECK, THORAX, MEDIASTINUM, ABDOMEN, PELVIS)
CNP_CT, CNP_MR, CNP_US, CNP_MG = "RID10321", "RID10312", "RID10326", "RID10357"
# ICD-9-CM category (or code) -> (title, modality where the title names one technique, regions)
CNP_CATEGORIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "87.0": ("radiologia dei tessuti molli della faccia, del capo e del collo", "", HEAD_NECK),
    "87.03": ("tomografia assiale computerizzata del capo", CNP_CT, HEAD_NECK),
    "87.1": ("altra radiologia della faccia, del capo e del collo", "", HEAD_NECK),
    "87.2": ("radiologia della colonna vertebrale", "", SPINAL),
    "87.3": ("radiologia dei tessuti molli del torace", "", CHEST),
    "87.37": ("altra mammografia", CNP_MG, CHEST),
    "87.4": ("altra radiologia del torace", "", CHEST),
    "87.41": ("tomografia assiale computerizzata del torace", CNP_CT, CHEST),
    "87.5": ("radiologia delle vie biliari", "", (ABDOMEN,)),
    "87.6": ("altra radiologia dell'apparato digerente", "", DIGESTIVE),
    "87.7": ("radiologia dell'apparato urinario", "", (ABDOMEN, PELVIS)),
    "87.71": ("tomografia assiale computerizzata del rene", CNP_CT, (ABDOMEN, PELVIS)),
    "87.8": ("radiologia dell'apparato genitale femminile", "", (PELVIS,)),
    "87.9": ("radiologia dell'apparato genitale maschile", "", (PELVIS,)),
    "88.0": ("radiologia dei tessuti molli dell'addome", "", (ABDOMEN, PELVIS)),
    "88.01": ("tomografia assiale computerizzata dell'addome", CNP_CT, (ABDOMEN, PELVIS)),
    "88.1": ("altra radiologia dell'addome", "", (ABDOMEN, PELVIS)),
    "88.21": ("radiologia della spalla e del braccio", "", UPPER_LIMB),
    "88.22": ("radiologia del gomito e dell'avambraccio", "", UPPER_LIMB),
    "88.23": ("radiologia del polso e della mano", "", UPPER_LIMB),
    "88.24": ("radiologia dell'arto superiore, non specificato", "", UPPER_LIMB),
    "88.25": ("pelvimetria", "", (PELVIS,)),
    "88.26": ("altra radiologia della pelvi e dell'anca", "", (PELVIS,)),
    "88.27": ("radiologia della coscia, del ginocchio e della gamba", "", LOWER_LIMB),
    "88.28": ("radiologia della caviglia e del piede", "", LOWER_LIMB),
    "88.29": ("radiologia dell'arto inferiore, non specificato", "", LOWER_LIMB),
    "88.31": ("radiologia dello scheletro in toto", "", (BONE, WHOLE_BODY)),
    "88.32": ("artrografia con contrasto", "", ()),
    "88.33": ("altra radiologia dello scheletro", "", ()),
    "88.38": ("altra tomografia assiale computerizzata", CNP_CT, ()),
    "88.39": ("radiologia, altra e non specificata", "", ()),
    "88.41": ("arteriografia delle arterie cerebrali", "", HEAD_NECK),
    "88.42": ("aortografia", "", (THORAX, MEDIASTINUM, ABDOMEN)),
    "88.43": ("arteriografia delle arterie polmonari", "", (THORAX, MEDIASTINUM)),
    "88.44": ("arteriografia di altri vasi intratoracici", "", (THORAX, MEDIASTINUM)),
    "88.45": ("arteriografia delle arterie renali", "", (ABDOMEN,)),
    "88.47": ("arteriografia di altre arterie intraddominali", "", (ABDOMEN, PELVIS)),
    "88.48": ("arteriografia dell'arteria femorale e di altre arterie dell'arto inferiore", "", LOWER_LIMB),
    "88.49": ("arteriografia di altre sedi specificate", "", ()),
    "88.5": ("angiocardiografia", "", (THORAX, MEDIASTINUM)),
    "88.61": ("flebografia delle vene del capo e del collo", "", HEAD_NECK),
    "88.63": ("flebografia di altre vene intratoraciche", "", (THORAX, MEDIASTINUM)),
    "88.64": ("flebografia del sistema portale", "", (ABDOMEN,)),
    "88.65": ("flebografia di altre vene intraddominali", "", (ABDOMEN, PELVIS)),
    "88.66": ("flebografia della vena femorale e di altre vene dell'arto inferiore", "", LOWER_LIMB),
    "88.67": ("flebografia di altre sedi specificate", "", ()),
    "88.71": ("diagnostica ecografica del capo e del collo", CNP_US, HEAD_NECK),
    "88.72": ("diagnostica ecografica del cuore", CNP_US, (THORAX, MEDIASTINUM)),
    "88.73": ("diagnostica ecografica di altre sedi del torace", CNP_US, CHEST),
    "88.74": ("diagnostica ecografica dell'apparato digerente", CNP_US, DIGESTIVE),
    "88.75": ("diagnostica ecografica dell'apparato urinario", CNP_US, (ABDOMEN, PELVIS)),
    "88.76": ("diagnostica ecografica addominale e retroperitoneale", CNP_US, (ABDOMEN, PELVIS)),
    "88.77": ("diagnostica ecografica del sistema vascolare periferico", CNP_US, ()),
    "88.78": ("diagnostica ecografica dell'utero gravido", CNP_US, (ABDOMEN, PELVIS)),
    "88.79": ("altra diagnostica ecografica", CNP_US, ()),
    "88.91": ("risonanza magnetica del cervello e del tronco encefalico", CNP_MR, (HEAD,)),
    "88.92": ("risonanza magnetica del torace e del miocardio", CNP_MR, CHEST),
    "88.93": ("risonanza magnetica della colonna vertebrale", CNP_MR, SPINAL),
    "88.94": ("risonanza magnetica muscoloscheletrica", CNP_MR, ()),
    "88.95": ("risonanza magnetica della pelvi, prostata e vescica", CNP_MR, (PELVIS,)),
    "88.97": ("risonanza magnetica di altre e non specificate sedi", CNP_MR, ()),
    "88.98": ("studio della densita' ossea", "", ()),
    "88.99": ("altra diagnostica per immagini", "", ()),
    "92.01": ("scintigrafia e studio funzionale della tiroide", "", (NECK,)),
    "92.02": ("scintigrafia e studio funzionale del fegato", "", (ABDOMEN,)),
    "92.03": ("scintigrafia e studio funzionale renale", "", (ABDOMEN,)),
    "92.04": ("scintigrafia e studio funzionale gastrointestinale", "", DIGESTIVE),
    "92.05": ("scintigrafia e studio funzionale del sistema cardiovascolare ed ematopoietico", "", ()),
    "92.09": ("altra scintigrafia e studio funzionale", "", ()),
    "92.11": ("scintigrafia cerebrale", "", (HEAD,)),
    "92.12": ("scintigrafia di altre sedi del capo", "", (HEAD, FACE)),
    "92.13": ("scintigrafia delle paratiroidi", "", (NECK,)),
    "92.14": ("scintigrafia ossea", "", ()),
    "92.15": ("scintigrafia polmonare", "", (THORAX, MEDIASTINUM)),
    "92.16": ("scintigrafia del sistema linfatico", "", ()),
    "92.18": ("scintigrafia total body", "", (WHOLE_BODY,)),
    "92.19": ("scintigrafia di altre sedi", "", ()),
}
CNP_KEPT = re.compile(r"^(8[78]\.\d|92\.[01])")
CNP_NOTE = re.compile(r"\. |Incluso|Escluso|Non associabile")


def cnp_category(code: str) -> tuple[str, str, tuple[str, ...]] | None:
    """The most specific ICD-9-CM code or category of CNP_CATEGORIES a catalogue code lies in."""
    return CNP_CATEGORIES.get(code[:5]) or CNP_CATEGORIES.get(code[:4])


def cnp_extract(snapshot: Path) -> list[dict[str, str]]:
    """(code, name) of each imaging service of the catalogue, names cut before their notes."""
    text = _git(snapshot, "show", f"{CNP_COMMIT}:{CNP_FILE}")
    rows = []
    for code, full in re.findall(r'^\* #([0-9][0-9.A-Z]*) "(.*)"$', text, re.M):
        if CNP_KEPT.match(code):
            name = " ".join(CNP_NOTE.split(full, maxsplit=1)[0].split()).rstrip(" .")
            rows.append({"code": code, "name": name})
    return rows


def cnp_rows(path: Path) -> list[dict[str, str]]:
    rows, seen = [], set()
    for entry in csv.DictReader(path.open(encoding="utf-8")):
        code, name = entry["code"], entry["name"]
        category = cnp_category(code)
        if category is None or not name or name.casefold() in seen:
            continue
        seen.add(name.casefold())
        _title, modality, regions = category
        rows.append({"id": f"CNP{code}", "source": "cnp", "institution": "Ministero della Salute (Italy), Catalogo nazionale delle prestazioni",
                     "lang": "it", "level": "study", "text": name, "modality": modality, "body_region": "", "focus": "",
                     "region_any": "+".join(dict.fromkeys(regions)), "contrast": "", "laterality": "", "split": split_of("cnp", name)})
    return rows


# Germany's GOÄ (Gebührenordnung für Ärzte, Anlage Gebührenverzeichnis), section O I-III, round 19.
# A federal regulation: an official work (amtliches Werk, § 5 UrhG).  Labels come from the
# (sub-)section each number stands under (``GOAE_SECTIONS``, written from the section titles
# before curator was run on any name, with the conventions of the CNP, CUPS and MY Core sets).  The
# skeleton section (O I 1) holds every bone of the body: its group is the skeleton's regions (head,
# face, spine, thorax, limbs with their girdles, pelvis), its "Zähne" (teeth) numbers the head and
# face; "Hals- und Brustorgane" the neck and the thorax with its breasts; "Bauch- und
# Verdauungsorgane" the digestive system from the neck to the pelvis (it holds the oesophagus, the
# urinary tract and the uterus too).  Special studies, angiography, interventions, CT, the other
# nuclear-medicine sub-sections and MR give no region (their titles name a technique); CT and MR
# give the modality, nuclear medicine none (scintigraphy or PET).  Left out: therapeutic nuclear
# medicine (O II 2), radiotherapy (O IV) and add-on numbers, whose text begins "Zuschlag",
# "Ergänzende", "Zweite", "Weitere" or "Zusätzliche" or refers to "Leistung(en) nach (den) Nummer(n)"
# (a supplement to another number, no exam name).  A number whose text goes on from a heading in
# lower case ("Finger oder Zehen" / "jeweils in zwei Ebenen") is named by both, joined by a comma.
# The name is the text before its first note (" -": "- einschließlich Durchleuchtung(en) -").
GOAE_IN = ROOT / "tests" / "data" / "goae_imaging.csv"
GOAE_OUT = ROOT / "tests" / "data" / "descriptions_real_goae.csv"
GOAE_FILE = "g/goae_1982/index.md"
GOAE_COMMIT = "77abca2ceea3b7b89ea70afb13b5dd55415eb124"
SKELETON = (HEAD, FACE, SPINE, SACRUM, COCCYX, THORAX, SHOULDER, UPPER, PELVIS, LOWER, "RID43248", BONE)
# (sub-)section -> (modality, regions); the sub-section of a number is the last heading above it
GOAE_SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "I 1": ("", SKELETON),
    "I 1 Zähne": ("", HEAD_NECK),
    "I 2": ("", (NECK, THORAX, MEDIASTINUM, BREAST)),
    "I 3": ("", DIGESTIVE),
    "I 4": ("", ()),
    "I 5": ("", ()),
    "I 6": ("", ()),
    "I 7": ("RID10321", ()),
    "II 1 a": ("", (NECK,)),                      # Schilddrüse
    "II 1 b": ("", (HEAD,)),                      # Gehirn
    "II 1 c": ("", (THORAX, MEDIASTINUM)),        # Lunge
    "II 1 d": ("", (THORAX, MEDIASTINUM)),        # Herz
    "II 1 e": ("", ()),                           # Knochen- und Knochenmarkszintigraphie
    "II 1 f": ("", ()),                           # Tumorszintigraphie
    "II 1 g": ("", (ABDOMEN,)),                   # Nieren
    "II 1 h": ("", ()),                           # Endokrine Organe
    "II 1 i": ("", DIGESTIVE),                    # Gastrointestinaltrakt
    "II 1 j": ("", ()), "II 1 k": ("", ()), "II 1 l": ("", ()), "II 1 m": ("", ()), "II 1 n": ("", ()), "II 1 o": ("", ()),
    "III": ("RID10312", ()),
}
GOAE_ADDON = re.compile(r"^(Zuschlag|Ergänzende|Zweite|Weitere|Zusätzliche)|Leistungen? nach (den )?Nummer")


def goae_parse(text: str) -> list[dict[str, str]]:
    """(number, section, name) of each number of GOÄ section O I-III, in the markdown of
    bundestag/gesetze: headings "**I. ...**", "**1. ...**", "**a. ...**"; the skeleton's "Zähne"
    sub-heading; a number on its own line, its text on the next item lines."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if "**O. Strahlendiagnostik" in line)
    roman = arabic = letter = sub = lead = ""
    rows = []
    i = start + 1
    while i < len(lines):
        line = lines[i]
        heading = re.match(r"^(?:\*    \*   )?\*\*(IV|III|II|I|[0-9]+|[a-o])\. ", line)
        if heading:
            mark = heading.group(1)
            if mark == "IV" or line.lstrip("* ").startswith("P. "):
                break
            if mark in ("I", "II", "III"):
                roman, arabic, letter = mark, "", ""
            elif mark.isdigit():
                arabic, letter = mark, ""
            else:
                letter = mark
            sub = lead = ""
            i += 1
            continue
        subheading = re.match(r"^\*    \*   ([^0-9*].*)$", line)
        if subheading:
            # a heading the next numbers continue in lower case ("Finger oder Zehen" / "jeweils in
            # zwei Ebenen"); the skeleton's "Zähne" (teeth) is also its own label
            j = i + 1
            while j < len(lines) and lines[j].startswith("        "):
                j += 1
            lead = " ".join([subheading.group(1).strip(), *(line.strip() for line in lines[i + 1:j])])
            sub = "Zähne" if roman == "I" and arabic == "1" and lead == "Zähne" else ""
        number = re.match(r"^\*    \*   (\d{4}[a-z]?)\s*$", line)
        if number:
            j = i + 1
            while j < len(lines) and not lines[j].startswith("    *   "):
                j += 1
            parts = [lines[j][8:].strip()] if j < len(lines) else []
            j += 1
            while j < len(lines) and lines[j].startswith("        "):
                parts.append(lines[j].strip())
                j += 1
            if parts and parts[0][:1].islower() and lead:
                parts.insert(0, lead + ",")
            section = " ".join(p for p in (roman, arabic, letter) if p)
            if roman == "I" and arabic == "1" and sub:
                section += " " + sub
            rows.append({"number": number.group(1), "section": section, "text": " ".join(parts)})
            i = j
            continue
        i += 1
    return rows


def goae_extract(snapshot: Path) -> list[dict[str, str]]:
    return goae_parse(_git(snapshot, "show", f"{GOAE_COMMIT}:{GOAE_FILE}"))


def goae_rows(path: Path) -> list[dict[str, str]]:
    rows, seen = [], set()
    for entry in csv.DictReader(path.open(encoding="utf-8")):
        labels_of = GOAE_SECTIONS.get(entry["section"])
        name = " ".join(re.split(r"\s+-", entry["text"], maxsplit=1)[0].split()).rstrip(" ,")
        if labels_of is None or not name or GOAE_ADDON.search(name) or name.casefold() in seen:
            continue
        seen.add(name.casefold())
        modality, regions = labels_of
        rows.append({"id": f"GOAE{entry['number']}", "source": "goae", "institution": "Bundesregierung (Germany), Gebührenordnung für Ärzte (GOÄ)",
                     "lang": "de", "level": "study", "text": name, "modality": modality, "body_region": "", "focus": "",
                     "region_any": "+".join(dict.fromkeys(regions)), "contrast": "", "laterality": "", "split": split_of("goae", name)})
    return rows


SKS_FILE = "data/sks_codes.rda"
SKS_COMMIT = "41e3d395594359123fcbac75f9511ba64490eefc"
# UX<technique><region group><number>: the third letter is the technique group, the fourth the
# region group the classification files the exam under (its headings: "CT-skanninger af hoved").
SKS_MODALITY = {"A": "RID49584", "C": "RID10321", "M": "RID10312", "R": "RID10345", "U": "RID10326"}
# Region group -> RadLex regions, with the conventions of the SIGTAP, VA and MY Core sets: the head
# holds the face; the thorax the mediastinum and the breasts; the upper extremity its shoulder
# girdle, the lower its pelvic girdle (the groups file shoulder, scapula, pelvis, hip and
# sacroiliac joint there); "abdomen og baekken" (CT, MR) abdomen and pelvis, "abdomen" (radiography,
# ultrasound, angiography) the abdomen alone, as its heading says.  Lymphography (L) names no
# region, nor does ultrasound's H (skin: "hud og tilgraensende struktur"; MR's H is the whole
# body).  Specimen radiography and ultrasound (P) and the add-on codes (Z) are no exams of a
# patient and are left out, as are the headings themselves (codes of four letters or fewer).
SKS_GROUPS: dict[str, tuple[str, ...]] = {
    "A": (HEAD, FACE), "B": (NECK,), "C": CHEST_GROUP, "E": SPINAL, "F": (SHOULDER, UPPER),
    "G": (PELVIS, LOWER), "H": (WHOLE_BODY,), "L": (),
}
SKS_BY_TECHNIQUE = {("C", "D"): (ABDOMEN, PELVIS), ("M", "D"): (ABDOMEN, PELVIS), ("A", "D"): (ABDOMEN,),
                    ("R", "D"): (ABDOMEN,), ("U", "D"): (ABDOMEN,), ("U", "H"): ()}


def _rda_strings(blob: bytes) -> list[str]:
    """The character strings of an R serialization (``save``, XDR, version 2 or 3), in order:
    enough for a table of string columns."""
    import bz2
    import gzip
    import lzma
    import struct
    if blob[:3] == b"BZh":
        blob = bz2.decompress(blob)
    elif blob[:2] == b"\x1f\x8b":
        blob = gzip.decompress(blob)
    elif blob[:6] == b"\xfd7zXZ\x00":
        blob = lzma.decompress(blob)
    if blob[:5] not in (b"RDX2\n", b"RDX3\n") or blob[5:7] != b"X\n":
        raise ValueError("not an XDR R data file")
    out, i, data = [], 7, blob
    while i < len(data) - 8:
        flags, n = struct.unpack(">ii", data[i:i + 8])
        if flags & 0xFF == 9 and flags < 0x100000 and 0 <= n < 4096 and i + 8 + n <= len(data):
            try:
                out.append(data[i + 8:i + 8 + n].decode("utf-8"))
                i += 8 + n
                continue
            except UnicodeDecodeError:
                pass
        i += 1
    return out


def sks_extract(blob: bytes) -> list[dict[str, str]]:
    """(code, group, text) of each code of chapter UX, from the two string columns (kode, tekst)
    of the package's table; the group is the heading of the code's first four letters."""
    strings = _rda_strings(blob)
    n = strings.index("names") // 2          # [object name, n codes, n texts, "names", ...]
    if strings[2 * n + 1] != "names" or not all(re.fullmatch(r"[A-Z0-9]+", c) for c in strings[1:n + 1]):
        raise ValueError("unexpected layout of sks_codes")
    table = dict(zip(strings[1:n + 1], strings[n + 1:2 * n + 1]))
    return [{"code": code, "group": table.get(code[:4], ""), "text": text}
            for code, text in table.items() if code.startswith("UX") and len(code) > 4]


def sks_rows(extract: list[dict[str, str]]) -> list[dict[str, str]]:
    rows, seen = [], set()
    for entry in extract:
        code, name = entry["code"], " ".join(entry["text"].split())
        technique, group = code[2], code[3]
        if technique not in SKS_MODALITY or group in ("P", "Z") or name.casefold() in seen:
            continue
        seen.add(name.casefold())
        regions = SKS_BY_TECHNIQUE.get((technique, group), SKS_GROUPS.get(group, ()))
        rows.append({"id": f"SKS{code}", "source": "sks", "institution": "Sundhedsdatastyrelsen (Denmark), SKS",
                     "lang": "da", "level": "study", "text": name, "modality": SKS_MODALITY[technique], "body_region": "",
                     "focus": "", "region_any": "+".join(dict.fromkeys(regions)), "contrast": "", "laterality": "",
                     "split": split_of("sks", name)})
    return rows


def write(rows: list[dict[str, str]], out: Path) -> None:
    extra = tuple(dict.fromkeys(k for r in rows for k in r if k not in COLUMNS))
    columns = COLUMNS + extra if rows and "split" in rows[0] else tuple(rows[0])
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{out}: {len(rows)} rows ({sum(r.get('split') == 'holdout' for r in rows)} held out)")


def main(argv: list[str]) -> int:
    if argv[:1] == ["playbook"] and len(argv) == 2:
        write(playbook_rows(Path(argv[1])), OUT)
        return 0
    if argv[:1] == ["bids"] and len(argv) >= 2:
        rows = bids_rows([Path(a) for a in argv[1:]])
        write(sorted(rows, key=lambda r: (r["id"].split("-")[0], r["text"].casefold(), r["weighting"], r["contrast"])), BIDS_OUT)
        return 0
    if argv[:1] == ["bids-studies"] and len(argv) >= 2:
        rows = bids_study_rows([Path(a) for a in argv[1:]])
        with BIDS_STUDIES_OUT.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        print(f"{BIDS_STUDIES_OUT}: {len(rows)} rows in {len({r['study'] for r in rows})} studies")
        return 0
    if argv[:1] == ["ccam-extract"] and len(argv) == 2:
        write(ccam_extract(Path(argv[1])), CCAM_IN)
        return 0
    if argv[:1] == ["cups-extract"] and len(argv) == 2:
        write(cups_extract(Path(argv[1])), CUPS_IN)
        return 0
    if argv == ["cups"]:
        write(cups_rows(CUPS_IN), CUPS_OUT)
        return 0
    if argv[:1] == ["mycore-extract"] and len(argv) == 2:
        write(mycore_extract(Path(argv[1])), MYCORE_IN)
        return 0
    if argv[:1] == ["va-extract"] and len(argv) == 2:
        write(va_extract(Path(argv[1])), VA_IN)
        return 0
    if argv == ["va"]:
        write(va_rows(VA_IN), VA_OUT)
        return 0
    if argv == ["mycore"]:
        write(mycore_rows(MYCORE_IN), MYCORE_OUT)
        return 0
    if argv == ["ccam"]:
        write(ccam_rows(CCAM_IN), CCAM_OUT)
        return 0
    if argv == ["sigtap"]:
        write(sigtap_rows(SIGTAP_IN), SIGTAP_OUT)
        return 0
    if argv[:1] == ["sigtap-us-nm-extract"] and len(argv) == 2:
        write(sigtap_us_nm_extract(Path(argv[1])), SIGTAP_US_NM_IN)
        return 0
    if argv == ["sigtap-us-nm"]:
        write(sigtap_us_nm_rows(SIGTAP_US_NM_IN), SIGTAP_US_NM_OUT)
        return 0
    if argv[:1] == ["cnp-extract"] and len(argv) == 2:
        write(cnp_extract(Path(argv[1])), CNP_IN)
        return 0
    if argv == ["cnp"]:
        write(cnp_rows(CNP_IN), CNP_OUT)
        return 0
    if argv[:1] == ["goae-extract"] and len(argv) == 2:
        write(goae_extract(Path(argv[1])), GOAE_IN)
        return 0
    if argv == ["goae"]:
        write(goae_rows(GOAE_IN), GOAE_OUT)
        return 0
    if argv[:1] == ["sks"] and len(argv) == 3:
        blob = subprocess.run(["git", f"--git-dir={argv[1]}", "show", f"{SKS_COMMIT}:{SKS_FILE}"],
                              check=True, capture_output=True).stdout
        write(sks_rows(sks_extract(blob)), Path(argv[2]))
        return 0
    if argv[:1] == ["smi"] and len(argv) == 3:
        write(smi_rows(Path(argv[1])), Path(argv[2]))
        return 0
    if argv[:1] == ["cbhpm"] and len(argv) == 3:
        write(cbhpm_rows(Path(argv[1])), Path(argv[2]))
        return 0
    if argv[:1] == ["hospitals"] and len(argv) == 4:
        write(hospital_rows(Path(argv[1]), Path(argv[2])), Path(argv[3]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
