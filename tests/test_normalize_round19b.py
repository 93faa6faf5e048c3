"""Round 19b of issue 16 (words of German, Dutch and Polish exam names curator did not read).

- The side abbreviations of German and Dutch exam names ("Rö Handgelenk li in 2 Ebenen",
  "Rö Sprunggelenk re"): read as laterality only directly before or after a body-region word of a
  language that writes them (vocabulary.yaml context ``side_abbreviations``); never alone ("RE
  EXAM", "re-scan", "Li" for lithium) and never beside a region word of another language only.
- Polish adjective endings (vocabulary.yaml context ``inflections`` with replacement endings:
  -ego, -ej, -ym, -emu, -a, -e -> -y): "RM odcinka lędźwiowego kręgosłupa" is the lumbar spine;
  the nominative form must be a Polish term (below the confidence threshold: Polish is a thinly
  tuned language).

Examples written before running curator.  Each positive test fails without its change; the
guards (marked) pass before and after."""
from __future__ import annotations

import pytest

from curator.normalize import CONFIDENT, normalize_description

LEFT, RIGHT = "RID5824", "RID5825"
WRIST, ANKLE, KNEE, HAND, LUMBAR_SPINE = "RID2177", "RID28545", "RID2743", "RID2318", "RID34573"


def _field(text: str, modality: str | None, attribute: str) -> list[dict]:
    found = normalize_description(text, modality=modality, level="study").get(attribute)
    return found if isinstance(found, list) else ([found] if found else [])


@pytest.mark.parametrize("text, modality, side, region", [
    ("Rö Handgelenk li in 2 Ebenen", "DX", LEFT, WRIST),
    ("Rö Sprunggelenk re", "DX", RIGHT, ANKLE),
    ("MRT Knie re.", "MR", RIGHT, KNEE),
    ("Rö li. Handgelenk", "DX", LEFT, WRIST),
    ("Rö Hand re", "DX", RIGHT, HAND),          # "Hand" is English too; "Rö" shows German
    ("X-enkel re", "DX", RIGHT, ANKLE),         # Dutch
    ("MRI pols li", "MR", LEFT, WRIST),         # Dutch
])
def test_german_dutch_side_abbreviations_beside_a_region(text, modality, side, region) -> None:
    sides = _field(text, modality, "laterality")
    assert [s["code"] for s in sides] == [side], sides
    assert sides[0]["confidence"] >= CONFIDENT, sides
    assert region in [r["code"] for r in _field(text, modality, "body_region")]


@pytest.mark.parametrize("text, modality", [
    ("RE EXAM", None),
    ("CT head re-scan", "CT"),
    ("XR hand re-scan", "DX"),       # "hand" shared with English, nothing German or Dutch besides
    ("MR knee re", "MR"),            # English region word
    ("Li MRS brain", "MR"),          # lithium
    ("li", None),
    ("re", None),
    ("Rö re", "DX"),                 # no region word beside it
])
def test_side_abbreviations_alone_or_beside_other_languages_name_no_side(text, modality) -> None:
    # guard: 'li' and 're' are read only beside a German or Dutch region word
    assert _field(text, modality, "laterality") == []


@pytest.mark.parametrize("text, modality", [
    ("RM odcinka lędźwiowego kręgosłupa", "MR"),
    ("TK odcinka lędźwiowego", "CT"),
    ("RTG lędźwiowej części kręgosłupa", "DX"),
])
def test_polish_adjective_case_endings_name_the_region(text, modality) -> None:
    found = _field(text, modality, "body_region")
    # read as a compound (0.9), given below the threshold in a thinly tuned language like the
    # German genitive (calibration, docs/normalization.md): right, not confident
    assert [r["code"] for r in found] == [LUMBAR_SPINE], found


@pytest.mark.parametrize("text", ["RX boda", "ledzwiowq", "Boże"])
def test_replacement_endings_only_for_terms_of_that_language(text) -> None:
    # guard: "boda" -> "body" is no Polish term; an unknown stem names nothing
    assert _field(text, None, "body_region") == []


SHOULDER = "RID1852"


@pytest.mark.parametrize("text, modality, side, region", [
    ("Knä hö", "DX", RIGHT, KNEE),
    ("Slätröntgen handled vä", "DX", LEFT, WRIST),
    ("MR axel hö", "MR", RIGHT, SHOULDER),
])
def test_swedish_side_abbreviations_beside_a_region(text, modality, side, region) -> None:
    sides = _field(text, modality, "laterality")
    assert [s["code"] for s in sides] == [side], sides
    assert region in [r["code"] for r in _field(text, modality, "body_region")]


@pytest.mark.parametrize("text, modality", [
    ("TC torace va ripetuto", "CT"),   # Italian "va": an Italian region word beside it
    ("Ho MRS knee", "MR"),             # holmium, an English region word
    ("Knie hö", "MR"),                 # Swedish side beside a German-only region word
    ("Knä li", "DX"),                  # German side beside a Swedish-only region word
])
def test_side_abbreviations_only_beside_a_region_word_of_their_language(text, modality) -> None:
    # guard: each abbreviation is read only beside a region word of a language that writes it
    assert _field(text, modality, "laterality") == []


BILATERAL = "RID5771"


@pytest.mark.parametrize("text, modality", [("Echo mammae bdz", "US"), ("X-handen bdz", "DX")])
def test_dutch_bdz_is_bilateral(text, modality) -> None:
    # "bdz." is the Dutch abbreviation of "beiderzijds" (as the German "bds." of "beidseits")
    assert [s["code"] for s in _field(text, modality, "laterality")] == [BILATERAL]
