"""Round 8 of issue 16: vocabulary of the Scottish archive's CT names (its dev part) as classes
in mappings/ and one reading rule in the engine.  Each test fails without its change."""
from __future__ import annotations

from curator.normalize import CONFIDENT, normalize_description


def _regions(text: str, modality: str | None = None) -> list[tuple[str, bool]]:
    """(label, confident) of each body region answered."""
    values = normalize_description(text, modality=modality)["body_region"] or []
    return sorted((v["label"], v["confidence"] >= CONFIDENT) for v in values)


CAP = [("abdomen", True), ("pelvis", True), ("thorax", True)]


def test_chest_abdomen_pelvis_spelt_with_initials_and_slashes():
    # the UK archives write chest-abdomen-pelvis "C/A/P", "C.A.P", "CH/AB/PEL"; "Ab/Pel" is abdomen-pelvis
    for text in ("C/A/P 3.0 B30f", "C.A.P", "CH/AB/PEL"):
        assert _regions(text, "CT") == CAP, text
    assert _regions("5 Port Ven/Ab/Pel", "CT") == [("abdomen", True), ("pelvis", True)]
    # "cap" alone stays unread: the Catalan head ("cap i coll"), a cap, community-acquired pneumonia
    assert _regions("CAP", "CT") == []
    assert _regions("TC cap i coll", "CT") == [("head", False), ("neck", False)]


def test_colonography_and_enterography_name_the_bowel_they_image():
    assert _regions("Colonography", "CT") == [("large intestine", True)]
    assert _regions("CT Colonoscopy (Virtual)", "CT") == [("large intestine", True)]
    assert _regions("CT Enterography", "CT") == [("small intestine", True)]


def test_a_camel_case_protocol_name_is_read_as_words():
    # the change of case stands for a space after a known word ("HeadAcute", "ThorHR", "ColonPRONE")
    assert _regions("CT HeadAcute Stroke", "CT") == [("head", True)]
    assert _regions("ThorHR 1.0 B31f 3D", "CT") == [("thorax", True)]
    assert _regions("ColonPRONE1.0 B20f", "CT") == [("large intestine", True)]
    # a one- or two-letter piece cut off a known word is a protocol suffix, not a word ("DP" is no
    # proton density), and an unknown word keeps its capitals ("iDose")
    out = normalize_description("Abdomen^AbdoPelvisDP (Adult)")
    assert out["modality"] is None and _regions("Abdomen^AbdoPelvisDP (Adult)", "CT") == [("abdomen", True), ("pelvis", True)]
    assert _regions("iDose (2)", "CT") == []


def test_hrct_alone_does_not_settle_the_region():
    # high-resolution CT is the chest's and the temporal bone's: "HRCT" alone is the lungs below
    # the threshold (round 14: it was no region), never a confident answer
    assert _regions("HRCT", "CT") == [("lung", False)]
    assert _regions("Temporal Bone (HRCT)", "CT") == [("temporal bone", True)]


def test_bones_named_together_or_glued_name_their_part_of_the_limb_or_skull():
    # Malaysia's "RadiUlna Right", "Radius/Ulna": the forearm; "PetroTemporal Bone", "PetroBone": the temporal bone
    assert _regions("RadiUlna Right", "DX") == [("forearm", True)]
    assert _regions("XR Radius and Ulna", "DX") == [("forearm", True)]
    assert _regions("PetroBone", "DX") == [("temporal bone", True)]
    assert _regions("PetroTemporal Bone Ray", "DX") == [("temporal bone", True)]


def test_ctpa_names_the_pulmonary_arteries_with_ct_and_iv_contrast():
    out = normalize_description("CTPA 1.0 I26f 3")
    assert [v["label"] for v in out["body_region"]] == ["set of pulmonary arteries"]
    assert out["modality"]["code"] == "RID10321" and out["modality"]["confidence"] >= CONFIDENT
    assert out["contrast"]["code"] == "RID28769"
