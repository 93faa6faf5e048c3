"""Checks shared by the tests of the blind image generators tests/pixel_blind6.py ... pixel_blind9.py.

Each generator module has ``blindN_cases(count, seed)``, ``blindN_case(index, seed, text=...)``,
``dicom_bytes(dataset)`` and ``SCENES``; its cases have ``name``, ``dataset`` and ``lines`` (each line a
``text``, a tight ``box`` (y0, x0, y1, x1), a ``frame`` and the boolean ``ink`` inside the box). Every
fifth image (index 4, 9, ...) is a control: the no-text render of its scene. Curator is not run here:
these checks only prove that the ground truth the benchmark scores against is right.
"""
from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import numpy as np
import pydicom

Box = tuple[int, int, int, int]
PIXEL_WORDS = re.compile(r"(Pixel|Bits|HighBit|Photometric|Samples|Planar|Rows|Columns|Rescale|Window|LUT|Frame)")
DEFLATED = "1.2.840.10008.1.2.1.99"


@dataclass(frozen=True)
class Generator:
    """One blind generator module with the count and seed its tests use."""

    module: ModuleType
    name: str  # "blind8": the module's functions are blind8_cases / blind8_case
    count: int
    seed: int

    def cases_of(self, count: int, seed: int) -> list[Any]:
        return list(getattr(self.module, f"{self.name}_cases")(count, seed))

    def case(self, index: int, seed: int | None = None, *, text: bool = True) -> Any:
        return getattr(self.module, f"{self.name}_case")(index, self.seed if seed is None else seed, text=text)

    def bytes_of(self, case: Any) -> bytes:
        return bytes(self.module.dicom_bytes(case.dataset))

    @lru_cache(maxsize=None)  # noqa: B019 - a handful of generators per test session, kept on purpose
    def cases(self) -> list[Any]:
        return self.cases_of(self.count, self.seed)

    @lru_cache(maxsize=None)  # noqa: B019
    def decoded(self, index: int, text: bool) -> tuple[pydicom.Dataset, np.ndarray]:
        """The image as written and read back: (dataset, frames x rows x columns [x samples])."""
        case = self.cases()[index] if text else self.case(index, text=False)
        ds = pydicom.dcmread(io.BytesIO(self.bytes_of(case)))
        arr = ds.pixel_array
        if int(ds.get("NumberOfFrames", 1)) == 1:
            arr = arr[None]
        return ds, arr


def same_seed_same_bytes(gen: Generator, count: int) -> None:
    """Two runs with one seed give the same bytes; another seed gives other images."""
    first = [gen.bytes_of(c) for c in gen.cases_of(count, 11)]
    again = [gen.bytes_of(c) for c in gen.cases_of(count, 11)]
    other = [gen.bytes_of(c) for c in gen.cases_of(count, 12)]
    assert first == again
    assert all(a != b for a, b in zip(first, other, strict=True))


def every_scene_and_every_fifth_a_control(gen: Generator, min_scenes: int) -> None:
    names = [c.name for c in gen.cases()]
    scenes = {n.split("_", 2)[2] for n in names if "control" not in n}
    assert scenes == {name for name, _ in gen.module.SCENES}
    assert len(scenes) >= min_scenes
    for i, case in enumerate(gen.cases()):
        assert ("control" in case.name) == (i % 5 == 4)
        assert bool(case.lines) == (i % 5 != 4), case.name


def controls_hold_no_text(gen: Generator) -> None:
    """A control has no lines and is byte for byte the no-text render of its scene."""
    for i, case in enumerate(gen.cases()):
        if i % 5 == 4:
            assert case.lines == []
            assert gen.bytes_of(case) == gen.bytes_of(gen.case(i, text=False))


def boxes_hold_drawn_ink(gen: Generator, *, tight: bool = True, changed_share: float = 1.0,
                         grown: Callable[[pydicom.Dataset, Box], Box] | None = None) -> int:
    """Every line's box lies in its frame and its ink pixels differ from the no-text render.

    ``tight``: ink touches the four sides of the box. ``changed_share``: the share of ink pixels that must
    differ (below 1 where a colour space rounds some back; 0 asks only that one differs). ``grown``: when
    given, nothing may differ outside the lines' boxes grown by it (the anti-aliasing fringe, a JPEG block).
    Returns the number of JPEG baseline images among those with text."""
    lossy = 0
    for i, case in enumerate(gen.cases()):
        if not case.lines:
            continue
        ds, with_text = gen.decoded(i, True)
        _, without = gen.decoded(i, False)
        assert with_text.shape == without.shape
        frames = int(ds.get("NumberOfFrames", 1))
        lossy += str(ds.file_meta.TransferSyntaxUID) == "1.2.840.10008.1.2.4.50"
        for line in case.lines:
            y0, x0, y1, x1 = line.box
            assert 0 <= y0 < y1 <= ds.Rows and 0 <= x0 < x1 <= ds.Columns, (case.name, line.text)
            assert 0 <= line.frame < frames
            assert line.ink.shape == (y1 - y0, x1 - x0) and line.ink.dtype == bool
            assert line.ink.any()
            if tight:
                assert line.ink[0].any() and line.ink[-1].any() and line.ink[:, 0].any() and line.ink[:, -1].any()
            a = with_text[line.frame, y0:y1, x0:x1][line.ink].astype(np.int64)
            b = without[line.frame, y0:y1, x0:x1][line.ink].astype(np.int64)
            changed = (a != b).any(axis=-1) if a.ndim == 2 else a != b
            assert changed.any() and changed.mean() >= changed_share, (case.name, line.text)
        if grown is None:
            continue
        diff = with_text != without
        if diff.ndim == 4:
            diff = diff.any(axis=-1)
        for line in case.lines:
            y0, x0, y1, x1 = grown(ds, line.box)
            diff[line.frame, max(y0, 0):y1, max(x0, 0):x1] = False
        assert not diff.any(), case.name
    return lossy


def by_two_pixels(ds: pydicom.Dataset, box: Box) -> Box:
    """A box grown by the 2 px of faint anti-aliasing fringe a renderer leaves round its glyphs."""
    y0, x0, y1, x1 = box
    return y0 - 2, x0 - 2, y1 + 2, x1 + 2


def lines_do_not_overlap(gen: Generator) -> None:
    for case in gen.cases():
        for k, a in enumerate(case.lines):
            for b in case.lines[k + 1:]:
                if a.frame == b.frame:
                    assert not (a.box[0] < b.box[2] and b.box[0] < a.box[2] and a.box[1] < b.box[3]
                                and b.box[1] < a.box[3]), (case.name, a.text, b.text)


def tokens_are_words_of_three_or_more(gen: Generator) -> None:
    for case in gen.cases():
        for line in case.lines:
            assert line.tokens() == [w.upper() for w in re.findall(r"\w+", line.text) if len(w) >= 3]


def dciodvfy_pixel_errors(gen: Generator, tmp_path: Path) -> None:
    """dciodvfy finds no error in the pixel description of any image (modality modules are not filled in).

    Deflated files are skipped: dicom3tools cannot inflate them (pydicom reads them back elsewhere)."""
    for case in gen.cases():
        if str(case.dataset.file_meta.TransferSyntaxUID) == DEFLATED:
            continue
        path = tmp_path / f"{case.name}.dcm"
        path.write_bytes(gen.bytes_of(case))
        result = subprocess.run(["dciodvfy", "-new", str(path)], capture_output=True, text=True, errors="replace",
                                check=False)
        errors = [ln for ln in (result.stdout + result.stderr).splitlines()
                  if ln.startswith("Error") and PIXEL_WORDS.search(ln) and "Missing attribute" not in ln]
        assert not errors, (case.name, errors)
