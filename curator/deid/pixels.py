"""Burned-in text: which instances are at risk, and optional OCR-based redaction.

An instance with pixel data is at risk when BurnedInAnnotation (0028,0301) is ``YES``, or
when it is of a kind that often carries burned-in text (modality US, SC, XA, ES, OT or a
Secondary Capture SOP class) and BurnedInAnnotation is not explicitly ``NO``.  At-risk
instances are quarantined by the run unless pixel cleaning is asked for, which runs the
``tesseract`` OCR engine (Debian package ``tesseract-ocr``) on every frame and blacks out
every box it reads text in.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from pydicom.dataset import Dataset

from curator.errors import CuratorError

RISK_MODALITIES = frozenset({"US", "SC", "XA", "ES", "OT"})
SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"
PIXEL_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009)
OCR_MIN_CONFIDENCE = 30
OCR_MARGIN = 2


def burned_in_risk(ds: Dataset) -> str | None:
    """Why ``ds`` may show burned-in text (a reason quoting no header value), or None."""
    if not any(tag in ds for tag in PIXEL_TAGS):
        return None
    flag = str(ds.get("BurnedInAnnotation", "") or "").strip().upper()
    if flag == "YES":
        return "BurnedInAnnotation is YES (burned-in text)"
    if flag == "NO":
        return None
    modality = str(ds.get("Modality", "") or "").strip().upper()
    if modality in RISK_MODALITIES:
        return f"modality {modality} often has burned-in text and BurnedInAnnotation is not NO"
    if str(ds.get("SOPClassUID", "") or "").startswith(SECONDARY_CAPTURE_PREFIX):
        return "secondary capture often has burned-in text and BurnedInAnnotation is not NO"
    return None


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def require_ocr() -> None:
    if not tesseract_available():
        raise CuratorError("--clean-pixels needs the tesseract OCR engine (Debian package tesseract-ocr)")


def _to_8bit(frame):
    import numpy as np

    data = frame.astype("float64")
    if data.ndim == 3:  # colour: luminance
        data = data[..., :3] @ np.array([0.299, 0.587, 0.114])
    low, high = float(data.min()), float(data.max())
    if high <= low:
        return np.zeros(data.shape, dtype="uint8")
    return ((data - low) * (255.0 / (high - low))).astype("uint8")


def _ocr_boxes(image) -> list[tuple[int, int, int, int]]:
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="curator-ocr-") as tmp:
        png = os.path.join(tmp, "frame.png")
        Image.fromarray(image).save(png)
        # Sparse text mode: annotations are scattered labels, not paragraphs.
        result = subprocess.run(
            ["tesseract", png, "stdout", "--psm", "11", "tsv"],
            capture_output=True, text=True, timeout=120, check=False,
        )
    if result.returncode != 0:
        raise RuntimeError("tesseract failed")
    boxes = []
    for line in result.stdout.splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) < 12 or not parts[11].strip():
            continue
        try:
            conf = float(parts[10])
            left, top, width, height = (int(parts[i]) for i in (6, 7, 8, 9))
        except ValueError:
            continue
        if conf >= OCR_MIN_CONFIDENCE and any(c.isalnum() for c in parts[11]):
            boxes.append((left, top, width, height))
    return boxes


def redact_burned_in_text(ds: Dataset) -> int:
    """Black out every region where OCR reads text, in every frame; returns the box count.

    The pixel data is written back uncompressed (Explicit VR Little Endian) and
    BurnedInAnnotation is set to ``NO``.
    """
    import numpy as np
    from pydicom.uid import ExplicitVRLittleEndian

    require_ocr()
    pixels = ds.pixel_array  # decodes compressed syntaxes through pydicom's handlers
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    stack = pixels if frames > 1 else pixels[np.newaxis, ...]
    stack = np.array(stack, copy=True)
    fill = stack.min()
    total = 0
    for index in range(stack.shape[0]):
        frame = stack[index]
        for left, top, width, height in _ocr_boxes(_to_8bit(frame)):
            y0, y1 = max(top - OCR_MARGIN, 0), min(top + height + OCR_MARGIN, frame.shape[0])
            x0, x1 = max(left - OCR_MARGIN, 0), min(left + width + OCR_MARGIN, frame.shape[1])
            frame[y0:y1, x0:x1, ...] = fill
            total += 1
    out = stack if frames > 1 else stack[0]
    if ds.file_meta.TransferSyntaxUID.is_compressed:
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        if samples > 1:
            ds.PlanarConfiguration = 0
        if "PhotometricInterpretation" in ds and str(ds.PhotometricInterpretation).startswith("YBR"):
            ds.PhotometricInterpretation = "RGB"
    ds.PixelData = out.astype(pixels.dtype).tobytes()
    ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"
    ds.BurnedInAnnotation = "NO"
    return total
