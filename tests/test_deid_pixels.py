"""Burned-in text: the pixel screen, verified cleaning and its labels (curator.deid.pixels).

Images are real pydicom test images with fake identifiers drawn over them, with ground
truth (curator.testing.synthetic_text); cleaning runs the text detection model shipped inside the
rapidocr-onnxruntime wheel; readability is checked with tesseract (Debian tesseract-ocr)."""
from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pydicom
import pytest
from test_deid import P, _meta, planted_ct, write

from curator.deid import pixels, textdetect
from curator.deid.run import DeidOptions, deidentify
from curator.errors import CuratorError
from curator.testing import synthetic_text
from curator.testing.synthetic_text import cases, make_case

KEY = bytes(range(32))
SEED = 7  # not the seed the detector was tuned on (0)
CASES = (0, 4, 6, 8)  # CT 16-bit signed, CR 12-bit MONOCHROME1, US RGB, SC RGB 2 frames RLE
HELD_OUT_SEED = 11  # the benchmark reports seed 2


def _name_ct(text: str | None, flag: str | None = None) -> pydicom.Dataset:
    """An unflagged CT (real CT content) with a name in its top-left corner."""
    from PIL import Image, ImageDraw, ImageFont

    layout = synthetic_text.LAYOUTS[0]  # pydicom's CT_small at 512 x 512, 16-bit signed
    frame = synthetic_text._stored(layout, synthetic_text._resized(layout.base, layout))[0].astype(np.int32)
    if text:
        canvas = Image.new("L", (frame.shape[1], frame.shape[0]), 0)
        ImageDraw.Draw(canvas).text((10, 8), text, fill=255, font=ImageFont.load_default(size=22))
        frame[np.asarray(canvas) > 0] = int(frame.max())
    ds = planted_ct(0, patient="")
    for keyword in ("RescaleIntercept", "RescaleSlope"):
        if keyword in ds:
            del ds[keyword]
    ds.Rows, ds.Columns = frame.shape
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.PixelData = frame.astype(np.int16).tobytes()
    if flag is None:
        if "BurnedInAnnotation" in ds:
            del ds.BurnedInAnnotation
    else:
        ds.BurnedInAnnotation = flag
    return _meta(ds)


def _check_clean(items) -> tuple[int, int]:
    """Clean each (dataset, planted lines) and assert the labelling rules; returns the
    (redacted, outside) pixel counts, outside = beyond each line's ink box + 3 px."""
    redacted = outside = 0
    for ds, lines in items:
        shape = pixels.frames_of(ds).shape[1:3]
        flag = ds.get("BurnedInAnnotation")
        outcome = pixels.clean(ds)
        masks: dict[int, np.ndarray] = {}
        for frame, (y0, x0, y1, x1) in outcome.regions:
            masks.setdefault(frame, np.zeros(shape, dtype=bool))[y0:y1, x0:x1] = True
        left = [line.text for line in lines
                if not masks.get(line.frame, np.zeros(shape, dtype=bool))[line.box[0]:line.box[2], line.box[1]:line.box[3]][line.ink].all()]
        if outcome.reason is None and lines:  # released: every planted line redacted, and only then NO + 113101
            assert not left and ds.BurnedInAnnotation == "NO" and outcome.cleaned, left
            assert "113101" in {item.CodeValue for item in ds.DeidentificationMethodCodeSequence}
        if not lines:  # no text: released untouched, no claim
            assert outcome.reason is None and not outcome.regions and ds.get("BurnedInAnnotation") == flag
            assert "DeidentificationMethodCodeSequence" not in ds
        for frame, mask in masks.items():
            truth = np.zeros(shape, dtype=bool)
            for line in lines:
                if line.frame == frame:
                    truth[max(line.box[0] - 3, 0):line.box[2] + 3, max(line.box[1] - 3, 0):line.box[3] + 3] = True
            redacted += int(mask.sum())
            outside += int((mask & ~truth).sum())
    return redacted, outside


def test_clean_redacts_every_planted_box_tightly():
    items = [make_case(index, SEED) for index in CASES]
    redacted, outside = _check_clean([(case.dataset, case.planted) for case in items])
    assert redacted > 0 and outside / redacted < 0.04  # measured 3.0%


def test_clean_on_the_held_out_set_redacts_every_line_or_quarantines():
    """The held-out generator (tests/pixel_heldout.py shares no code with curator): CT
    JPEG-LS 12-bit, US RGB JPEG baseline, 4-frame US (text on every frame), a text-free MR."""
    from pixel_heldout import heldout_case

    items = [heldout_case(index, HELD_OUT_SEED) for index in (0, 2, 16, 13)]
    assert [len(item.lines) > 0 for item in items] == [True, True, True, False]
    assert {line.frame for line in items[2].lines} == {0, 1, 2, 3}
    redacted, outside = _check_clean([(item.dataset, item.lines) for item in items])
    # measured 5.6% on these four (12.7% before structures of the image crossing a line
    # stopped making its boxes higher, and short words of a block were found): a regression
    # bound, just above the target of 5% (speckle beside the text on ultrasound)
    assert redacted > 0 and outside / redacted < 0.07


def test_clean_never_claims_113101_when_no_pixel_changed():
    ds = _name_ct(None, flag="YES")
    before = ds.PixelData
    outcome = pixels.clean(ds)
    assert not outcome.cleaned and outcome.reason is None and outcome.boxes == 0
    assert ds.PixelData == before and ds.BurnedInAnnotation == "YES"
    assert "DeidentificationMethodCodeSequence" not in ds


def _named_and_plain_ct(source):
    """A source of two CT slices: one with the patient's name in a corner, one without text."""
    write(_name_ct(P["family"].upper()), source / "named.dcm")
    plain = _name_ct(None)
    plain.SOPInstanceUID += ".2"
    write(_meta(plain), source / "plain.dcm")
    return source


def test_screen_sees_text_in_a_corner_and_not_on_plain_anatomy():
    assert pixels.screen(_name_ct(P["family"].upper())) == pixels.SCREEN_REASON
    assert pixels.screen(_name_ct(None)) is None


def test_unflagged_ct_with_a_name_is_quarantined_by_default_and_cleaned_on_request(tmp_path):
    source = _named_and_plain_ct(tmp_path / "src")
    report = deidentify(source, tmp_path / "out", key=KEY, options=DeidOptions(k=1, workers=1, quarantine=tmp_path / "q"))
    assert report["counts"]["written"] == 1 and report["counts"]["quarantined"] == 1
    assert report["quarantined"][0]["reason"] == pixels.SCREEN_REASON
    report = deidentify(source, tmp_path / "clean", key=KEY, options=DeidOptions(k=1, workers=1, clean_pixels=True))
    assert report["counts"]["written"] == 2 and report["actions"]["pixel_instances_cleaned"] == 1
    assert {"code": "113101", "meaning": "Clean Pixel Data Option"} in report["profile"]["method_codes"]
    released = [pydicom.dcmread(path) for path in sorted((tmp_path / "clean").rglob("*.dcm"))]
    labelled = [("113101" in {i.CodeValue for i in ds.DeidentificationMethodCodeSequence}, ds.get("BurnedInAnnotation")) for ds in released]
    assert sorted(labelled, key=str) == sorted([(True, "NO"), (False, None)], key=str)
    for ds in released:
        assert not textdetect.detect_model(pixels.frames_of(ds)[0])


def undecodable_jpeg() -> pydicom.Dataset:
    """pydicom's JPEG-lossy.dcm: a 12-bit JPEG stream that no installed decoder reads
    (pylibjpeg: a misplaced marker segment; Pillow: no 12-bit JPEG Extended)."""
    from pydicom.data import get_testdata_file

    ds = pydicom.dcmread(get_testdata_file("JPEG-lossy.dcm"))
    try:
        ds.pixel_array  # noqa: B018 - decoding is the point: it raises without a decoder
        pytest.skip("a decoder reads JPEG-lossy.dcm here")
    except Exception:  # noqa: BLE001 - expected: no decoder
        pass
    return ds


def test_undecodable_pixels_are_quarantined_when_cleaning(tmp_path):
    ds = undecodable_jpeg()
    source = tmp_path / "src"
    write(ds, source / "nm.dcm")
    report = deidentify(source, tmp_path / "out", key=KEY, options=DeidOptions(k=1, workers=1, clean_pixels=True, quarantine=tmp_path / "q"))
    assert report["counts"]["written"] == 0 and report["counts"]["quarantined"] == 1
    assert report["quarantined"][0]["reason"].startswith("pixel data cannot be decoded for cleaning")
    assert report["quarantined"][0]["written_to_quarantine"]
    assert not list((tmp_path / "out").rglob("*.dcm"))


def test_clean_pixels_without_the_model_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(textdetect, "model_available", lambda: False)
    source = tmp_path / "src"
    write(_name_ct("X"), source / "ct.dcm")
    with pytest.raises(CuratorError, match="rapidocr-onnxruntime"):
        deidentify(source, tmp_path / "out", key=KEY, options=DeidOptions(clean_pixels=True))


def _ocr(frame: np.ndarray, tmp_path) -> str:
    from PIL import Image

    view = textdetect.windows(frame)[0]
    png = tmp_path / "frame.png"
    Image.fromarray(view).resize((view.shape[1] * 2, view.shape[0] * 2)).save(png)
    result = subprocess.run(["tesseract", str(png), "stdout", "--psm", "11"], capture_output=True, text=True, check=False)
    return "".join(c for c in result.stdout.upper() if c.isalnum())


@pytest.mark.external
def test_cleaned_text_is_no_longer_readable(tmp_path):
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract not installed (Debian package tesseract-ocr; .ci/run installs it)")
    case = [c for c in cases(3, SEED) if c.planted][0]
    frame = pixels.frames_of(case.dataset)[0]
    latin = [t for p in case.planted if p.frame == 0 for t in p.tokens() if t.isascii()]
    read_before = [t for t in latin if t in _ocr(frame, tmp_path)]
    assert read_before  # tesseract reads some planted tokens before cleaning
    outcome = pixels.clean(case.dataset)
    assert outcome.cleaned
    after = _ocr(pixels.frames_of(case.dataset)[0], tmp_path)
    assert not [t for t in read_before if t in after]


def test_audit_reports_the_pixel_screen_per_modality(tmp_path):
    from curator.analyses.pipeline import audit_source
    from curator.report.text import render_text

    source = _named_and_plain_ct(tmp_path / "src")
    report = audit_source(source, index_path=tmp_path / "index.parquet", workers=1, progress=False)
    screen = report["burned_in"]["pixel_screen"]
    assert screen["by_modality"] == {"CT": {"screened": 2, "text_like": 1, "not_decoded": 0}}
    findings = {f["code"]: f for f in report["findings"]}
    assert findings["burned_in_pixels"]["count"] == 1 and findings["burned_in_pixels"]["severity"] == "warning"
    assert "pixel screen: 1 of 2 images" in render_text(report)
    assert P["family"].upper() not in str(report)
    quiet = audit_source(source, index_path=tmp_path / "index.parquet", workers=1, progress=False, pixel_screen=False)
    assert "pixel_screen" not in quiet["burned_in"] and "burned_in_pixels" not in {f["code"] for f in quiet["findings"]}


def _drawn_line(text: str, x: int = 20) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A 12-bit frame of a smooth ramp with one white line of text; the text's ink box."""
    from PIL import Image, ImageDraw, ImageFont

    frame = np.tile(np.linspace(600, 1400, 320), (120, 1))
    canvas = Image.new("L", (320, 120), 0)
    ImageDraw.Draw(canvas).text((x, 50), text, fill=255, font=ImageFont.load_default(size=18))
    alpha = np.asarray(canvas, dtype=np.float64) / 255
    ys, xs = np.nonzero(alpha >= 0.5)
    return np.rint(frame * (1 - alpha) + 4000 * alpha).astype(np.uint16), (int(ys.min()), int(xs.min()), int(ys.max()) + 1, int(xs.max()) + 1)


def test_residue_cuts_a_glyph_left_before_a_cut_line_and_not_an_edge_of_the_image():
    """The check before labelling: a line cut after its first glyph (the model began after
    it) has that glyph cut too; a bright bar running across the line's rows beside it is
    the image, and is left alone."""
    frame, (y0, x0, y1, x1) = _drawn_line("W 84219375")
    line = (y0 - 3, x0 + 22, y1 + 3, x1 + 3)  # cut after the "W" and the space
    extra = textdetect.residue(frame, [line], [line])
    covered = np.zeros(frame.shape, dtype=bool)
    for b0, c0, b1, c1 in extra + [line]:
        covered[b0:b1, c0:c1] = True
    ink = frame[y0:y1, x0:x1] > 2500
    assert extra and covered[y0:y1, x0:x1][ink].all()
    bar = frame.copy()
    bar[:, 5:9] = 4000  # an edge of the image: runs out of the line's rows
    whole = (y0 - 3, x0 - 4, y1 + 3, x1 + 3)
    assert textdetect.residue(bar, [whole], [whole]) == []


def test_strokes_beside_a_cut_line_are_its_text_only_in_its_colour():
    frame, (y0, x0, y1, x1) = _drawn_line("ID 5521")
    frame[y0:y1, x1 + 10:x1 + 40:6] = 4000  # white strokes beside the line: its colour
    line = (y0 - 3, x0 - 3, y1 + 3, x1 + 3)
    assert textdetect.same_colour(frame, (y0, x1 + 8, y1, x1 + 42), [line])
    grey = frame.copy()
    grey[y0:y1, x1 + 10:x1 + 40:6] = 1900  # grey strokes: not the white text's
    assert not textdetect.same_colour(grey, (y0, x1 + 8, y1, x1 + 42), [line])


def _marked_ct(marks: list[tuple[str, int, int, int, str]]) -> tuple[pydicom.Dataset, list[tuple[int, int, np.ndarray]]]:
    """A CT flagged YES (pydicom's CT_small, each pixel 4 x 4) with ``marks`` (text, row,
    column, pixel size, font file) drawn brighter than its anatomy; each mark's ink (row,
    column of its box, mask)."""
    from PIL import Image, ImageDraw, ImageFont
    from pydicom.data import get_testdata_file

    ds = _name_ct(None, flag="YES")
    base = pydicom.dcmread(get_testdata_file("CT_small.dcm")).pixel_array.astype(np.int32)
    frame = np.kron(base, np.ones((4, 4), dtype=np.int32))
    inks = []
    for text, y, x, size, face in marks:
        canvas = Image.new("L", (frame.shape[1], frame.shape[0]), 0)
        ImageDraw.Draw(canvas).text((x, y), text, fill=255, font=ImageFont.truetype(f"/usr/share/fonts/truetype/dejavu/{face}", size))
        alpha = np.asarray(canvas, dtype=np.float64) / 255
        frame = np.rint(frame * (1 - alpha) + 3000 * alpha).astype(np.int32)
        ys, xs = np.nonzero(alpha >= 0.5)
        inks.append((int(ys.min()), int(xs.min()), (alpha >= 0.5)[ys.min():ys.max() + 1, xs.min():xs.max() + 1]))
    ds.PixelData = frame.astype(np.int16).tobytes()
    return ds, inks


def test_a_lone_marker_a_view_and_the_marks_of_a_scale_are_cut():
    """Words standing alone (an L/R marker, a view, the depth marks of a scale: the model
    sees the single digits of a scale not at all, its two-digit marks and the marker as
    boxes too short for a line) are cut, not released under a NO."""
    bold, plain = "DejaVuSans-Bold.ttf", "DejaVuSans.ttf"
    ds, inks = _marked_ct([("R", 380, 40, 56, bold), ("PA", 30, 240, 20, bold)]
                          + [(str(depth), 110 + depth * 20, 490, 11, plain) for depth in (0, 5, 10, 15)])
    outcome = pixels.clean(ds)
    assert outcome.reason is None and outcome.cleaned and ds.BurnedInAnnotation == "NO"
    cut = np.zeros(pixels.frames_of(ds).shape[1:3], dtype=bool)
    for _, (y0, x0, y1, x1) in outcome.regions:
        cut[y0:y1, x0:x1] = True
    for y, x, ink in inks:
        assert cut[y:y + ink.shape[0], x:x + ink.shape[1]][ink].all()
    assert cut.sum() < 2.5 * sum(int(ink.sum()) for _, _, ink in inks) + 4000  # tight boxes, not the anatomy


def test_screen_sees_a_bitmap_font_enlarged_twice_running_off_the_edge():
    """Red-team round 5: Pillow's bitmap font enlarged twice (strokes two pixels wide, glyphs
    that fill their boxes like blobs) in the top band of a 256 x 256 CT, running off its
    right edge, was not seen by the default screen."""
    from redteam5_archive import _anatomy, _text_picture

    def ct(frame: np.ndarray) -> pydicom.Dataset:
        ds = _name_ct(None)
        ds.Rows, ds.Columns = frame.shape
        ds.PixelData = (frame.astype(np.int16) * 8).tobytes()
        return ds

    anatomy = _anatomy(256, 256, 3)
    named = anatomy.copy()
    named[:40] = np.maximum(named[:40], _text_picture("DOBRZANSKA IRENA NB2291847", (256, 256), 2)[:40])
    assert pixels.screen(ct(named)) == pixels.SCREEN_REASON
    assert pixels.screen(ct(anatomy)) is None


def _assert_turned_line_cut(ds: pydicom.Dataset, frame: np.ndarray, alpha: np.ndarray, y: int, x: int,
                            angle: int) -> None:
    """Blend the turned line ``alpha`` into ``frame`` at (``y``, ``x``) as bright text, clean
    ``ds`` and check every glyph pixel is cut, the image labelled NO and the anatomy beside
    the line (columns 40-200) left alone."""
    region = frame[y:y + alpha.shape[0], x:x + alpha.shape[1]]
    frame[y:y + alpha.shape[0], x:x + alpha.shape[1]] = np.rint(region * (1 - alpha) + 3000 * alpha)
    ds.PixelData = frame.astype(np.int16).tobytes()
    ink = alpha >= 0.5
    outcome = pixels.clean(ds)
    cut = np.zeros(frame.shape, dtype=bool)
    for _, (y0, x0, y1, x1) in outcome.regions:
        cut[y0:y1, x0:x1] = True
    assert outcome.reason is None and ds.BurnedInAnnotation == "NO"
    assert cut[y:y + ink.shape[0], x:x + ink.shape[1]][ink].all(), angle
    assert cut[:, 40:200].sum() == 0  # the anatomy beside the turned line is left alone


def test_a_line_turned_a_quarter_is_cut():
    """A fax header up the edge of a scanned form, a label along the side of a radiograph:
    a line of text turned 90 degrees (reading upwards or downwards), which the model sees
    upright only in pieces, is cut whole (found on the frame turned a quarter), not
    released under a NO."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 11)
    for angle in (90, 270):
        ds, _ = _marked_ct([("MRN 20-265 ACC", 30, 240, 20, "DejaVuSans-Bold.ttf")])
        frame = pixels.frames_of(ds)[0].astype(np.int32)
        strip = Image.new("L", (260, 16), 0)
        ImageDraw.Draw(strip).text((2, 1), "FAX 14:56:04 Kilbride General P.1/1", fill=255, font=font)
        alpha = np.asarray(strip.rotate(angle, expand=True), dtype=np.float64) / 255  # 260 x 16
        _assert_turned_line_cut(ds, frame, alpha, 120, 4, angle)


def test_fringe_cuts_what_a_box_left_at_its_edge_and_stops_at_its_reach():
    """The check before labelling looks at every side of every cut box: ink of the text's
    colour touching a box from outside (a letter's leg, a descender's tail past the margin)
    is cut, but a structure of the image it is fused with is followed only
    ``fringe_reach`` pixels."""
    frame, (y0, x0, y1, x1) = _drawn_line("Jqy 5521", x=40)
    box = (y0 - 3, x0 + 2, y1 - 2, x1 + 3)  # misses the first columns and the bottom rows of the ink
    extra = textdetect.fringe(frame, [box])
    covered = np.zeros(frame.shape, dtype=bool)
    for b0, c0, b1, c1 in extra + [box]:
        covered[b0:b1, c0:c1] = True
    ink = frame[y0:y1, x0:x1] > 2500
    assert covered[y0:y1, x0:x1][ink].all()
    fused = frame.copy()
    fused[y1 - 4:y1 - 1, 5:x0] = 4000  # a bright bar of the image running into the line from the left
    reach = textdetect.settings().fringe_reach
    assert all(c0 >= box[1] - reach - 1 for _, c0, _, _ in textdetect.fringe(fused, [box]))
    assert textdetect.fringe(frame, [(y0 - 3, x0 - 4, y1 + 3, x1 + 4)]) == []  # nothing left: nothing added


def test_a_letter_fused_with_a_dark_edge_is_cut_whole_before_labelling():
    """Held-out CT (JPEG-LS, seed 2, image 10): the left leg of the A of a dark 'Acc#' line
    is fused with a dark edge of the CT, and 14 of its pixels were released under a NO."""
    from pixel_heldout import heldout_case

    item = heldout_case(10, 2)
    shape = pixels.frames_of(item.dataset).shape[1:3]
    outcome = pixels.clean(item.dataset)
    cut = np.zeros(shape, dtype=bool)
    for _, (y0, x0, y1, x1) in outcome.regions:
        cut[y0:y1, x0:x1] = True
    assert outcome.reason is None and item.dataset.BurnedInAnnotation == "NO"
    assert all(cut[line.box[0]:line.box[2], line.box[1]:line.box[3]][line.ink].all() for line in item.lines)


def test_a_bright_disc_is_not_a_word_standing_alone():
    """blind4's fundus photo: the model boxed the bright optic disc (vessels crossing it)
    after the text was cut, and it was cut as a word standing alone (one colour, within
    its box, filling 79% of it like a letter might): a 60 x 60 px block of the retina went
    black.  A glyph is drawn in strokes; a disc keeps its inside under an erosion by a
    square of a third of its height.  A bold letter of the same size is still a word."""
    from PIL import Image, ImageDraw, ImageFont

    s = textdetect.settings()
    for shape, expected in (("disc", False), ("O", True), ("R", True)):
        canvas = Image.new("L", (200, 200), 40)
        draw = ImageDraw.Draw(canvas)
        if shape == "disc":
            draw.ellipse((75, 75, 125, 125), fill=230)
        else:
            draw.text((75, 64), shape, fill=230, font=ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 60))
        view = np.asarray(canvas, dtype=np.uint8)
        ys, xs = np.nonzero(view > 135)
        raw = (int(ys.min()) - 2, int(xs.min()) - 2, int(ys.max()) + 3, int(xs.max()) + 3)
        assert bool(textdetect.lone_word(raw, view, view.shape, s)) is expected, shape


def test_a_turned_line_of_a_small_font_whose_glyphs_touch_in_twos_is_cut():
    """A 7-pixel ID up the edge of a fluoroscopy frame in a tight font: its glyphs touch in
    twos through their anti-aliased edges, so each component is too wide for one glyph and
    too narrow for a run.  The stroke detector that admits the model on the turned frame
    counts such pairs as two glyphs, so the line is cut, not released under a NO."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 10)
    for angle in (90, 270):
        ds, _ = _marked_ct([("MRN 20-265 ACC", 30, 240, 20, "DejaVuSans-Bold.ttf")])
        frame = pixels.frames_of(ds)[0].astype(np.int32)
        strip = Image.new("L", (200, 12), 0)
        draw = ImageDraw.Draw(strip)
        x = 1
        for pair in ("MW", "OM", "WD", "QM", "MO", "DW"):  # two glyphs touching, then a gap
            for char in pair:
                draw.text((x, 0), char, fill=255, font=font)
                x += int(draw.textlength(char, font=font)) - 1
            x += 3
        alpha = np.asarray(strip.rotate(angle, expand=True), dtype=np.float64) / 255
        _assert_turned_line_cut(ds, frame, alpha, 150, 0, angle)


def test_pairs_of_touching_glyphs_count_as_two_only_when_asked():
    """Three components each two glyphs wide (touching) make a line for
    the check (``pairs``), not for the screen, whose verdicts stay as they were."""
    s = textdetect.settings()
    image = np.full((60, 120), 20, dtype=np.uint8)
    for k in range(3):  # hollow 10 x 9 glyphs side by side in twos (18 pixels wide), the pairs 4 pixels apart
        for x in (10 + 22 * k, 19 + 22 * k):
            image[20:30, x:x + 9] = 220
            image[21:29, x + 1:x + 8] = 20
    response = np.where(image > 100, 200, 0).astype(np.uint8)
    assert textdetect._text_boxes(response, image, s) == []
    assert len(textdetect._text_boxes(response, image, s, pairs=True)) == 1


def _flat_field(text: str | None) -> tuple[pydicom.Dataset, np.ndarray, np.ndarray]:
    """A 12-bit mammogram-like frame: a flat, slightly noisy background with a textured
    breast on the right, and ``text`` 6 grey levels (of 255 in the full window) above the
    background at the bottom left; returns the dataset, the text's ink mask and the breast."""
    from PIL import Image, ImageDraw, ImageFont

    rows, cols = 300, 360
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:rows, 0:cols]
    breast = ((yy - rows / 2) / (rows * 0.45)) ** 2 + ((xx - cols) / (cols * 0.6)) ** 2 <= 1
    texture = np.cumsum(np.cumsum(rng.normal(0, 1, (rows, cols)), axis=0), axis=1)
    texture = (texture - texture.min()) / (texture.max() - texture.min())
    frame = np.where(breast, 1500 + 1000 * texture, 100.0) + rng.normal(0, 2, (rows, cols))
    ink = np.zeros((rows, cols), dtype=bool)
    if text:
        canvas = Image.new("L", (cols, rows), 0)
        font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 11)
        ImageDraw.Draw(canvas).text((8, 262), text, fill=255, font=font)
        alpha = np.asarray(canvas, dtype=np.float64) / 255
        frame += alpha * 6 / 255 * (frame.max() - frame.min())
        ink = alpha >= 0.5
    ds = _name_ct(None)
    ds.Rows, ds.Columns = rows, cols
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = np.clip(np.rint(frame), 0, 4095).astype(np.uint16).tobytes()
    return ds, ink, breast


def test_faint_text_on_a_flat_field_is_cut_and_the_anatomy_left_alone():
    """A mammogram's site and name a few grey levels above its flat background: invisible
    in the full window (the model and the stroke detector see nothing there), they are
    found in the flat field's own window and cut, not released under a NO; the breast is
    not touched, and the same image without text is left as it is."""
    ds, ink, breast = _flat_field("GARCIA NUNEZ JOSE 1957-03-02")
    outcome = pixels.clean(ds)
    cut = np.zeros(ink.shape, dtype=bool)
    for _, (y0, x0, y1, x1) in outcome.regions:
        cut[y0:y1, x0:x1] = True
    assert outcome.reason is None and ds.get("BurnedInAnnotation") == "NO"
    assert cut[ink].all()
    assert not (cut & breast).any()
    plain, _, _ = _flat_field(None)
    assert pixels.clean(plain).regions == []


def test_text_the_model_misses_but_the_screen_sees_is_quarantined_not_released_under_a_no():
    """Two lines 1 pixel apart against the top edge of a CT: the model finds neither, only
    the technique line in the bottom right corner, which is cut; the pixel screen still
    sees the two lines in the frame as it would be released, so the instance is
    quarantined (fail closed) instead of being labelled NO."""
    from PIL import Image, ImageDraw, ImageFont

    ds = _name_ct(None, flag="NO")
    frame = pixels.frames_of(ds)[0].astype(np.int32)
    canvas = Image.new("L", (frame.shape[1], frame.shape[0]), 0)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 9)
    draw = ImageDraw.Draw(canvas)
    draw.text((4, 2), "Szoke Ildiko", fill=255, font=font)
    below = draw.textbbox((4, 2), "Szoke Ildiko", font=font)[3] + 1  # the next line 1 pixel below
    draw.text((4, below - draw.textbbox((0, 0), "2", font=font)[1]), "213-749-9596 Born 20190919", fill=255, font=font)
    draw.text((300, 480), "KV 120  MAS 142  SL 5.0", fill=255, font=ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 14))
    alpha = np.asarray(canvas, dtype=np.float64) / 255
    ds.PixelData = np.rint(frame * (1 - alpha) + frame.max() * alpha).astype(np.int16).tobytes()
    lines = textdetect.detect_lines(pixels.frames_of(ds)[0])
    assert lines and all(box[0] > 400 for box, _ in lines)  # the model sees the technique line only
    outcome = pixels.clean(ds)
    assert outcome.regions and outcome.reason == pixels.LEFT_REASON


def test_a_lone_marker_the_model_does_not_see_is_cut_in_the_colour_of_the_cut_text():
    """blind7's CT four-corner images: the model boxes the R marker at the left edge (cut
    as a word standing alone) but not the L at the right edge, a bold 10 px glyph, which
    was released under a NO. A single glyph of the colour and size of a cut marker, along
    an edge, that passes the tests of a word standing alone is cut too; the anatomy is not."""
    bold, plain = "DejaVuSans-Bold.ttf", "DejaVuSans.ttf"
    ds, inks = _marked_ct([("SMITH JOHN 1957-03-02", 12, 12, 14, plain), ("ID 4471902", 30, 12, 14, plain),
                           ("R", 250, 6, 11, bold), ("L", 250, 500, 11, bold)])
    outcome = pixels.clean(ds)
    assert outcome.reason is None and ds.BurnedInAnnotation == "NO"
    cut = np.zeros(pixels.frames_of(ds).shape[1:3], dtype=bool)
    for _, (y0, x0, y1, x1) in outcome.regions:
        cut[y0:y1, x0:x1] = True
    for y, x, ink in inks:
        assert cut[y:y + ink.shape[0], x:x + ink.shape[1]][ink].all()
    assert cut.sum() < 2.5 * sum(int(ink.sum()) for _, _, ink in inks) + 4000  # tight boxes, not the anatomy


def _cut_mask(shape: tuple[int, ...], regions: list, frame: int) -> np.ndarray:
    cut = np.zeros(shape, dtype=bool)
    for index, (y0, x0, y1, x1) in regions:
        if index == frame:
            cut[max(y0, 0):y1, max(x0, 0):x1] = True
    return cut


def test_a_white_line_across_a_white_hot_spot_of_a_colour_map_is_cut_whole():
    """blind8's PET/CT hot-iron fusion (seed 2, image 23): the institution line, white over
    a white-hot spot, was cut where it crossed the CT and released with its middle word
    under a NO: the model on luminance splits the line there.  The model on the local
    contrast view finds the line whole where it continues a cut one."""
    from pixel_blind8 import blind8_case

    item = blind8_case(23, 2)
    shape = pixels.frames_of(item.dataset).shape[1:3]
    outcome = pixels.clean(item.dataset)
    assert outcome.reason is None and item.dataset.BurnedInAnnotation == "NO"
    cut = _cut_mask(shape, outcome.regions, 0)
    assert all(cut[line.box[0]:line.box[2], line.box[1]:line.box[3]][line.ink].all() for line in item.lines)
    ink = sum(int(line.ink.sum()) for line in item.lines)
    assert cut.sum() < 6 * ink  # glyph runs, not the hot spot


def test_a_cine_id_a_few_levels_above_speckle_is_cut_on_every_frame():
    """blind8's 6-frame ultrasound cine (seed 2, image 32): an ID line 18 grey levels above
    the speckle was partly cut on three frames and missed on three, released under a NO.
    On the cine's mean frame the text stays and the speckle averages out: the line found
    there (local contrast view) beside a cut line is cut on every frame that shows it."""
    from pixel_blind8 import blind8_case

    item = blind8_case(32, 2)
    shape = pixels.frames_of(item.dataset).shape[1:3]
    outcome = pixels.clean(item.dataset)
    assert outcome.reason is None and item.dataset.BurnedInAnnotation == "NO"
    for line in item.lines:
        cut = _cut_mask(shape, outcome.regions, line.frame)
        assert cut[line.box[0]:line.box[2], line.box[1]:line.box[3]][line.ink].all(), line.text


def test_a_line_of_a_cine_mean_frame_is_cut_only_on_the_frames_that_show_it():
    """A name burned into one frame of eight is not cut on the other seven; text on every
    frame is cut on every frame."""
    rng = np.random.default_rng(5)
    stack = rng.normal(100, 15, (8, 80, 120)).astype(np.float32)
    text = np.zeros((80, 120), dtype=np.float32)
    text[30:40, 20:100:4] = 60  # a row of strokes
    once = stack.copy()
    once[2] += text
    box = (28, 18, 42, 102)

    def views(frames: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        return ([textdetect.local_view(f).astype(np.float32) - 128 for f in frames],
                textdetect.local_view(frames.mean(axis=0)).astype(np.float32) - 128)

    assert pixels._frames_showing(box, *views(once)) == [2]
    assert pixels._frames_showing(box, *views(stack + text)) == list(range(8))
