"""Blind image set 10 checks itself: determinism, ground truth against the decoded ink, controls
without text, every transfer syntax and photometric state it claims (tests/pixel_blind10.py)."""
from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pixel_blind10 import (  # noqa: E402
    SCENES,
    blind10_case,
    blind10_cases,
    decoded,
    dicom_bytes,
    missing_fonts,
)

pytestmark = pytest.mark.skipif(bool(missing_fonts()), reason=f"fonts missing: {missing_fonts()}")

LOSSY = "1.2.840.10008.1.2.4.50"


@pytest.fixture(scope="module")
def cases():
    return blind10_cases(40, 3)


def _digests(count: int, seed: int) -> list[str]:
    return [hashlib.sha256(dicom_bytes(c.dataset)).hexdigest() for c in blind10_cases(count, seed)]


def test_same_seed_same_bytes_across_processes(cases):
    here = [hashlib.sha256(dicom_bytes(c.dataset)).hexdigest() for c in cases[:12]]
    code = ("import sys; sys.path.insert(0, 'tests'); import hashlib; from pixel_blind10 import blind10_cases, dicom_bytes; "
            "print(' '.join(hashlib.sha256(dicom_bytes(c.dataset)).hexdigest() for c in blind10_cases(12, 3)))")
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True).stdout.split()
    assert out == here
    assert len(set(here)) == len(here)  # every image differs
    assert _digests(3, 4) != here[:3]  # another seed, other images


def test_set_covers_what_it_claims(cases):
    assert len(cases) == 40
    syntaxes = {str(c.dataset.file_meta.TransferSyntaxUID) for c in cases}
    assert syntaxes >= {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99",
                        "1.2.840.10008.1.2.5", LOSSY, "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.80"}
    photometric = {str(c.dataset.PhotometricInterpretation) for c in cases}
    assert photometric >= {"MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL", "YBR_FULL_422"}
    assert {str(c.dataset.Modality) for c in cases} >= {"CT", "MR", "MG", "CR", "DX", "US", "NM", "XA", "SC"}
    assert {str(c.dataset.get("BurnedInAnnotation", "absent")) for c in cases} == {"absent", "YES", "NO"}
    assert {c.dataset.BitsStored for c in cases} >= {8, 10, 12, 14, 16}
    assert {c.dataset.PixelRepresentation for c in cases} == {0, 1}
    assert any(int(c.dataset.get("NumberOfFrames", 1) or 1) > 1 for c in cases)
    assert {c.name.split("-", 2)[2].replace("-control", "") for c in cases} == {s.__name__ for s in SCENES}


def test_every_image_decodes_to_its_declared_shape(cases):
    for c in cases:
        ds = pydicom.dcmread(io.BytesIO(dicom_bytes(c.dataset)))
        a = decoded(ds)
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        assert a.shape[:3] == (frames, ds.Rows, ds.Columns), c.name
        assert a.std() > 0, c.name


def test_controls_are_the_no_text_render(cases):
    controls = [c for c in cases if c.name.endswith("-control")]
    assert [cases.index(c) for c in controls] == list(range(4, 40, 5))
    for c in controls:
        assert c.lines == []
        plain = blind10_case(cases.index(c), 3, text=False)
        assert dicom_bytes(plain.dataset) == dicom_bytes(c.dataset)
    # a text image's no-text render keeps every graphic: it differs from the text image only at ink
    for c in cases:
        if c.lines:
            assert blind10_case(cases.index(c), 3, text=False).lines == []


def test_truth_boxes_are_the_ink_of_the_decoded_pixels(cases):
    lines = 0
    for index, c in enumerate(cases):
        if not c.lines:
            assert c.name.endswith("-control"), c.name
            continue
        assert any(ln.identifier for ln in c.lines), c.name
        text = decoded(c.dataset)
        plain = decoded(blind10_case(index, 3, text=False).dataset)
        diff = text != plain
        if diff.ndim == 4:
            diff = diff.any(axis=3)
        covered = np.zeros_like(diff)
        blocks = np.zeros_like(diff)  # the 16x16 JPEG MCUs a line touches
        for ln in c.lines:
            lines += 1
            y0, x0, y1, x1 = ln.box
            assert 0 <= y0 < y1 <= diff.shape[1] and 0 <= x0 < x1 <= diff.shape[2], (c.name, ln.text)
            assert ln.ink.shape == (y1 - y0, x1 - x0)
            assert ln.ink[0].any() and ln.ink[-1].any() and ln.ink[:, 0].any() and ln.ink[:, -1].any()  # tight box
            assert diff[ln.frame, y0:y1, x0:x1][ln.ink].all(), (c.name, ln.text)  # ink is changed pixels only
            covered[ln.frame, y0:y1, x0:x1] |= ln.ink
            # (+ 2 px: decoders interpolate subsampled chroma across the block edge)
            blocks[ln.frame, max(y0 // 16 * 16 - 2, 0) : -(-y1 // 16) * 16 + 2,
                   max(x0 // 16 * 16 - 2, 0) : -(-x1 // 16) * 16 + 2] = True
        stray = int((diff & ~covered).sum())
        if str(c.dataset.file_meta.TransferSyntaxUID) == LOSSY:
            # DCT ringing beyond the glyphs is not ink, but it stays in the blocks the lines touch
            assert not (diff & ~blocks).any(), c.name
        else:
            assert stray <= 40, (c.name, stray)  # only lines cut to under 3 px by a border
    assert lines > 200


def test_lines_on_later_frames_and_frames_without_text(cases):
    multi = [c for c in cases if int(c.dataset.get("NumberOfFrames", 1) or 1) > 1 and c.lines]
    assert multi
    for c in multi:
        frames = int(c.dataset.NumberOfFrames)
        with_text = {ln.frame for ln in c.lines if ln.identifier}
        assert with_text and all(0 <= f < frames for f in with_text)
    assert any(len({ln.frame for ln in c.lines if ln.identifier}) < int(c.dataset.NumberOfFrames) for c in multi)


def test_tokens_are_upper_case_words_of_three_or_more():
    c = blind10_case(0, 3)
    for ln in c.lines:
        assert all(len(t) >= 3 and t == t.upper() for t in ln.tokens())
