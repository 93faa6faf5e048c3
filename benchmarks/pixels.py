"""Burned-in text: detection, redaction and labelling measured against ground truth.

Images come from :mod:`curator.testing.synthetic_text` (fake identifiers of varied fonts, sizes,
contrasts, colours, positions and scripts drawn over pydicom's test images, with their
ink masks).  Each image goes through :func:`curator.deid.pixels.clean` (what
``curator deid --clean-pixels`` runs) and :func:`curator.deid.pixels.screen` (what runs
without it).  Reported:

* box-level recall: planted lines fully redacted (every ink pixel), partly, missed;
  among released images, and the rest quarantined;
* readable tokens left: tesseract (every installed language of eng, deu, rus, ell) reads
  the released frames; planted tokens (3+ letters or digits) it still reads;
* released images labelled BurnedInAnnotation NO while planted text remains;
* anatomy blacked out: share of redacted pixels outside the ground-truth text boxes (ink
  box grown by ``--pad`` pixels);
* files quarantined, files/s of cleaning and of the screen; screen hits on images with
  text and on control images without.

Three image sets: ``own`` (curator.testing.synthetic_text, on which the detector was tuned),
``heldout`` (tests/pixel_heldout.py: plain pydicom + Pillow, other base images, fonts,
scripts, encodings, rotations; shares no code with curator, but it was looked at and tuned
against) and ``blind`` (tests/pixel_blind.py: scanner and workstation overlays in corners
and bands over CT, MR, mammography and radiography, 12/16-bit; shares no code with the
others; measured, never tuned on) and ``blind2`` (tests/pixel_blind2.py: modality screens and
labels (CT/MR corners, XA cine, RGB ultrasound, radiograph and mammography labels, viewer
screenshots), written without looking at the detector or the other generators; every drawn
line counts, identifiers and technical text alike) and ``blind3`` (tests/pixel_blind3.py: TrueType and
bitmap fonts in vendor-like layouts, scanned forms, dose reports, photographs, NM pages, multi-frame,
PALETTE COLOR/JPEG/RLE/JPEG 2000/JPEG-LS; written blind to the detector, its per-image results
never looked at) and ``blind4`` (tests/pixel_blind4.py: low-contrast text over anatomy, text cut by the
edge, shadowed, outlined, italic, condensed, tiny and huge fonts, dot-matrix and seven-segment
characters, vertical and tilted text, inverted boxes; Cyrillic, Greek, Thai, Devanagari and Korean
names; XA/US cine with text on some frames only, PET/CT fusion, viewer and terminal screenshots,
fundus, dental panoramic, whole-slide tiles; controls with rulers, calipers, grids and ECG traces;
written blind to the detector and the other generators) and ``blind5`` (tests/pixel_blind5.py, session 9:
mammography of 2,000+ px with laterality markers, DX/CR with lead markers and text on collimation
borders, CT topograms, dose-report pages, text visible only in the header's second display window,
lossy JPEG ultrasound and film sheets with small text, colour Doppler with coloured text, multi-frame
with the name on one frame, endoscopy with drop shadows, CT with halo text across the body outline,
DXA reports, key images, RT portal images, wide-field fundus; Arabic, Hebrew, Japanese, Chinese,
Vietnamese, Georgian and Armenian names; controls with clips, staples, wires, tubes and stroke
clusters; written blind to the detector and the other generators) and ``blind6`` (tests/pixel_blind6.py,
session 11: CT four-corner vendor overlays, text over bright MR anatomy, faint demographics a few grey
levels above a mid-grey background, 7-9 px vertical IDs along the edge, ultrasound header bars with depth
digits and outlined letters, XA/RF cine with the name on some frames, PET/CT fusion with colour bars,
mammography markers, dental panoramics, OCT report pages, 3D-rendering viewer screenshots, scanned
requisition forms with handwriting-like entries, dose pages, 1 px leading, text in rounded pills; Thai,
Devanagari, Hebrew, Arabic, CJK, Korean, Greek and Cyrillic names; controls with clips, wires, rulers,
grids, trabecular texture, calipers and ECG traces; written blind to the detector and the other
generators) and ``blind7`` (tests/pixel_blind7.py, session blind7: CT/MR/CR/DX/MG/US/XA/RF/SC/NM/PT,
8/10/12/16-bit signed and unsigned, MONOCHROME1/2, RGB and YBR_FULL, five transfer syntaxes, vendor
info blocks, label boxes, tilted and vertical lines, translucent banners, film sheets, worklists, dose
pages, 6-40 px fonts; Latin with diacritics, Cyrillic, Greek, CJK, Hebrew, Arabic; 8 controls of 40
with rulers, calipers, scale bars and colour bars; written blind to the detector and the other
generators) and ``blind8`` (tests/pixel_blind8.py, session blind8: hand-made 5x7 dot-matrix font, text over
anatomy, speckle, ECG grids and gradients, text a few values above its background, CT text at -1000 HU over
air, outlined and shadowed labels, inverse-video cards, 7 px and 60-90 px fonts, italic, condensed and
underlined, lines cut by the border, turned 90 and 180 degrees, lower-case names, one-frame-of-eight and
every-frame cine, mosaics, report and ECG captures; Hangul, Japanese, Chinese, Thai, Devanagari, Arabic,
Hebrew, Cyrillic, Greek; big-endian, RLE, deflated; written blind to the detector and the other
generators) and ``blind9`` (tests/pixel_blind9.py, session blind9: four-corner vendor blocks mixing
identifiers and technique, text at window-chosen values on 12/14/16-bit data, MONOCHROME1 mammograms with
laterality markers beside the name, a DX logo plate and 7 px technologist initials, dark text on bright
pages, text cut by every border, JPEG baseline grey and YBR_FULL_422 cine, JPEG 2000 and JPEG-LS lossless,
MR series and US cine with text on some frames only and moving, a PACS viewer screenshot, a scanned request
form with scribbles, 6-9 px and 40-72 px fonts, text turned 90 degrees; Latin with diacritics, Cyrillic,
Greek, Arabic, Hebrew, CJK, Hangul, Devanagari, Thai; written blind to the detector and the other
generators) and ``blind10`` (tests/pixel_blind10.py, session blind10: GE/Siemens/Philips/Fuji/Agfa-like
corner and label layouts over pydicom's real CT, MR, NM and ultrasound images (mammograms filled with their
resampled texture), MONOCHROME1 text that displays light, halo text and a hand-typed note over anatomy,
translucent bands, grey text in outline boxes, vertical and border-cut 6-8 px text, measurement labels with
arrows, moving text on some frames of MR/XA/US cine, RGB/YBR_FULL/YBR_FULL_422; explicit, implicit and
big-endian, deflated, RLE, JPEG baseline, JPEG 2000 and JPEG-LS lossless; written blind to the detector and
the other generators) and ``short`` (tests/pixel_short.py, session 16: short technique words and
markers (LAT, PA, AP, R, L, SUP, ERECT) with touching or spaced letters, in outline boxes or not, near
edges or in bands, 9-24 px in regular, bold, condensed and narrow fonts, beside a corner identifier
block; written for the check before labelling, so not blind) and ``marks`` (tests/pixel_marks.py,
session 17: lone marker letters L, R, A, P, H, F and tiny two-letter words, 6-22 px of ink, 2-12 px from
an edge or in a corner, boxed or not, light or dark, over CT, MR, CR, DX, ultrasound and a mammography-like
crop; every fourth image a control whose marks are not text (a cross, ruler ticks, a ring, a dot, a bar, an
arrow head); written for the check before labelling, so not blind) and ``marks20`` (tests/pixel_marks20.py,
session 20, run with ``--seed 20``: markers and short words over speckled ultrasound, MR under a bias field, CT
and DX under gradients, in oblique, serif, mono and extra-light fonts, 8-26 px, a third low-contrast grey, a
fifth turned 90 degrees; controls with calipers, rulers, circles, triangles, dashes; written before tuning the
check for shaded fields, then tuned on), reported side by side.

Usage: ``python benchmarks/pixels.py [--count N] [--seed S]
[--sets own,heldout,short,marks,marks20,blind,blind2,blind3,blind4,blind5,blind6,blind7,blind8,blind9,blind10] [--quick] [--no-ocr]``.
"""
from __future__ import annotations

import argparse
import importlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from curator.deid import pixels, textdetect  # noqa: E402
from curator.testing.synthetic_text import cases  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


# The image sets besides ``own``: name -> the module in tests/ whose ``<name>_cases(count, seed)``
# makes them (and whose ``missing_fonts()``, where it has one, names the fonts it lacks).
SETS = {name: f"pixel_{name}" for name in (
    "heldout", "short", "marks", "marks20", "blind", *(f"blind{n}" for n in range(2, 11)))}
FONT_PACKAGES = "fonts-dejavu-core fonts-liberation fonts-noto-core fonts-noto-mono fonts-wqy-microhei"


@dataclass
class Item:
    """One benchmark image: its dataset and its planted lines (frame, box, ink, tokens())."""

    name: str
    dataset: Any
    planted: list


def items_of(which: str, count: int, seed: int) -> list[Item]:
    """``own``: curator.testing.synthetic_text (the tuning set); ``heldout``: tests/pixel_heldout.py
    (plain pydicom + Pillow, shares no code with curator; looked at, so tuned against);
    ``blind``: tests/pixel_blind.py (scanner overlays over CT, MR, MG, DX and CR; measured, never tuned on);
    ``blind2``: tests/pixel_blind2.py (modality screens and labels, written blind to the detector);
    ``blind3``: tests/pixel_blind3.py (vendor layouts, forms, photographs, written blind to the detector);
    ``blind4``: tests/pixel_blind4.py (hard text: low contrast, edges, odd fonts and scripts; written blind);
    ``blind5``: tests/pixel_blind5.py (mammography, collimation borders, display-window-only and lossy text,
    right-to-left and CJK scripts; written blind);
    ``blind6``: tests/pixel_blind6.py (vendor overlays, faint and vertical text, cine, fusion, report pages,
    forms, tight leading, pills; many scripts; written blind);
    ``blind7``: tests/pixel_blind7.py (session blind7: vendor corners, label boxes, cine, film sheets, worklist
    and report screens over 11 modalities; every header flag state; written blind);
    ``blind8``: tests/pixel_blind8.py (session blind8: dot-matrix, faint, outlined, turned, cut and tiny or
    huge text over anatomy and textures, one-frame cine, many scripts; written blind);
    ``blind9``: tests/pixel_blind9.py (session blind9: vendor corners, window-level text, MONOCHROME1
    mammograms, JPEG lossy and lossless syntaxes, moving text on some frames, PACS screenshot, scanned
    form, edges, tiny and huge fonts, many scripts; written blind);
    ``blind10``: tests/pixel_blind10.py (session blind10: vendor corners and labels over pydicom's real images,
    MONOCHROME1, halo and boxed text, bands, moving cine text, eight transfer syntaxes; written blind)."""
    if which == "own":
        return [Item(c.name, c.dataset, c.planted) for c in cases(count, seed)]
    if which not in SETS:
        raise SystemExit(f"error: unknown image set {which!r} ({', '.join(('own', *SETS))})")
    module = importlib.import_module(SETS[which])  # tests/pixel_<set>.py, imported only when asked for
    missing = module.missing_fonts() if hasattr(module, "missing_fonts") else []
    if missing:
        raise SystemExit(f"error: {which} needs fonts that are not installed: {', '.join(missing)} "
                         f"(.ci/run installs them: {FONT_PACKAGES})")
    return [Item(c.name, c.dataset, c.lines) for c in getattr(module, f"{which}_cases")(count, seed)]


def _languages() -> str:
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return ""
    wanted = [lang for lang in ("eng", "deu", "rus", "ell") if lang in out.split()]
    return "+".join(wanted)


def ocr_tokens(frame: np.ndarray, langs: str) -> set[str]:
    """Words tesseract reads in a frame (every window, 2x upscaled, two page modes)."""
    from PIL import Image

    words: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        for n, view in enumerate(textdetect.windows(frame)[:1]):
            image = Image.fromarray(view).resize((view.shape[1] * 2, view.shape[0] * 2), Image.BICUBIC)
            png = Path(tmp) / f"{n}.png"
            image.save(png)
            for psm in ("11", "6"):
                text = subprocess.run(
                    ["tesseract", str(png), "stdout", "--psm", psm, "-l", langs],
                    capture_output=True, text=True, check=False,
                ).stdout
                words.update("".join(c if c.isalnum() else " " for c in text).upper().split())
    return words


def _mask(shape: tuple[int, int], boxes: list[tuple[int, int, int, int]]) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    for y0, x0, y1, x1 in boxes:
        mask[max(y0, 0):y1, max(x0, 0):x1] = True
    return mask


def measure(case: Item, langs: str, pad: int) -> dict:
    ds = case.dataset
    stack_before = pixels.frames_of(ds)
    shape = stack_before.shape[1:3]
    start, cpu = time.perf_counter(), time.process_time()
    outcome = pixels.clean(ds)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    released = outcome.reason is None
    row = {"seconds": seconds, "cpu": cpu, "quarantined": not released, "cleaned": outcome.cleaned,
           "fully": 0, "partly": 0, "missed": 0, "boxes": len(case.planted),
           "redacted": 0, "outside": 0, "tokens": 0, "readable_before": 0, "readable_after": 0,
           "no_with_text": 0, "released_with_text": 0, "code_without_change": 0,
           "screen_left": int(outcome.reason == pixels.LEFT_REASON), "screen_left_all_cut": 0,
           "reason": outcome.reason or ""}  # why quarantined (shown by --verbose)
    frames = sorted({p.frame for p in case.planted} | {f for f, _ in outcome.regions})
    masks = {f: _mask(shape, [b for g, b in outcome.regions if g == f]) for f in frames}
    for planted in case.planted:
        y0, x0, y1, x1 = planted.box
        covered = masks[planted.frame][y0:y1, x0:x1][planted.ink]
        key = "fully" if covered.all() else ("partly" if covered.any() else "missed")
        row[key] += 1
    truth = {f: _mask(shape, [(p.box[0] - pad, p.box[1] - pad, p.box[2] + pad, p.box[3] + pad) for p in case.planted if p.frame == f]) for f in frames}
    for f in frames:
        row["redacted"] += int(masks[f].sum())
        row["outside"] += int((masks[f] & ~truth[f]).sum())
    row["screen_left_all_cut"] = int(bool(row["screen_left"]) and row["fully"] == row["boxes"])
    if released and row["fully"] < row["boxes"]:
        row["released_with_text"] = 1
        if str(ds.get("BurnedInAnnotation", "")) == "NO":
            row["no_with_text"] = 1
    codes = {str(item.CodeValue) for item in ds.get("DeidentificationMethodCodeSequence", [])}
    if "113101" in codes and not outcome.regions:
        row["code_without_change"] = 1
    if langs:
        after = pixels.frames_of(ds) if released else None
        for f in sorted({p.frame for p in case.planted}):
            tokens = [t for p in case.planted if p.frame == f for t in p.tokens()]
            row["tokens"] += len(tokens)
            before_words = ocr_tokens(stack_before[f], langs)
            row["readable_before"] += sum(t in before_words for t in tokens)
            if after is not None:
                after_words = ocr_tokens(after[f], langs)
                row["readable_after"] += sum(t in after_words for t in tokens)
    return row


def screen_rate(items: list[Item]) -> tuple[int, int, int, int, float, float]:
    """(text images flagged, text images, controls flagged, controls, files/s) of the screen."""
    import pydicom

    blobs = []
    for case in items:
        buffer = io.BytesIO()
        pydicom.dcmwrite(buffer, case.dataset, enforce_file_format=True)
        blobs.append((bool(case.planted), buffer.getvalue()))
    start, cpu = time.perf_counter(), time.process_time()
    flags = [(has_text, pixels.screen_bytes(data) is not None) for has_text, data in blobs]
    rate = len(blobs) / max(time.perf_counter() - start, 1e-9)
    cpu_rate = len(blobs) / max(time.process_time() - cpu, 1e-9)
    hits = sum(1 for t, f in flags if t and f)
    texts = sum(1 for t, _ in flags if t)
    false = sum(1 for t, f in flags if not t and f)
    return hits, texts, false, len(flags) - texts, rate, cpu_rate


def run_set(items: list[Item], langs: str, pad: int, verbose: bool) -> dict[str, str]:
    """The table column of one image set."""
    screen = screen_rate(items)
    rows = []
    for case in items:
        row = measure(case, langs, pad)
        row["control_changed"] = int(not case.planted and bool(row["redacted"]))
        row["control_quarantined"] = int(not case.planted and row["quarantined"])
        rows.append(row)
        if verbose:
            print(case.name, {k: v for k, v in row.items() if v}, flush=True)
    total = {k: sum(r[k] for r in rows) for k in rows[0] if k != "reason"}
    released = [r for r in rows if not r["quarantined"]]
    boxes_released = sum(r["boxes"] for r in released)
    fully_released = sum(r["fully"] for r in released)
    count, controls = len(items), sum(1 for c in items if not c.planted)
    hits, texts, false, _, rate, cpu_rate = screen
    column = {
        "images (controls without text) / planted lines": f"{count} ({controls}) / {total['boxes']}",
        "lines fully / partly / missed (all images)": f"{total['fully']} / {total['partly']} / {total['missed']} "
        f"({100 * total['fully'] / max(total['boxes'], 1):.1f}% fully)",
        "lines fully redacted in released images + lines in quarantined images":
            f"{fully_released} + {total['boxes'] - boxes_released} of {total['boxes']} "
            f"({100 * (fully_released + total['boxes'] - boxes_released) / max(total['boxes'], 1):.1f}%)",
        "images quarantined": str(total["quarantined"]),
        "... by the screen of the cleaned frames (step 7) / of them with every planted line cut":
            f"{total['screen_left']} / {total['screen_left_all_cut']}",
        "released images with planted text not fully redacted": str(total["released_with_text"]),
        "released images labelled NO while planted text remains": str(total["no_with_text"]),
        "113101 without a changed pixel": str(total["code_without_change"]),
        f"redacted pixels outside text boxes (pad {pad}px)":
            f"{100 * total['outside'] / max(total['redacted'], 1):.2f}% of {total['redacted']}",
        "... in released images only (quarantined ones are not released)":
            f"{100 * sum(r['outside'] for r in released) / max(sum(r['redacted'] for r in released), 1):.2f}%",
        "text-free images with pixels blacked out": f"{total['control_changed']}/{controls}",
        "text-free images quarantined (a human review)": f"{total['control_quarantined']}/{controls}",
        "screen: images with text flagged / text-free flagged": f"{hits}/{texts} / {false}/{controls}",
        "cleaning speed (1 process)": f"{count / total['cpu']:.2f} files/s CPU; {count / total['seconds']:.2f} wall",
        "screen speed (decode + screen, 1 process)": f"{cpu_rate:.1f} files/s CPU; {rate:.1f} wall",
    }
    if langs:
        column[f"planted tokens tesseract reads ({langs}) before / after"] = (
            f"{total['readable_before']} / {total['readable_after']} of {total['tokens']}")
    return column


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40, help="images per set")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--sets", default="own,heldout",
                        help="comma-separated: own (tuning set), heldout (independent, looked at), "
                        "short (session 16: short technique words, touching or boxed; written for the check before labelling), "
                        "marks (session 17: lone marker letters and tiny two-letter words at edges and corners, and "
                        "controls with crosses, ticks, rings, dots; written for the check before labelling), "
                        "marks20 (session 20: markers over speckle, shaded MR, gradients; --seed 20), "
                        "blind, blind2, blind3, blind4, blind5, blind6, blind7, blind8, blind9, blind10 (never tuned on)")
    parser.add_argument("--pad", type=int, default=3, help="ground-truth box growth (pixels) for the outside share")
    parser.add_argument("--quick", action="store_true", help="12 images per set")
    parser.add_argument("--no-ocr", action="store_true", help="skip the tesseract readability check")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    count = 12 if args.quick else args.count
    langs = "" if args.no_ocr or shutil.which("tesseract") is None else _languages()
    names = [n.strip() for n in args.sets.split(",") if n.strip()]
    columns = {name: run_set(items_of(name, count, args.seed), langs, args.pad, args.verbose) for name in names}
    print(f"seed {args.seed}, {count} images per set; load {os.getloadavg()[0]:.1f}")
    print("| measure | " + " | ".join(names) + " |\n| --- |" + " --- |" * len(names))
    for key in columns[names[0]]:
        print(f"| {key} | " + " | ".join(columns[n].get(key, "") for n in names) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
