"""Round 11 of issue 16: confident answers that code lists file under another region, and the
vocabulary the dev parts of the real sets left unread.

- Structures at the boundary of two body regions (`filed_under` in
  mappings/descriptions/body_region.yaml): the sacroiliac joints (spine or pelvis), the hip
  (pelvis or thigh), the sternum (thorax or the skeleton), the nasopharynx (head or neck), the
  salivary glands (head or neck), the sternoclavicular joint (thorax or shoulder girdle), the
  esophagus (neck, thorax, abdomen), and a neck radiograph (`filed_under_modalities`: the soft
  tissues or the cervical spine).  Named alone they are given below the threshold; named with
  one of the regions they may be filed under, the region is settled.
- Vocabulary: sialography, pancreatography, loopograms, reflux studies, femoral anteversion, the
  post nasal space, intrathoracic, the alveolocapillary membrane, metacarpals, metatarsals, the
  pubic symphysis, the hyoid, contrast swallows and meals, ascitic taps; a camel-case word whose last
  piece is a known exam word ("PercutaneoCholecystostomy").

Each test fails without its change, but for the two guards (regions that stay confident)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from curator.normalize import CONFIDENT, normalize_description
from curator.normalize.lexicon import LexiconError, compile_lexicon

ROOT = Path(__file__).resolve().parents[1]


def _regions(text: str, modality: str | None = None) -> list[tuple[str, bool]]:
    """(label, confident) of each body region answered."""
    values = normalize_description(text, modality=modality)["body_region"] or []
    return sorted((v["label"], v["confidence"] >= CONFIDENT) for v in values)


def test_boundary_structures_named_alone_are_below_the_threshold():
    assert _regions("MRI Sacroiliac Joint", "MR") == [("sacroiliac joints", False)]
    assert _regions("RM articulaciones sacroiliacas", "MR") == [("sacroiliac joints", False)]
    assert _regions("TOMOGRAFIA COMPUTADA DE CADERA", "CT") == [("hip", False)]
    assert _regions("XR Hip Left", "DX") == [("hip", False)]
    assert _regions("Sternum", "DX") == [("sternum", False)]
    assert _regions("CT nasopharynx", "CT") == [("nasopharynx", False)]
    assert _regions("XR Sialogram", "DX") == [("salivary gland", False)]


def test_a_boundary_structure_named_with_one_of_its_regions_is_settled():
    # the text names the neck beside the parotid: both confident, as before
    assert _regions("US Neck Parotid", "US") == [("neck", True), ("salivary gland", True)]
    # the pelvis named with the hips (the thigh's joint): both, confident
    assert _regions("XR Pelvis and Hips", "DX") == [("hip", True), ("pelvis", True)]


def test_a_neck_radiograph_only_is_filed_apart():
    assert _regions("Neck", "DX") == [("neck", False)]
    assert _regions("XR Neck soft tissue") == [("neck", False)]
    # a CT or MR of the neck is the neck
    assert _regions("CT Neck", "CT") == [("neck", True)]
    assert _regions("MRI Neck", "MR") == [("neck", True)]
    assert _regions("Neck", "CT") == [("neck", True)]


def test_the_other_regions_stay_confident():
    assert _regions("CT Thorax", "CT") == [("thorax", True)]
    assert _regions("XR Knee Left", "DX") == [("knee", True)]
    assert _regions("MRI Lumbar Spine", "MR") == [("lumbar vertebral column", True)]


def test_exam_names_of_the_dev_parts():
    assert _regions("SIALOGRAFIA (CUALQUIER GLANDULA) SOD") == [("salivary gland", False)]
    assert _regions("Pancréatographie rétrograde par cathétérisme de la papille duodénale majeure") == [("set of pancreatic ducts", True)]
    assert _regions("Loopogram Distal - Barium", "RF") == [("gastrointestinal tract", True)]
    assert _regions("Recherche radio-isotopique d'un reflux gastrooesophagien") == [("esophagus", False)]
    assert _regions("RADIOGRAFÍA DE ANTEVERSIÓN FEMORAL", "DX") == [("femur", True)]
    assert _regions("CT femoral anteversion", "CT") == [("femur", True)]
    assert _regions("Post Nasal Space", "DX") == [("nasopharynx", False)]
    assert _regions("artério sup.sélect art. intrathor. pariétale+/-visc cathé art.") == [("thorax", True)]
    assert _regions("Mesure radio-isotopique de la perméabilité alvéolocapillaire") == [("lung", True)]


def test_pancreas_abbreviation_stays_read_beside_pancreatography():
    # "panc" was read as a cut "pancreas"; pancreatography made the cut word ambiguous
    assert _regions("US PANC PST TXP", "US") == [("pancreas", True)]


def test_a_camel_case_word_ending_in_a_known_exam_word():
    assert _regions("PercutaneoCholecystostomy", "DX") == [("gallbladder", True)]
    # an unknown last piece keeps its capitals and says nothing
    assert _regions("PreMonitoring", "CT") == []


def _lexicon_with(tmp_path: Path, edit) -> None:
    mappings = tmp_path / "mappings"
    (mappings / "descriptions").mkdir(parents=True)
    for f in (ROOT / "mappings" / "descriptions").iterdir():
        (mappings / "descriptions" / f.name).write_bytes(f.read_bytes())
    path = mappings / "descriptions" / "body_region.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    compile_lexicon(mappings, ROOT / "ontologies")


def test_filed_under_must_name_a_body_region(tmp_path):
    def bad_region(data):
        data["concepts"][0]["filed_under"] = ["RID10321"]   # CT, a modality
    with pytest.raises(LexiconError, match="filed_under RID10321"):
        _lexicon_with(tmp_path, bad_region)


def test_filed_under_modalities_must_name_a_modality(tmp_path):
    def bad_modality(data):
        data["concepts"][0]["filed_under"] = ["RID7488"]
        data["concepts"][0]["filed_under_modalities"] = ["RID1243"]   # the thorax
    with pytest.raises(LexiconError, match="filed_under_modalities RID1243"):
        _lexicon_with(tmp_path, bad_modality)


def test_the_sternoclavicular_joint_and_the_esophagus_are_filed_apart():
    # the sternoclavicular joint: thorax or shoulder girdle (SIGTAP); the esophagus runs through
    # the neck, the thorax and the abdomen (MY Core files a barium swallow with the skull)
    assert _regions("RADIOGRAFIA DE ARTICULACAO ESTERNO-CLAVICULAR", "DX") == [("sternoclavicular joint", False)]
    assert _regions("Barium Swallow", "RF") == [("esophagus", False)]
    assert _regions("Contrast Swallow", "RF") == [("esophagus", False)]
    # the esophagus named with the neck is settled
    assert ("esophagus", True) in _regions("FL Neck Esophagus", "RF")


def test_bones_of_the_hand_foot_pelvis_and_neck():
    assert _regions("Metacarpal Right", "DX") == [("hand", True)]
    assert _regions("RX METACARPIANOS", "DX") == [("hand", True)]
    assert _regions("Metatarsals Left", "DX") == [("foot", True)]
    assert _regions("Radiographie des métatarsiens", "DX") == [("foot", True)]
    assert _regions("Symphysis Pubis", "DX") == [("pelvis", True)]
    assert _regions("RX SINFISIS DEL PUBIS", "DX") == [("pelvis", True)]
    assert _regions("CT hyoid bone", "CT") == [("neck", True)]
    assert _regions("Paranasal Sinus", "DX") == [("paranasal sinuses", True)]


def test_exam_names_of_hospital_lists():
    assert _regions("Dacrocystogram", "RF") == [("face", True)]
    assert _regions("Ascitic Tap", "US") == [("abdomen", True)]
    assert _regions("Gastrografin Meal", "RF") == [("stomach", True)]
    # "bone age" is no hand (the Playbook files XR Bone Age under the skeleton)
    assert _regions("XR Bone Age Extended", "DX") == []


def test_digestive_names_the_gastrointestinal_tract():
    assert _regions("Recherche topographique d'une déperdition sanguine digestive, par méthode radio-isotopique") == [("gastrointestinal tract", True)]
    assert _regions("GAMMAGRAFIA DE SANGRADO DIGESTIVO") == [("gastrointestinal tract", True)]
    # oral contrast ("opacification digestive") stays no anatomy
    assert _regions("TDM abdomen avec opacification digestive", "CT") == [("abdomen", True)]
