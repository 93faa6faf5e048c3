"""MR weighting: vendor sequence names, the header rules of weighting.yaml, and the real-set
figures (issue 16).  Expected values follow the vendors' sequence conventions, not curator's
output: a name that does not state its weighting must stay undetermined."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from curator.normalize import normalize_description, normalize_series
from curator.normalize.lexicon import LexiconError, lexicon
from curator.normalize.sequence import SequenceRuleError, load_rules, weighting_from_header

ROOT = Path(__file__).resolve().parent.parent
T1, T2, PD, T2STAR, FLAIR, DWI, STIR, SSFP = ("RID10794", "RID10795", "RID10792", "RID10796", "RID35806", "RID10799",
                                               "RID28699", "RID10798")

VENDOR_NAMES = [
    # Siemens
    ("t1_mprage_sag_p2_iso", T1), ("t2_tse_tra", T2), ("tse_p3", None), ("t2_spc_sag", T2), ("space_sag", None),
    ("t2_space_dark-fluid_sag", FLAIR), ("fl2d_tra", None), ("t1_fl2d_tra", T1), ("t2_fl2d_tra_hemo", T2STAR),
    ("t2_fl3d_tra", T2STAR), ("fl3d_vibe", T1), ("ep2d_diff_tra_b1000", DWI), ("ep2d_bold_moco", None),
    ("t2_tirm_cor", STIR), ("t2_tirm_tra_dark-fluid", FLAIR), ("stir_cor", STIR), ("swi_tra", None),
    ("resolve_4scan_trace", DWI), ("t1_vibe_fs_tra_post", T1), ("tfl3d1_16ns", T1), ("tfl_epinav_ME2_pt8mm", T1),
    ("MEMPRAGE RMS", T1), ("mp2rage", None), ("tfl_b1map", None), ("trufi_loc", None), ("trufi cine", SSFP),
    # GE ("AX T1 FLAIR" is T1 below the threshold: test_normalize_round14)
    ("AX FSPGR BRAVO", T1), ("Sag CUBE T2", T2), ("Sag CUBE", None), ("Sag CUBE FLAIR", FLAIR), ("Ax T2 FRFSE", T2),
    ("Ax PROPELLER", None), ("Ax T2 PROPELLER", T2), ("Ax MERGE", T2STAR), ("Ax LAVA", T1),
    ("LAVA-Flex", None), ("AX SWAN", None), ("FIESTA", SSFP),
    # Philips
    ("sT1W_3D_TFE", T1), ("3D_TFE", None), ("T1W_TSE", T1), ("T2W_TSE", T2), ("T2W_FFE", T2STAR), ("T2*W_FFE", T2STAR),
    ("T2W_DRIVE", T2), ("mDIXON", None), ("T1W_mDIXON", T1), ("3D_T1", T1), ("sT2W_VISTA", T2), ("VISTA", None),
    ("3D_FLAIR_VISTA", FLAIR), ("PDW_TSE", PD), ("DWI_SSh", DWI), ("bTFE", SSFP),
    # Canon / Toshiba
    ("T1 FE", T1), ("FE", None), ("FE T2", T2STAR), ("T2 FSE", T2), ("FSE", None), ("FASE", None), ("T2 FASE", T2),
    # glued and spaced forms
    ("TSE_3DT1mdc", T1), ("AXT1FS", T1), ("sb 1000", DWI), ("b=1000", DWI), ("b 0", None), ("DUAL_TSE", None),
    ("PD/T2", None),
]


@pytest.mark.parametrize(("name", "expected"), VENDOR_NAMES)
def test_vendor_sequence_names(name: str, expected: str | None) -> None:
    result = normalize_description(name, modality="MR", level="series")
    got = result["weighting"]["code"] if result["weighting"] else None
    assert got == expected, (name, result["weighting"], result["reasons"].get("weighting"))
    if expected is not None:
        assert result["weighting"]["confidence"] >= 0.8


def _header(seq: str, tr: float, te: float, ti: float | None = None, variant: str = "", flip: float | None = None,
            etl: float | None = None, name: str = "") -> dict:
    return {"Modality": "MR", "ScanningSequence": seq.split("\\"), "SequenceVariant": variant.split("\\") if variant else [],
            "RepetitionTime": tr, "EchoTime": te, "InversionTime": ti, "FlipAngle": flip, "EchoTrainLength": etl,
            "SequenceName": name}


HEADERS = [
    ("2D FLAIR", _header("SE\\IR", 9000, 120, 2500), FLAIR),
    ("3D FLAIR (TR under 5000)", _header("SE\\IR", 4800, 330, 1660), FLAIR),
    ("GE FLAIR with the TI only in InversionTime", _header("SE", 9000, 108, 2200, etl=24), FLAIR),
    ("MP2RAGE second inversion is no FLAIR", _header("GR\\IR", 5000, 2.9, 2500, variant="SK\\SP\\MP"), None),
    ("STIR", _header("SE\\IR", 4000, 40, 160), STIR),
    ("MPRAGE written GR_IR by a converter", {**_header("GR", 2300, 2.3, 900), "ScanningSequence": "GR_IR"}, T1),
    ("research-mode MPRAGE", _header("RM", 7.6, 3.4, 900), T1),
    ("IR grey zone", _header("SE\\IR", 3000, 80, 1400), None),
    ("SE T1", _header("SE", 500, 12), T1),
    ("TSE T2 with a short train", _header("SE", 4500, 96, etl=16), T2),
    ("TSE T2 without EchoTrainLength says nothing", _header("SE", 4500, 96), None),
    ("Philips EPI diffusion recorded as SE", _header("SE", 4800, 78, etl=127), None),
    ("3D SPACE T2", _header("SE", 3200, 408, variant="SK\\SP", etl=240), T2),
    ("PD", _header("SE", 3000, 30, etl=8), PD),
    ("SE grey zone", _header("SE", 1500, 50, etl=8), None),
    ("Philips 3D TFE (magnetization prepared)", _header("GR", 7.7, 3.5, variant="MP", flip=8), T1),
    ("2D spoiled GRE T1", _header("GR", 180, 1.9, variant="SS", flip=80), T1),
    ("GRE with a small flip angle says nothing", _header("GR", 180, 1.9, variant="SS", flip=20), None),
    ("T2* GRE", _header("GR", 600, 20, flip=20), T2STAR),
    ("diffusion by SequenceName", _header("EP", 8000, 90, name="*ep_b1000t"), DWI),
    ("EPI BOLD says nothing", _header("EP\\GR", 2000, 30, flip=77), None),
]


@pytest.mark.parametrize(("what", "evidence", "expected"), HEADERS, ids=[h[0] for h in HEADERS])
def test_header_rules(what: str, evidence: dict, expected: str | None) -> None:
    assert weighting_from_header(evidence, lexicon().sequence_rules) == expected, what
    result = normalize_series(evidence)
    assert (result["weighting"]["code"] if result["weighting"] else None) == expected


def test_header_decides_when_the_text_is_silent_or_names_several() -> None:
    t2 = _header("SE", 4500, 96, etl=16)
    silent = normalize_series({**t2, "SeriesDescription": "AX 5mm"})
    assert silent["weighting"]["code"] == T2 and silent["weighting"]["source"] == "header"
    several = normalize_series({**t2, "SeriesDescription": "T1 vol DTI"})
    assert several["weighting"]["code"] == T2
    conflict = normalize_series({**_header("SE\\IR", 9000, 120, 2500), "SeriesDescription": "T1 SE"})
    assert conflict["weighting"] is None and conflict["conflicts"]


def test_rules_are_checked_when_loaded() -> None:
    known = {T1, T2}
    assert load_rules([{"has": ["SE"], "tr": [None, 900], "code": T1}], known)[0].ranges == (("tr", None, 900.0),)
    with pytest.raises(SequenceRuleError, match="unknown condition"):
        load_rules([{"hass": ["SE"], "code": T1}], known)
    with pytest.raises(SequenceRuleError, match="min, max"):
        load_rules([{"tr": [900], "code": T1}], known)
    with pytest.raises(SequenceRuleError, match="not a weighting"):
        load_rules([{"has": ["SE"], "code": "RID9080"}], known)
    assert issubclass(LexiconError, ValueError)


def _benchmark():
    spec = importlib.util.spec_from_file_location("normalize_benchmark", ROOT / "benchmarks" / "normalize.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("normalize_benchmark", module)
    spec.loader.exec_module(module)
    return module


def test_bids_dev_weighting_holds() -> None:
    """The development part of the real MR set: weighting right >= 97% with the header Modality,
    confidently wrong <= 1.5% (the GE "T1 FLAIR" the dataset calls FLAIR)."""
    bench = _benchmark()
    items = bench.load_real(ROOT / "tests" / "data" / "descriptions_real_bids.csv", "dev")
    for header in (True, "sequence"):
        stats = bench.evaluate_real(items, header=header)["stats"]["weighting"]
        n = stats["labelled"]
        assert n > 250
        assert stats["right"] / n >= 0.97, (header, stats)
        assert stats["conf_wrong"] / n <= 0.015, (header, stats)


def test_bids_held_out_weighting_with_the_sequence_header() -> None:
    """The held-out sites (measured once, round 4): with the series' sequence header the
    weighting is right >= 97% (97.9%), confidently wrong <= 1.1% (one Siemens t2_fl2d the
    dataset calls T2w); from the name and Modality alone >= 95% (95.7%)."""
    bench = _benchmark()
    items = bench.load_real(ROOT / "tests" / "data" / "descriptions_real_bids.csv", "holdout")
    for header, floor in (("sequence", 0.97), (True, 0.95)):
        stats = bench.evaluate_real(items, header=header)["stats"]["weighting"]
        n = stats["labelled"]
        assert n >= 90
        assert stats["right"] / n >= floor, (header, stats)
        assert stats["conf_wrong"] / n <= 0.011 + 1e-9, (header, stats)
