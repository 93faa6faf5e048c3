"""Round 10b of issue 16: spine level lists, nuclear-medicine words of every language, and the
series that inherit their study's region."""
from __future__ import annotations

import pytest

from curator.normalize import normalize_description

CERVICAL, THORACIC, LUMBAR, SACRUM = "RID34571", "RID28677", "RID34573", "RID2509"


def _regions(text: str, modality: str | None = None) -> list[tuple[str, float]]:
    result = normalize_description(text, modality=modality)
    return [(r["code"], r["confidence"]) for r in result["body_region"] or []]


@pytest.mark.parametrize("text, expected", [
    ("XR C/T/L spine", {CERVICAL, THORACIC, LUMBAR}),
    ("XR C-T-L spine", {CERVICAL, THORACIC, LUMBAR}),
    ("MR C, T, L spine", {CERVICAL, THORACIC, LUMBAR}),
    ("XR C/T/L-Spine", {CERVICAL, THORACIC, LUMBAR}),
    ("MR cervical/thoracic/lumbar spine", {CERVICAL, THORACIC, LUMBAR}),
    ("MRI cervical, thoracic and lumbar spine", {CERVICAL, THORACIC, LUMBAR}),
    ("MRT HWS/BWS/LWS", {CERVICAL, THORACIC, LUMBAR}),
    ("CT C-T-L-S spine", {CERVICAL, THORACIC, LUMBAR, SACRUM}),
    ("XR C/L spine", {CERVICAL, LUMBAR}),          # two levels apart: both
    ("MR cervical/lumbar spine", {CERVICAL, LUMBAR}),
    ("XR T/L spine", {"RID35809"}),                # two neighbours: their junction region
    ("XR L-S spine", {"RID28733"}),
    ("XR C/T spine", {"RID28726"}),
    ("XR C-Spine 2-3V", {CERVICAL}),
])
def test_a_list_of_spine_levels_names_every_level(text, expected) -> None:
    found = _regions(text, "DX")
    assert {code for code, _c in found} == expected, found
    assert all(confidence >= 0.8 for _code, confidence in found)
