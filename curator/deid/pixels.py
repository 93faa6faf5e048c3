"""Burned-in text: header risk, a fast pixel screen, and verified pixel cleaning.

Header flags cannot be trusted, so the pixels are looked at:

* :func:`burned_in_risk` — the header says the instance may show text (BurnedInAnnotation
  ``YES``, or modality US, SC, XA, ES, OT or a Secondary Capture SOP class without an
  explicit ``NO``);
* :func:`screen` — a fast look at the pixels (every frame, halved when large) for text-like regions (:mod:`curator.deid.textdetect`, no model) in the bands
  along the image's edges where scanners write; without pixel cleaning a positive screen
  quarantines the instance, and the audit counts them;
* :func:`clean` — with ``--clean-pixels``: every frame of every image, whatever its
  header says: text regions found by the detector are blacked out (tight boxes), the
  frame is searched again, and only when pixels changed and nothing text-like remains is
  the instance labelled BurnedInAnnotation ``NO`` with the Clean Pixel Data code (113101).
  Otherwise it is quarantined with a reason (fail closed); so is a cleaned image in which
  the pixel screen still finds text (:data:`LEFT_REASON`).

Images over :data:`MAX_DECODED_BYTES` decoded are read one frame at a time (pydicom's
``iter_pixels``), so memory holds one frame; pixels that cannot be decoded are never
released unscreened (:data:`NOT_SCREENED`).  Time is bounded too: an instance holding more
pixels (rows x columns x frames) than :func:`pixel_limit` (``CURATOR_MAX_PIXELS``) is neither
screened nor cleaned, it is quarantined with that reason (fail closed).
"""
from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from curator.common import runenv
from curator.deid import textdetect
from curator.deid.profile import method_code_item
from curator.dicom.elements import RawSource
from curator.dicom.frame_header import frame_count_problem, miscounted_frames, oversized_frame
from curator.errors import CuratorError

RISK_MODALITIES = frozenset({"US", "SC", "XA", "ES", "OT"})
SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"
PIXEL_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009)
CLEAN_PIXEL_CODE = {"code": "113101", "meaning": "Clean Pixel Data Option"}
ROUNDS = 3  # detect-redact rounds before the final check
RESIDUE_ROUNDS = 3  # rounds of the check beside cut lines (each may cut what the one before left)
SCREEN_REASON = "text-like regions in the pixels (pixel screen)"
NOT_SCREENED = "pixel data cannot be screened for burned-in text"
NOT_CLEANED = "pixel data cannot be decoded for cleaning"
LEFT_REASON = "text-like regions remain after pixel cleaning (pixel screen)"


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


@dataclass
class Outcome:
    """What :func:`clean` did to one instance."""

    boxes: int = 0  # text lines blacked out, all frames
    cleaned: bool = False  # pixels changed, and nothing text-like remains
    reason: str | None = None  # why the instance must be quarantined instead
    regions: list[tuple[int, textdetect.Box]] = field(default_factory=list)  # (frame, box) blacked out (glyph runs)


# Compressed pixel data can decode to far more than its file (RLE: 64 times, JPEG-LS or
# JPEG 2000 of a flat image: thousands): found by the red team, a 16 MB RLE file decoded to
# 1 GiB (1.4 GB resident for one worker).  Larger declared images are decoded one frame at
# a time (:func:`iter_frames`); a single frame larger than this is not decoded at all.
MAX_DECODED_BYTES = 1 << 30


class PixelsTooLarge(ValueError):
    """The image would decode to more than :data:`MAX_DECODED_BYTES`."""


# Time: the screen and the cleaning look at every pixel of every frame (cleaning: about 3
# million pixels a second of one core, the screen 7 to 140 million), so an instance of a
# few kilobytes of JPEG-LS declaring 100 frames of 4096 x 4096 kept a worker busy for more
# than ten minutes.  Above this many pixels (rows x columns x frames, samples not counted) an
# instance is quarantined unscreened and uncleaned; measured figures in docs/deid.md.
PIXEL_LIMIT_ENV = "CURATOR_MAX_PIXELS"
MAX_PIXELS = 1 << 30


class PixelsOverLimit(ValueError):
    """The instance holds more pixels than :func:`pixel_limit`: not looked at (quarantined)."""


def pixel_limit() -> int:
    """Pixels (rows x columns x frames) one instance may hold to be screened or cleaned:
    ``$CURATOR_MAX_PIXELS`` (a whole number of at least 1), else :data:`MAX_PIXELS`.  On a
    cluster the run's value travels with each task (:mod:`curator.common.runenv`)."""
    text = (runenv.get(PIXEL_LIMIT_ENV) or "").strip()
    if not text:
        return MAX_PIXELS
    try:
        value = float(text.replace("_", "")) if text.isascii() else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 1 or not value.is_integer():
        raise CuratorError(f"{PIXEL_LIMIT_ENV} must be a whole number of pixels (at least 1)")
    return int(value)


def pixel_count(ds: Dataset, get: Callable[[str, Any], Any] | None = None) -> int:
    """Rows x Columns x Number of Frames of ``ds`` (read by ``get``, ``ds.get`` by default)."""
    get = ds.get if get is None else get
    return int(get("Rows", 0) or 0) * int(get("Columns", 0) or 0) * max(int(get("NumberOfFrames", 1) or 1), 1)


def check_pixel_limit(count: int) -> None:
    """:class:`PixelsOverLimit` when ``count`` pixels are more than :func:`pixel_limit`."""
    limit = pixel_limit()
    if count > limit:
        raise PixelsOverLimit(f"{count:,} pixels (rows x columns x frames), more than the {limit:,} "
                              f"one instance may hold to be looked at, ${PIXEL_LIMIT_ENV}")


def decoded_bytes(ds: Dataset, get: Callable[[str, Any], Any] | None = None) -> int:
    """The bytes the decoded pixels of ``ds`` take, from its image attributes (read by
    ``get``, ``ds.get`` by default)."""
    get = ds.get if get is None else get
    rows, cols = int(get("Rows", 0) or 0), int(get("Columns", 0) or 0)
    samples, frames = int(get("SamplesPerPixel", 1) or 1), int(get("NumberOfFrames", 1) or 1)
    return rows * cols * samples * frames * ((int(get("BitsAllocated", 8) or 8) + 7) // 8)


def frames_of(ds: Dataset) -> NDArray:
    """The decoded pixels as frames x rows x cols [x samples] (pydicom's handlers);
    :class:`PixelsTooLarge` rather than decode more than :data:`MAX_DECODED_BYTES`."""
    if decoded_bytes(ds) > MAX_DECODED_BYTES:
        raise PixelsTooLarge(f"pixel data would decode to {decoded_bytes(ds):,} bytes")
    _check_frame_headers(ds)
    pixels = ds.pixel_array
    if int(ds.get("NumberOfFrames", 1) or 1) == 1:
        pixels = pixels[np.newaxis, ...]
    return pixels


def frame_count(ds: Dataset) -> int:
    """Number of Frames (1 when absent)."""
    return max(int(ds.get("NumberOfFrames", 1) or 1), 1)


def iter_frames(ds: Dataset, indices: list[int] | None = None) -> Iterator[tuple[int, NDArray]]:
    """``(index, frame)`` of the frames of ``ds`` (all, or ``indices``), decoded one at a
    time by pydicom's ``iter_pixels`` (encapsulated frames found one by one): memory holds
    one decoded frame; :class:`PixelsTooLarge` when one frame is over :data:`MAX_DECODED_BYTES`."""
    from pydicom.pixels import iter_pixels

    one = decoded_bytes(ds) // frame_count(ds)
    if one > MAX_DECODED_BYTES:
        raise PixelsTooLarge(f"one frame would decode to {one:,} bytes")
    _check_frame_headers(ds)
    if indices is None:  # lazily: a header may promise two billion frames over 128 bytes of pixels
        yield from zip(range(frame_count(ds)), iter_pixels(ds))
        return
    wanted = sorted(set(indices))
    yield from zip(wanted, iter_pixels(ds, indices=wanted))


def _screened_frames(ds: Dataset) -> Iterator[tuple[int, NDArray]]:
    """Every frame, as :func:`screen` looks at them: from the whole decoded image when it
    fits in :data:`MAX_DECODED_BYTES`, else decoded one at a time; :class:`PixelsOverLimit`
    (before any decoding) when it holds more pixels than :func:`pixel_limit`."""
    _check_frame_headers(ds)
    check_pixel_limit(pixel_count(ds))
    if decoded_bytes(ds) <= MAX_DECODED_BYTES:
        stack = native_frames(ds)
        yield from enumerate(stack if stack is not None else frames_of(ds))
        return
    yield from iter_frames(ds)


class FrameLargerThanHeader(ValueError):
    """A compressed frame declares more pixels than Rows x Columns, or the pixel data holds
    more frames than Number of Frames: never decoded (quarantined unscreened)."""


def _check_frame_headers(ds: Dataset) -> None:
    problem = frame_count_problem(ds) or oversized_frame(ds) or miscounted_frames(ds)
    if problem is not None:
        raise FrameLargerThanHeader(problem)


def not_screened(exc: Exception, ds: Dataset | None = None) -> str:
    """The quarantine reason of pixels that cannot be screened (no value quoted)."""
    return f"{NOT_SCREENED} ({decode_failure(exc, ds)})"


def _decoder_available(syntax: Any) -> bool:
    from pydicom.pixels import get_decoder

    try:
        return bool(get_decoder(syntax).is_available)
    except Exception:  # noqa: BLE001 - no decoder implemented for it at all
        return False


def decode_failure(exc: Exception, ds: Dataset | None = None) -> str:
    """Why the pixel data of ``ds`` could not be decoded, in plain words (what is wrong with
    the file, never a value): the exception's type only when nothing better is known."""
    if isinstance(exc, (FrameLargerThanHeader, PixelsOverLimit)):
        return str(exc)
    if isinstance(exc, PixelsTooLarge):
        return f"{exc}, over the limit of {MAX_DECODED_BYTES:,}"
    problem = frame_count_problem(ds) if ds is not None else None
    if problem is not None:
        return problem
    if isinstance(exc, NotImplementedError):
        return "no decoder for its transfer syntax"
    if isinstance(exc, MemoryError):
        return "too large to decode here"
    meta = getattr(ds, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    if syntax is not None and syntax.is_transfer_syntax and syntax.is_encapsulated:
        return "no decoder for its transfer syntax" if not _decoder_available(syntax) else (
            f"its {syntax.name} stream is corrupt, cut short or of a form no installed decoder reads")
    if syntax is not None and syntax.is_transfer_syntax:
        return "its uncompressed data do not match Rows, Columns, Bits Allocated and Samples per Pixel"
    return f"no frame can be decoded here: {type(exc).__name__}"


NATIVE_SYNTAXES = frozenset({"1.2.840.10008.1.2", "1.2.840.10008.1.2.1"})  # Implicit / Explicit VR Little Endian


def native_frames(ds: Dataset, raw: memoryview | None = None) -> NDArray | None:
    """The frames of uncompressed little-endian grey pixel data (8 or 16 bits allocated) as
    pydicom decodes them (the same values and dtype: unused high bits cleared, or the sign
    extended), read as a view of the element's bytes without pydicom's decoder; None for
    any other pixel data, or odd attributes (then :func:`frames_of`).  ``raw``: the Pixel
    Data value when ``ds`` (a header of raw elements) does not hold it; its attributes are
    then read by :func:`_raw_getter`."""
    try:
        return _native(ds, raw, None if raw is None else _raw_getter(ds))
    except Exception:  # noqa: BLE001 - odd attribute values: pydicom's decoder decides
        return None


def _native(ds: Dataset, value: memoryview | None = None, get: Callable[[str, Any], Any] | None = None) -> NDArray | None:
    get = ds.get if get is None else get
    if decoded_bytes(ds, get) > MAX_DECODED_BYTES:
        return None  # frames_of refuses it, as for any other syntax
    meta = getattr(ds, "file_meta", None)
    syntax = _syntax(meta) if meta is not None else ""
    if syntax not in NATIVE_SYNTAXES or str(get("PhotometricInterpretation", "")) not in ("MONOCHROME1", "MONOCHROME2"):
        return None
    allocated, stored = int(get("BitsAllocated", 0) or 0), int(get("BitsStored", 0) or 0)
    rows, cols = int(get("Rows", 0) or 0), int(get("Columns", 0) or 0)
    frames = int(get("NumberOfFrames", 1) or 1)
    signed = get("PixelRepresentation", None)
    if (allocated not in (8, 16) or not 0 < stored <= allocated or signed not in (0, 1) or int(get("SamplesPerPixel", 1) or 1) != 1
            or min(rows, cols, frames) < 1):
        return None
    raw = ds.PixelData if value is None else value
    count = rows * cols * frames
    if not isinstance(raw, (bytes, memoryview)) or not count * allocated // 8 <= len(raw) < (count + rows * cols) * allocated // 8:
        return None  # short, or holding more whole frames than Number of Frames: frames_of refuses it
    dtype = np.dtype(f"<{'i' if signed else 'u'}{allocated // 8}")
    stack = np.frombuffer(raw, dtype=dtype, count=count).reshape(frames, rows, cols)
    if stored == allocated or _within(stack, stored, bool(signed)):
        return stack  # no unused high bit set: clearing them (or extending the sign) changes nothing
    if not signed:  # as pydicom: the unused high bits never count
        return stack & np.array((1 << stored) - 1, dtype=dtype)
    shift = allocated - stored  # ... and the sign bit is extended
    return np.right_shift(np.left_shift(stack, shift), shift)


def _within(stack: NDArray, stored: int, signed: bool) -> bool:
    """Every value of ``stack`` is one that ``stored`` bits hold (unsigned, or two's complement)."""
    if signed:
        return -(1 << (stored - 1)) <= int(stack.min()) and int(stack.max()) < 1 << (stored - 1)
    return int(stack.max()) < 1 << stored


_SIMPLE_SYNTAXES = {uid.encode() + pad: uid for uid in NATIVE_SYNTAXES for pad in (b"", b"\0")}
_US_TAGS = {"Rows": 0x00280010, "Columns": 0x00280011, "SamplesPerPixel": 0x00280002, "BitsAllocated": 0x00280100,
            "BitsStored": 0x00280101, "PixelRepresentation": 0x00280103}
_PHOTOMETRIC = {name.encode() + pad: name for name in ("MONOCHROME1", "MONOCHROME2") for pad in (b"", b" ")}
_UNSURE = object()


def _syntax(meta: Dataset) -> str:
    """The Transfer Syntax UID of ``meta`` as text; a raw native one read from its bytes."""
    raw = meta.get_item(0x00020010)
    if isinstance(raw, RawDataElement) and isinstance(raw.value, bytes) and raw.value in _SIMPLE_SYNTAXES:
        return _SIMPLE_SYNTAXES[raw.value]
    return str(meta.get("TransferSyntaxUID", ""))


def _raw_getter(ds: Dataset) -> Callable[[str, Any], Any]:
    """``ds.get`` for the image attributes of a header of raw little-endian elements, which
    reads the common encodings straight from their bytes: US of one value (Rows, Bits
    Allocated, ...), PhotometricInterpretation MONOCHROME1/2, NumberOfFrames of digits
    only; pydicom converts everything else (the values are the same: these are the
    encodings whose conversion is plain)."""

    def get(keyword: str, default: Any = None) -> Any:
        value = _simple(keyword, ds)
        return ds.get(keyword, default) if value is _UNSURE else default if value is None else value

    return get


def _simple(keyword: str, ds: Dataset) -> Any:
    """The value of ``keyword`` read from its raw bytes, None when absent, or :data:`_UNSURE`."""
    tag = _US_TAGS.get(keyword) or {"PhotometricInterpretation": 0x00280004, "NumberOfFrames": 0x00280008}.get(keyword)
    if tag is None:
        return _UNSURE
    raw = ds.get_item(tag)
    if raw is None:
        return None
    if not isinstance(raw, RawDataElement) or not raw.is_little_endian or not isinstance(raw.value, bytes):
        return _UNSURE
    if keyword in _US_TAGS:
        return int.from_bytes(raw.value, "little") if raw.VR in ("US", None) and len(raw.value) == 2 else _UNSURE
    if keyword == "PhotometricInterpretation":
        return _PHOTOMETRIC.get(raw.value, _UNSURE) if raw.VR in ("CS", None) else _UNSURE
    digits = raw.value.strip(b" ")
    return int(digits) if raw.VR in ("IS", None) and digits.isdigit() and len(digits) <= 12 else _UNSURE


def skipped(ds: Dataset) -> bool:
    """No pixels to look at, or masks (1-bit segmentations) that hold no text."""
    return "PixelData" not in ds or int(ds.get("BitsAllocated", 8) or 8) == 1


def screen(ds: Dataset) -> str | None:
    """A reason when a quick look at the pixels finds text-like regions, else None.

    Looks at every frame (a name burned into one frame of a cine is found: a sample of
    frames would release the others unscreened), halved when larger than the detector's
    ``max_side``; pixel data that cannot be decoded gives a :data:`NOT_SCREENED` reason
    (fail closed: quarantined, never released unscreened)."""
    if skipped(ds):
        return None
    try:
        return _screen_frames(_screened_frames(ds))
    except Exception as exc:  # noqa: BLE001 - no decoder, a broken frame, too large: fail closed
        return not_screened(exc, ds)


def _lone_marks_left(stack: NDArray) -> bool:
    """Whether a frame of an image the cleaning cut nothing from shows a single glyph standing
    alone along an edge (:func:`textdetect.lone_marks`: an L/R marker; a line needs two glyphs,
    so neither detector sees it).  The rest of the check before labelling is not run there: on
    an uncut image the stroke detector's false alarms on anatomy would quarantine text-free
    images."""
    limit = textdetect.settings().max_side
    for frame in stack:
        while max(frame.shape[:2]) > limit:
            frame = frame[::2, ::2]
        if any(textdetect.in_band(box, frame.shape) for box in textdetect.lone_marks(frame)):
            return True
    return False


def _screen_frames(frames: Iterator[tuple[int, NDArray]], words: bool = False) -> str | None:
    """:data:`SCREEN_REASON` when one of ``frames`` shows text-like regions in its bands
    (``words``: words of two glyphs count, :func:`textdetect.detect`; the check before labelling)."""
    limit = textdetect.settings().max_side
    for _, frame in frames:
        while max(frame.shape[:2]) > limit:
            frame = frame[::2, ::2]
        if not words:  # the screen: text-like regions in the bands
            if textdetect.band_text(frame):
                return SCREEN_REASON
            continue
        boxes = textdetect.detect(frame, words=words)
        if words:  # and a single glyph standing alone along an edge (an L/R marker no cut word vouches for)
            boxes.extend(textdetect.lone_marks(frame))
        if any(textdetect.in_band(box, frame.shape) for box in boxes):
            return SCREEN_REASON
    return None


def screen_bytes(data: bytes, header: tuple[Dataset, int, RawSource] | None = None) -> str | None:
    """:func:`screen` of a Part 10 file's bytes (None when it cannot be read).

    Uncompressed grey pixel data that ends the file is screened from a view of ``data``
    under the header of :func:`curator.dicom.fastheader.read_fast` (:func:`_native_view`),
    without pydicom reading the file again; anything else as pydicom reads it.  ``header``:
    ``read_fast(data)``, when the caller has it already (not parsed again)."""
    stack = _native_view(data, header)
    if stack is not None:
        try:
            check_pixel_limit(stack.shape[0] * stack.shape[1] * stack.shape[2])
            return _screen_frames(enumerate(stack))
        except Exception as exc:  # noqa: BLE001 - as screen: fail closed
            return not_screened(exc)
    import pydicom

    try:
        ds = pydicom.dcmread(io.BytesIO(data), force=True)
    except Exception:  # noqa: BLE001 - the header pass reports unreadable files
        return None
    syntax_from_encoding(ds)
    return screen(ds)


def _native_view(data: bytes, header: tuple[Dataset, int, RawSource] | None = None) -> NDArray | None:
    """The frames :func:`native_frames` gives for the dataset pydicom reads from ``data``,
    as a view of ``data``, when that is certain without pydicom: a Part 10 file in Implicit
    or Explicit VR Little Endian (``read_fast`` reads the same elements as pydicom's reader
    there: its tests compare them) whose first element is encoded as its transfer syntax
    says (pydicom would switch encodings otherwise), whose file meta is group 2 only, and
    whose Pixel Data has a defined length and is followed only by elements tagged after it
    (nothing after it could change an attribute).  None otherwise: then pydicom reads it.
    ``header``: ``read_fast(data)``, already read by the caller."""
    from curator.dicom.elements import element_header, is_vr_bytes
    from curator.dicom.fastheader import read_fast

    try:
        ds, offset, source = read_fast(data) if header is None else header
        if _syntax(ds.file_meta) not in NATIVE_SYNTAXES or any(tag >> 16 != 2 for tag in ds.file_meta.keys()):
            return None
        if is_vr_bytes(data[source.start + 4:source.start + 6]) == source.implicit:
            return None
        tag, _, length, size = element_header(data, offset, source.implicit)
        end = offset + size + length
        if tag != 0x7FE00010 or length == UNDEFINED_LENGTH or not _only_trailing(data, end, source.implicit):
            return None
    except Exception:  # noqa: BLE001 - not the simple case: pydicom reads it
        return None
    return native_frames(ds, memoryview(data)[offset + size:end])


UNDEFINED_LENGTH = 0xFFFFFFFF


def _only_trailing(data: bytes, pos: int, implicit: bool) -> bool:
    """The elements from ``pos`` to the end of ``data`` are whole elements of defined length
    tagged after Pixel Data (padding, signatures): none can be an image attribute."""
    from curator.dicom.elements import element_header

    while pos < len(data):
        tag, _, length, size = element_header(data, pos, implicit)
        if tag <= 0x7FE00010 or length == UNDEFINED_LENGTH:
            return False
        pos += size + length
    return pos == len(data)


def syntax_from_encoding(ds: Dataset) -> None:
    """A file without file meta (a raw dataset) gets the transfer syntax pydicom read it
    with, so that its pixels can be decoded (and screened) as the writer will store them."""
    from pydicom.uid import UID, ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

    syntaxes: dict[tuple[bool | None, bool | None], UID] = {
        (True, True): ImplicitVRLittleEndian, (False, True): ExplicitVRLittleEndian, (False, False): ExplicitVRBigEndian}
    syntax = syntaxes.get(ds.original_encoding)
    if "TransferSyntaxUID" not in ds.file_meta and syntax is not None:
        ds.file_meta.TransferSyntaxUID = syntax


def clean(ds: Dataset) -> Outcome:
    """Black out the text regions of every frame, check again, and label the instance."""
    if skipped(ds):
        return Outcome()
    problem = frame_count_problem(ds)
    if problem is not None:
        return Outcome(reason=f"{NOT_CLEANED} ({problem})")
    try:
        check_pixel_limit(pixel_count(ds))
    except PixelsOverLimit as exc:  # fail closed: never released uncleaned, never labelled NO
        return Outcome(reason=f"{NOT_CLEANED} ({exc})")
    if decoded_bytes(ds) > MAX_DECODED_BYTES:
        return _check_large(ds)
    try:
        stack = np.array(frames_of(ds), copy=True)
    except Exception as exc:  # noqa: BLE001 - no decoder: fail closed
        return Outcome(reason=f"{NOT_CLEANED} ({decode_failure(exc, ds)})")
    fill = stack.max() if str(ds.get("PhotometricInterpretation", "")) == "MONOCHROME1" else stack.min()
    static = _static_lines(stack)
    regions: list[tuple[int, textdetect.Box]] = []
    lines = 0
    for index in range(stack.shape[0]):
        boxes, found, left = _clean_frame(stack[index], fill)
        regions.extend((index, box) for box in boxes)
        lines += found
        if left:
            return Outcome(boxes=lines, reason=f"{left} (frame {index + 1})", regions=regions)
    if not regions:  # nothing cut: still never released under NO with a marker glyph that neither detector sees
        return Outcome(reason=LEFT_REASON) if _lone_marks_left(stack) else Outcome()
    lines += _cut_static(stack, static, regions, fill)
    if _screen_frames(enumerate(stack), words=True):  # never labelled NO while the stroke detector still sees text (or a short word)
        return Outcome(boxes=lines, reason=LEFT_REASON, regions=regions)
    _store(ds, stack)
    ds.BurnedInAnnotation = "NO"
    _add_code(ds, CLEAN_PIXEL_CODE)
    return Outcome(boxes=lines, cleaned=True, regions=regions)


def _static_lines(stack: NDArray) -> list[tuple[textdetect.Line, list[int]]]:
    """The lines of a cine's mean frame (burned-in text stays where it is while the image
    moves, so its own noise averages out), found by :func:`textdetect.local_lines` on
    that frame's local contrast view, with the frames that show each (see
    :func:`_frames_showing`); found before redaction, and kept only beside what the frames'
    own search cut (:func:`_cut_static`).  None for a single frame."""
    if stack.shape[0] < 2:
        return []
    mean = stack.mean(axis=0, dtype=np.float32)
    found = textdetect.local_lines(mean)  # gated by the frames' cut lines later
    if not found:
        return []
    views = [textdetect.local_view(frame).astype(np.float32) - 128 for frame in stack]
    reference = textdetect.local_view(mean).astype(np.float32) - 128
    return [(line, _frames_showing(line[0], views, reference)) for line in found]


def _frames_showing(box: textdetect.Box, views: list[NDArray], reference: NDArray) -> list[int]:
    """The frames whose local contrast view matches the mean frame's in ``box`` at least
    :attr:`~curator.deid.textdetect.Settings.static_share` as well as the best frame does
    (text on every frame: all of them; a name on one frame of a cine: that one)."""
    y0, x0, y1, x1 = (max(v, 0) for v in box)
    ref = reference[y0:y1, x0:x1]
    crops = [view[y0:y1, x0:x1] for view in views]
    # each frame is a share of the mean: its own noise matches it by about its energy / frames
    scores = [float((crop * ref).mean() - (crop * crop).mean() / len(views)) for crop in crops]
    best = max(scores)
    share = textdetect.settings().static_share
    return [index for index, score in enumerate(scores) if best > 0 and score >= share * best]


def _cut_static(stack: NDArray, static: list[tuple[textdetect.Line, list[int]]], regions: list[tuple[int, textdetect.Box]],
                fill: object) -> int:
    """The lines of the cine's mean frame (:func:`_static_lines`) that continue a line cut on
    some frame are cut on every frame that shows them; the number of lines cut."""
    cut = [box for _, box in regions]
    settings = textdetect.settings()
    count = 0
    for (box, _), frames in static:
        if not any(textdetect.same_line(box, other, settings) for other in cut):
            continue
        count += 1
        for index in frames:  # the line whole: in one frame its glyphs are fused with the noise
            _cut(stack[index], [box], fill)
            regions.append((index, box))
    return count


def _check_large(ds: Dataset) -> Outcome:
    """:func:`clean` of an image too large to hold decoded: every frame is decoded alone
    and searched; none with text: released unchanged; text found: quarantined, as the
    cleaned image (written uncompressed) could not be held either."""
    try:
        for index, frame in iter_frames(ds):
            if textdetect.detect_lines(frame):
                return Outcome(reason=f"text-like regions in an image too large to clean ({decoded_bytes(ds):,} bytes decoded, "
                                      f"over the limit of {MAX_DECODED_BYTES:,}; frame {index + 1})")
    except Exception as exc:  # noqa: BLE001 - no decoder, a broken frame, one frame too large: fail closed
        return Outcome(reason=f"{NOT_CLEANED} ({decode_failure(exc, ds)})")
    return Outcome()


def _clean_frame(frame: NDArray, fill: object) -> tuple[list[textdetect.Box], int, str | None]:
    """Redact ``frame`` in place; returns (boxes blacked out, text lines found, why text
    may remain, or None)."""
    original = np.array(frame, copy=True)
    done: list[textdetect.Box] = []
    redacted: list[textdetect.Box] = []
    alone: list[textdetect.Line] = []  # words standing alone (markers, depth marks)
    lines = textdetect.detect_lines(frame, alone=alone)
    for round_ in range(ROUNDS):
        parts = textdetect.complete_glyphs(original, [part for _, line_parts in lines for part in line_parts])
        _cut(frame, parts, fill)
        done.extend(box for box, _ in lines)
        redacted.extend(parts)
        lines = _remaining(frame, done, original, fine=round_ == 0 and bool(done), alone=alone)
        if not lines:
            break
    else:
        return redacted, len(done), "text-like regions remain after pixel cleaning"
    if frame.ndim == 3:  # colour maps: what luminance hides of a cut line, in the local contrast view
        more = textdetect.continued_lines(original, redacted)
        parts = [part for _, line_parts in more for part in line_parts]
        _cut(frame, parts, fill)
        redacted.extend(parts)
        done.extend(box for box, _ in more)
    marks = textdetect.column_marks(original, [box for box, _ in alone], redacted)
    marks += textdetect.lone_glyphs(original, [box for box, _ in alone], redacted + marks)
    _cut(frame, marks, fill)
    redacted.extend(marks)
    left = _residue(frame, original, done, redacted, fill)
    if not left:
        rims = textdetect.fringe(original, redacted)
        _cut(frame, rims, fill)
        redacted.extend(rims)
    turned = 0 if left else _turned(frame, original, redacted, fill)
    if turned < 0:
        return redacted, len(done), "text-like regions turned 90 degrees remain after pixel cleaning"
    faint = 0 if left else _faint(frame, original, redacted, fill)
    if faint < 0:
        return redacted, len(done) + turned, "faint text-like regions on a flat field remain after pixel cleaning"
    return redacted, len(done) + turned + faint, left


def _faint(frame: NDArray, original: NDArray, redacted: list[textdetect.Box], fill: object) -> int:
    """Faint lines on a flat field (:func:`textdetect.faint_lines`, on the frame before
    redaction) are cut too; -1 when the model still finds one in the cut frame, else the
    number of lines cut."""
    lines = textdetect.faint_lines(original, redacted)
    if not lines:
        return 0
    parts = [part for _, line_parts in lines for part in line_parts]
    _cut(frame, parts, fill)
    redacted.extend(parts)
    return -1 if textdetect.faint_lines(frame, redacted) else len(lines)


def _turned(frame: NDArray, original: NDArray, redacted: list[textdetect.Box], fill: object) -> int:
    """Lines of text turned a quarter (:func:`textdetect.turned_lines`, on the frame before
    redaction turned 90 degrees) are cut too, with what the check beside cut lines
    (:func:`_residue`) finds beyond their ends; -1 when text remains after that (the check
    keeps finding more, or the model still finds a turned line in the cut frame), else
    the number of lines cut."""
    turned, before = np.rot90(frame, 1), np.ascontiguousarray(np.rot90(original, 1))  # turned: a view, cut in place
    width = frame.shape[1]
    cut = [textdetect.turn_box(box, width) for box in redacted]
    lines = textdetect.turned_lines(before, cut)
    if not lines:
        return 0
    start = len(cut)
    parts = [part for _, line_parts in lines for part in line_parts]
    _cut(turned, parts, fill)
    cut.extend(parts)
    left = _residue(turned, before, [box for box, _ in lines], cut, fill)
    redacted.extend(textdetect.unturn_box(box, width) for box in cut[start:])
    return -1 if left or textdetect.turned_lines(turned, cut) else len(lines)


def _cut(frame: NDArray, boxes: list[textdetect.Box], fill: object) -> None:
    for y0, x0, y1, x1 in boxes:
        frame[y0:y1, x0:x1, ...] = fill


def _residue(frame: NDArray, original: NDArray, done: list[textdetect.Box], redacted: list[textdetect.Box],
             fill: object) -> str | None:
    """The check before labelling: glyphs and pieces of glyphs of a cut line's colour left
    beyond its ends, within its rows (:func:`textdetect.residue`), are cut too, and the
    check runs again beyond them; when they keep coming, the reason to quarantine."""
    lines = list(done)
    for _ in range(RESIDUE_ROUNDS):
        extra = textdetect.residue(original, lines, redacted)
        if not extra:
            return None
        _cut(frame, extra, fill)
        redacted.extend(extra)
        lines = [_stretched(line, extra) for line in lines]
    return "text-like strokes remain beside a redacted line"


def _stretched(line: textdetect.Box, pieces: list[textdetect.Box]) -> textdetect.Box:
    """``line`` grown along itself over the pieces cut within its rows (the next check
    looks beyond them)."""
    y0, x0, y1, x1 = line
    for p0, q0, p1, q1 in pieces:
        if p0 >= y0 - 1 and p1 <= y1 + 1:
            x0, x1 = min(x0, q0), max(x1, q1)
    return (y0, x0, y1, x1)


def _remaining(frame: NDArray, done: list[textdetect.Box], original: NDArray, fine: bool = False,
               alone: list[textdetect.Line] | None = None) -> list[textdetect.Line]:
    """Text the check still finds: the model's lines beside a region already cut (the
    rest of a line) or just above or below one (the next line of its block, a short
    word), or confirmed by the stroke detector, and the stroke detector's boxes
    beside a cut region or just above or below one (the next line of an annotation
    block; with ``fine``, small print too: the stroke detector also looks at the frame at
    twice its size); the stroke detector's boxes at the frame's size only when of the
    polarity and grey level of a line they are next to (in ``original``, the frame before
    redaction: an edge of the image beside a line is not; small print, anti-aliased, is
    fainter than the line);
    words standing alone (:func:`textdetect.lone_word`: one colour, glyph-shaped) anywhere;
    elsewhere, once the text is cut, the model's boxes are anatomy it mistakes for text."""
    words: list[textdetect.Line] = []
    found = textdetect.detect_lines(frame, done, words)
    if alone is not None:
        alone.extend(words)
    strokes = textdetect.detect(frame)
    kept = [line for line in found
            if textdetect.near(line[0], done) or textdetect.stacked(line[0], done) or textdetect.overlaps(line[0], strokes)
            or line in words]
    small = textdetect.detect_fine(frame) if fine else []
    beside = [box for box in strokes
              if textdetect.same_colour(original, box, [line for line in done if textdetect.near(box, [line]) or textdetect.stacked(box, [line])])]
    beside += [box for box in small if textdetect.near(box, done) or textdetect.stacked(box, done)]
    return sorted(set(kept + [(box, (box,)) for box in beside]))


def require_detector() -> None:
    """A clear error when the text detection model is not installed."""
    if not textdetect.model_available():
        raise CuratorError(f"--clean-pixels needs the text detection model of the Python package {textdetect.MODEL_PACKAGE}")


def _store(ds: Dataset, stack: NDArray) -> None:
    """Write the frames back as native pixel data (Explicit VR Little Endian when compressed)."""
    from pydicom.uid import ExplicitVRLittleEndian

    frames = int(ds.get("NumberOfFrames", 1) or 1)
    out = stack if frames > 1 else stack[0]
    if ds.file_meta.TransferSyntaxUID.is_compressed:
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    if int(ds.get("SamplesPerPixel", 1) or 1) > 1:
        ds.PlanarConfiguration = 0  # decoded frames are colour-by-pixel
    if str(ds.get("PhotometricInterpretation", "")).startswith("YBR"):
        ds.PhotometricInterpretation = "RGB"  # pydicom decodes YBR to RGB
    ds.PixelData = out.tobytes()
    ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"


def _add_code(ds: Dataset, entry: dict[str, str]) -> None:
    codes = ds.get("DeidentificationMethodCodeSequence") or Sequence()
    if any(str(item.get("CodeValue", "")) == entry["code"] for item in codes):
        return
    codes.append(method_code_item(entry))
    ds.DeidentificationMethodCodeSequence = codes
