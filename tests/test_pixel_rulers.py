"""A scale's ruler (a bar with evenly spaced ticks, drawn in the bands where scanners write)
is not text: the pixel screen does not take it for a run of touching glyphs, so a cleaned
image whose text was all cut is labelled NO instead of quarantined, and a text-free image
with a ruler is not quarantined by the default screen.  Text fused with a line stays text."""
from __future__ import annotations

import numpy as np
import pydicom
from test_deid_pixels import _name_ct

from curator.deid import pixels


def _ruler(frame: np.ndarray, y: int, x: int, length: int, step: int, value: int) -> np.ndarray:
    """A horizontal ruler: a 1 px bar from (y, x), a 4 px tick every ``step`` pixels below
    it and an 8 px one every fifth; its pixels."""
    drawn = np.zeros(frame.shape, dtype=bool)
    drawn[y, x:x + length + 1] = True
    for n, tx in enumerate(range(x, x + length + 1, step)):
        drawn[y + 1:y + (9 if n % 5 == 0 else 5), tx] = True
    frame[drawn] = value
    return drawn


def _with_ruler(ds: pydicom.Dataset, y: int = 440) -> tuple[pydicom.Dataset, np.ndarray]:
    frame = pixels.frames_of(ds)[0].astype(np.int32)
    drawn = _ruler(frame, y, 150, 200, 10, int(frame.max()))
    ds.PixelData = frame.astype(np.int16).tobytes()
    return ds, drawn


def test_a_ruler_alone_is_not_text_to_the_screen():
    ds, _ = _with_ruler(_name_ct(None))
    assert pixels.screen(ds) is None


def test_an_image_whose_name_was_cut_is_released_beside_its_ruler():
    ds, drawn = _with_ruler(_name_ct("KOWALCZYK^ANNA", flag="YES"))
    before = pixels.frames_of(ds)[0].copy()
    name = (before == before.max()) & ~drawn
    name[200:] = False  # the name's ink, in the top-left corner
    outcome = pixels.clean(ds)
    assert outcome.reason is None and outcome.cleaned and ds.BurnedInAnnotation == "NO"
    after = pixels.frames_of(ds)[0]
    assert (after[name] == after.min()).all()  # the name cut
    assert (after[drawn] == before[drawn]).all()  # the ruler kept


def test_a_word_fused_with_its_underline_is_still_text_to_the_screen():
    """Guard: glyphs touching a bar under them are one component like a ruler, but they are
    not solid ticks; the screen still sees the word."""
    from PIL import Image, ImageDraw, ImageFont

    ds = _name_ct(None)
    frame = pixels.frames_of(ds)[0].astype(np.int32)
    canvas = Image.new("L", (frame.shape[1], frame.shape[0]), 0)
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 14)
    draw.text((150, 430), "MARTIN HALL", fill=255, font=font)
    bottom = draw.textbbox((150, 430), "MARTIN HALL", font=font)[3]
    draw.line([(150, bottom), (260, bottom)], fill=255, width=1)
    frame[np.asarray(canvas) > 127] = int(frame.max())
    ds.PixelData = frame.astype(np.int16).tobytes()
    assert pixels.screen(ds) == pixels.SCREEN_REASON
