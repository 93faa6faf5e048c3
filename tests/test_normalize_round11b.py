"""Round 11b of issue 16: the visceral arteries named by "visceral" or "mesenteric" in a vascular
exam, radiology-information-system abbreviations (TVS, RGU, colostogram, infantogram), and the
builder of the second independent set (CBHPM 2020, Portuguese), whose labels come from the CBHPM's
own code structure.

Each test fails without its change, but for the guard (a "visceral" or "mesenteric" word outside a
vascular exam stays unread as a vessel), which fails if the `needs: vascular` context is dropped."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from curator.normalize import CONFIDENT, normalize_description

ROOT = Path(__file__).resolve().parents[1]


def _regions(text: str, modality: str | None = None) -> list[tuple[str, bool]]:
    """(label, confident) of each body region answered."""
    values = normalize_description(text, modality=modality)["body_region"] or []
    return sorted((v["label"], v["confidence"] >= CONFIDENT) for v in values)


def _modality(text: str) -> str | None:
    value = normalize_description(text)["modality"]
    return value["label"] if value else None


def test_visceral_in_a_vascular_exam_names_the_visceral_arteries():
    assert _regions("Angiography – Visceral", "XA") == [("set of visceral arteries", True)]
    assert _regions("Mesenteric Angiogram", "CT") == [("set of visceral arteries", True)]
    assert _regions("ARTERIOGRAFIA VISCERAL SELECTIVA") == [("set of visceral arteries", True)]


def test_visceral_outside_a_vascular_exam_is_no_vessel():
    assert _regions("Visceral pleura", "US") == [("pleura", True)]
    assert _regions("CT visceral fat", "CT") == []
    assert ("set of visceral arteries", True) not in _regions("US Abdomen mesenteric lymph nodes", "US")


def test_information_system_abbreviations():
    assert _regions("TVS") == [("pelvis", True)]
    assert _modality("TVS") == "ultrasound"
    assert _regions("RGU", "RF") == [("urethra", True)]
    assert _regions("Distal Colostogram", "RF") == [("large intestine", True)]
    assert _regions("Infantogram", "DX") == [("whole body", True)]


def _builder():
    spec = importlib.util.spec_from_file_location("build_real", ROOT / "scripts" / "build_real_descriptions.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cbhpm_labels_come_from_the_code_structure():
    build = _builder()
    table = "\ufeffID do Procedimento;Descrição do Procedimento\r\n" + "\r\n".join([
        "10101012;Consulta em consultório",                    # not imaging: left out
        "40801012;RX - Crânio - 2 incidências",                # 40801 Crânio e face
        "40804054;RX - Joelho",                                # 40804 Bacia e membros inferiores
        "40707016;Cintilografia cerebral",                     # 40707 Nervoso in vivo
        "40701093;Fluxo sanguíneo das extremidades",           # 40701 cardiovascular: no region
        "41001079;TC - Tórax",                                 # 410 CT: modality, no region
        "41101014;RM - Crânio (encéfalo)",                     # 411 MR
        "40901114;US - Mamas",                                 # 409 US
        "40813045;Ablação percutânea de tumor (qualquer método)",   # interventional: left out
        "41002032;Drenagem percutânea orientada por TC",       # interventional CT: left out
    ])
    rows = {r["id"]: r for r in build.cbhpm_parse(table)}
    assert set(rows) == {"CBHPM40801012", "CBHPM40804054", "CBHPM40707016", "CBHPM40701093", "CBHPM41001079",
                         "CBHPM41101014", "CBHPM40901114"}
    head, face, spine, pelvis, lower = "RID9080", "RID13284", "RID7741", "RID2507", "RID2638"
    assert rows["CBHPM40801012"]["region_any"].split("+") == [head, face]
    assert rows["CBHPM40801012"]["modality"] == ""            # radiology spans radiography and fluoroscopy
    assert rows["CBHPM40804054"]["region_any"].split("+") == [pelvis, lower]
    assert head in rows["CBHPM40707016"]["region_any"].split("+") and spine in rows["CBHPM40707016"]["region_any"].split("+")
    assert rows["CBHPM40701093"]["region_any"] == ""
    assert (rows["CBHPM41001079"]["modality"], rows["CBHPM41001079"]["region_any"]) == ("RID10321", "")
    assert rows["CBHPM41101014"]["modality"] == "RID10312"
    assert rows["CBHPM40901114"]["modality"] == "RID10326"
    assert {r["lang"] for r in rows.values()} == {"pt"} and {r["split"] for r in rows.values()} <= {"dev", "holdout"}
