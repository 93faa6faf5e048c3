"""Acquisition parameters per modality, and the device fields of a series.

``acquisition_parameters(ds)`` runs once per instance during the header scan (worker
processes, datasets read with ``stop_before_pixels=True``), so it is written for speed:
direct tag look-ups, no walk over the dataset, no regular expressions.

What it returns (JSON-serializable, keys sorted when serialized, deterministic):

* only non-identifying values: no device serial numbers, station names, institution,
  operator or physician names, no dates or clock times (times only as relative seconds);
* a fixed set of keys per modality family (``ct``, ``mr``, ``pt``/``nm``, ``us``, ``xr``),
  each present with ``None`` when the header does not have it, so that columns line up;
* units in the key names (``_mm``, ``_ms``, ``_s``, ``_t``, ``_kv``, ``_mas``, ``_bq``,
  ``_deg``, ``_mhz``); the PET ``units`` value is the DICOM ``Units`` code (``BQML``…).

Short device strings (kernel, sequence name, coil name, radiopharmaceutical…) are kept,
but any string that contains an identifying value of the same header (patient name
component, patient ID, accession number, institution, station, serial number, operator or
physician names) is replaced by ``None``; see ``docs/provenance.md``.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset

from curator.dicom.walk import dictionary_vr, raw_text

# --- tags (ints: the fastest look-up pydicom offers) ---------------------------------
_MODALITY = 0x00080060
_MANUFACTURER = 0x00080070
_MODEL = 0x00081090
_SOFTWARE = 0x00181020
_PROTOCOL = 0x00181030
_SERIES_DATE = 0x00080021
_ACQ_DATE = 0x00080022
_SERIES_TIME = 0x00080031
_ACQ_TIME = 0x00080032
_ACQ_DATETIME = 0x0008002A

_SLICE_THICKNESS = 0x00180050
_SPACING_BETWEEN = 0x00180088
_PIXEL_SPACING = 0x00280030
_IMAGER_PIXEL_SPACING = 0x00181164
_BODY_PART = 0x00180015

# CT / X-ray
_KVP = 0x00180060
_EXPOSURE_TIME = 0x00181150
_TUBE_CURRENT = 0x00181151
_EXPOSURE = 0x00181152
_EXPOSURE_MAS = 0x00189332
_EXPOSURE_UAS = 0x00181153
_KERNEL = 0x00181210
_RECON_ALGORITHM = 0x00189315
_RECON_DIAMETER = 0x00181100
_CTDIVOL = 0x00189345
_PITCH = 0x00189311
_TOTAL_COLLIMATION = 0x00189307
_CONTRAST_AGENT = 0x00180010
_CONTRAST_AGENT_SEQ = 0x00180012
_CONTRAST_ROUTE = 0x00181040
_CONTRAST_ROUTE_SEQ = 0x00180014  # Contrast/Bolus Administration Route Sequence
_MULTIENERGY = 0x00189361
_DISTANCE_SOURCE_DETECTOR = 0x00181110
_VIEW_POSITION = 0x00185101
_GRID = 0x00181166
_FILTER_TYPE = 0x00181160
_DETECTOR_TYPE = 0x00187004

# MR
_FIELD_STRENGTH = 0x00180087
_SCANNING_SEQUENCE = 0x00180020
_SEQUENCE_VARIANT = 0x00180021
_SEQUENCE_NAME = 0x00180024
_PULSE_SEQUENCE_NAME = 0x00189005
_ECHO_PULSE_SEQUENCE = 0x00189008
_MR_ACQ_TYPE = 0x00180023
_TR = 0x00180080
_TE = 0x00180081
_TI = 0x00180082
_FLIP_ANGLE = 0x00181314
_RECEIVE_COIL = 0x00181250
_TRANSMIT_COIL = 0x00181251
_ECHO_TRAIN = 0x00180091
_PIXEL_BANDWIDTH = 0x00180095
_IMAGED_NUCLEUS = 0x00180085
_IMAGING_FREQUENCY = 0x00180084
_RESONANT_NUCLEUS = 0x00189100  # the enhanced MR's (Imaged Nucleus is the single-frame MR's)

# PET / NM
_RADIOPHARM_SEQ = 0x00540016
_RADIOPHARMACEUTICAL = 0x00180031
_RADIOPHARM_CODE_SEQ = 0x00540304
_RADIONUCLIDE_CODE_SEQ = 0x00540300
_TOTAL_DOSE = 0x00181074
_START_TIME = 0x00181072
_START_DATETIME = 0x00181078
_HALF_LIFE = 0x00181075
_POSITRON_FRACTION = 0x00181076
_UNITS = 0x00541001
_DECAY_CORRECTION = 0x00541102
_CORRECTED_IMAGE = 0x00280051
_ATTENUATION_METHOD = 0x00541101
_SCATTER_METHOD = 0x00541105
_RANDOMS_METHOD = 0x00541100
_RECON_METHOD = 0x00541103
_PATIENT_WEIGHT = 0x00101030
_SUV_TYPE = 0x00541006

# US
_TRANSDUCER_DATA = 0x00185010
_TRANSDUCER_TYPE = 0x00186031
_TRANSDUCER_FREQ = 0x00186030
_PROCESSING_FUNCTION = 0x00185020

# code sequence members
_CODE_VALUE = 0x00080100
_CODE_SCHEME = 0x00080102
_CODE_MEANING = 0x00080104

# enhanced (multi-frame) objects keep parameters in functional groups:
# (output key, functional group sequence, attribute, reader)
_SHARED_GROUPS = 0x52009229
_PER_FRAME_GROUPS = 0x52009230
_FG_GEOMETRY = (
    ("slice_thickness_mm", 0x00289110, _SLICE_THICKNESS, "f"),
    ("spacing_between_slices_mm", 0x00289110, _SPACING_BETWEEN, "f"),
    ("pixel_spacing_mm", 0x00289110, _PIXEL_SPACING, "fs"),
)
_FG_FALLBACK = {
    "ct": _FG_GEOMETRY + (
        ("kvp_kv", 0x00189325, _KVP, "f"),
        ("convolution_kernel", 0x00189314, _KERNEL, "s"),
        ("reconstruction_algorithm", 0x00189314, _RECON_ALGORITHM, "s"),
        ("reconstruction_diameter_mm", 0x00189314, _RECON_DIAMETER, "f"),
        ("exposure_mas", 0x00189321, _EXPOSURE_MAS, "f"),
        ("tube_current_ma", 0x00189321, 0x00189330, "f"),  # X-Ray Tube Current in mA
        ("exposure_time_ms", 0x00189321, 0x00189328, "f"),  # Exposure Time in ms
        ("ctdivol_mgy", 0x00189321, _CTDIVOL, "f"),
        ("spiral_pitch_factor", 0x00189308, _PITCH, "f"),  # CT Table Dynamics
        ("total_collimation_width_mm", 0x00189304, _TOTAL_COLLIMATION, "f"),  # CT Acquisition Details
    ),
    "mr": _FG_GEOMETRY + (
        ("repetition_time_ms", 0x00189112, _TR, "f"),
        ("flip_angle_deg", 0x00189112, _FLIP_ANGLE, "f"),
        ("echo_train_length", 0x00189112, _ECHO_TRAIN, "i"),
        ("echo_time_ms", 0x00189114, 0x00189082, "f"),  # Effective Echo Time
        ("inversion_time_ms", 0x00189115, 0x00189079, "f"),  # Inversion Times
        ("receive_coil", 0x00189042, _RECEIVE_COIL, "s"),
        ("transmit_coil", 0x00189049, _TRANSMIT_COIL, "s"),
        ("pixel_bandwidth_hz", 0x00189006, _PIXEL_BANDWIDTH, "f"),  # MR Imaging Modifier
        ("imaging_frequency_mhz", 0x00189006, 0x00189098, "f"),  # its Transmitter Frequency (MHz)
    ),
    "pt": _FG_GEOMETRY,
    "other": _FG_GEOMETRY[:1] + _FG_GEOMETRY[2:],
}

# identifying values of the same header, used to veto device strings that contain them
_IDENTIFYING_TAGS = (
    0x00100010,  # PatientName
    0x00100020,  # PatientID
    0x00080050,  # AccessionNumber
    0x00080080,  # InstitutionName
    0x00081010,  # StationName
    0x00181000,  # DeviceSerialNumber
    0x00081070,  # OperatorsName
    0x00081050,  # PerformingPhysicianName
    0x00080090,  # ReferringPhysicianName
    0x00081040,  # InstitutionalDepartmentName
)

CT_KEYS = (
    "kvp_kv", "exposure_mas", "tube_current_ma", "exposure_time_ms", "ctdivol_mgy",
    "slice_thickness_mm", "spacing_between_slices_mm", "pixel_spacing_mm",
    "convolution_kernel", "reconstruction_algorithm", "reconstruction_diameter_mm",
    "spiral_pitch_factor", "total_collimation_width_mm", "contrast_agent",
    "contrast_route", "contrast_used", "multienergy",
)
MR_KEYS = (
    "magnetic_field_strength_t", "scanning_sequence", "sequence_variant",
    "sequence_name", "pulse_sequence_name", "echo_pulse_sequence", "mr_acquisition_type",
    "repetition_time_ms", "echo_time_ms", "inversion_time_ms", "flip_angle_deg",
    "echo_train_length", "pixel_bandwidth_hz", "imaged_nucleus",
    "imaging_frequency_mhz", "slice_thickness_mm", "spacing_between_slices_mm",
    "pixel_spacing_mm", "receive_coil", "transmit_coil", "contrast_agent",
    "contrast_used",
)
PT_KEYS = (
    "radiopharmaceutical", "radiopharmaceutical_code", "radionuclide",
    "radionuclide_code", "injected_dose_bq", "injection_to_acquisition_s",
    "radionuclide_half_life_s", "radionuclide_positron_fraction", "units",
    "decay_correction", "corrected_image", "attenuation_correction_method",
    "scatter_correction_method", "randoms_correction_method",
    "reconstruction_method", "suv_type", "patient_weight_present",
    "slice_thickness_mm", "spacing_between_slices_mm", "pixel_spacing_mm",
    "convolution_kernel", "suv_computable", "suv_missing",
)
US_KEYS = (
    "transducer_data", "transducer_type", "transducer_frequency_mhz",
    "processing_function", "body_part_examined",
)
XR_KEYS = (
    "kvp_kv", "exposure_mas", "tube_current_ma", "exposure_time_ms",
    "distance_source_to_detector_mm", "imager_pixel_spacing_mm", "pixel_spacing_mm",
    "view_position", "body_part_examined", "grid", "filter_type", "detector_type",
)

_XR_MODALITIES = frozenset({"CR", "DX", "MG", "XA", "RF", "IO", "PX", "DR"})
_PT_MODALITIES = frozenset({"PT", "NM"})

#: The values of SUV-related DICOM fields that make a body-weight SUV computable.
SUV_UNITS = frozenset({"BQML"})
SUV_DECAY_CORRECTIONS = frozenset({"START", "ADMIN", "NONE"})


# --- fast readers -------------------------------------------------------------------
def _element(ds: Any, tag: int) -> Any:
    """The element ``tag`` of ``ds`` as stored (raw or converted; ``None`` when absent)."""
    return ds.get_item(tag, keep_deferred=True) if isinstance(ds, Dataset) else None


def _raw(ds: Any, tag: int) -> Any:
    # the stored element first: much cheaper than Dataset.get for absent tags
    if isinstance(ds, Dataset):
        elem = ds.get_item(tag, keep_deferred=True)
        if elem is None:
            return None
        if type(elem) is DataElement:  # already converted: skip Dataset.__getitem__
            return elem.value
    try:
        return ds[tag].value  # converts a raw element once (pydicom caches it)
    except Exception:  # absent or malformed element: treat as absent
        return None


def _str(ds: Any, tag: int) -> str | None:
    elem = _element(ds, tag)
    if isinstance(elem, RawDataElement):
        text = raw_text(ds, elem)  # plain character sets: no pydicom conversion needed
        if text is not None:
            return text or None
    value = _raw(ds, tag)
    if value is None:
        return None
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        text = "\\".join(str(v).strip() for v in value if str(v).strip())
    elif isinstance(value, bytes):
        text = value.decode("ascii", "replace").strip()
    else:
        text = str(value).strip()
    return text or None


def _float(ds: Any, tag: int) -> float | None:
    elem = _element(ds, tag)
    if isinstance(elem, RawDataElement) and (elem.VR or dictionary_vr(tag)) in ("DS", "IS"):
        text = raw_text(ds, elem)
        if text is not None:
            try:
                number = float(text.split("\\")[0]) if text else None
            except ValueError:
                return None
            return None if number is None or math.isnan(number) or math.isinf(number) else _round(number)
    value = _raw(ds, tag)
    if value is None or value == "":
        return None
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        if not value:
            return None
        value = value[0]
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or math.isinf(number):
        return None
    return _round(number)


def _floats(ds: Any, tag: int) -> list[float] | None:
    value = _raw(ds, tag)
    if value is None or value == "":
        return None
    if not (isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue"):
        value = [value]
    out = []
    for v in value:
        try:
            number = float(v)
        except (TypeError, ValueError):
            return None
        if math.isnan(number) or math.isinf(number):
            return None
        out.append(_round(number))
    return out or None


def _int(ds: Any, tag: int) -> int | None:
    number = _float(ds, tag)
    return None if number is None else int(number)


def _round(number: float) -> float:
    # six significant digits: stable across DS string formatting differences
    return float(f"{number:.6g}")


def _first_item(ds: Any, tag: int) -> Any:
    seq = _raw(ds, tag)
    if not seq:
        return None
    try:
        return seq[0]
    except Exception:
        return None


def _code(item: Any) -> str | None:
    """``SCHEME:VALUE`` of the first item of a code sequence item, or None."""
    if item is None:
        return None
    value = _str(item, _CODE_VALUE)
    scheme = _str(item, _CODE_SCHEME)
    if not value:
        return None
    return f"{scheme}:{value}" if scheme else value


def _identifying_values(ds: Any) -> tuple[str, ...]:
    out = []
    for tag in _IDENTIFYING_TAGS:
        text = _str(ds, tag)
        if not text:
            continue
        for part in text.replace("^", "\\").split("\\"):
            part = part.strip().casefold()
            if len(part) >= 3:
                out.append(part)
    return tuple(out)


# --- public API ---------------------------------------------------------------------
def modality_family(modality: str | None) -> str:
    """``ct``, ``mr``, ``pt`` (PET and NM), ``us``, ``xr`` or ``other``."""
    m = (modality or "").upper()
    if m == "CT":
        return "ct"
    if m == "MR":
        return "mr"
    if m in _PT_MODALITIES:
        return "pt"
    if m == "US":
        return "us"
    if m in _XR_MODALITIES:
        return "xr"
    return "other"


def acquisition_parameters(ds: Any) -> dict:
    """The acquisition parameters of one instance that matter for its modality.

    Never raises on a bad header: unreadable or malformed values become ``None``.
    """
    modality = _str(ds, _MODALITY)
    family = modality_family(modality)
    out: dict[str, Any] = {"modality_family": family}
    if family == "ct":
        out.update(_ct(ds))
    elif family == "mr":
        out.update(_mr(ds))
    elif family == "pt":
        out.update(_pt(ds))
    elif family == "us":
        out.update(_us(ds))
    elif family == "xr":
        out.update(_xr(ds))
    else:
        out["slice_thickness_mm"] = _float(ds, _SLICE_THICKNESS)
        out["pixel_spacing_mm"] = _floats(ds, _PIXEL_SPACING)
    fallback = _FG_FALLBACK.get(family)
    if fallback:
        if not isinstance(ds, Dataset) or _SHARED_GROUPS in ds or _PER_FRAME_GROUPS in ds:
            _from_functional_groups(ds, out, fallback)
    _veto_identifiers(ds, out)
    return out


_READERS = {"f": lambda d, t: _float(d, t), "fs": lambda d, t: _floats(d, t),
            "i": lambda d, t: _int(d, t), "s": lambda d, t: _str(d, t)}


def _from_functional_groups(ds: Any, out: dict, fallback: tuple) -> None:
    """Fill keys still ``None`` from the shared, then the first per-frame, functional group."""
    groups = [g for g in (_first_item(ds, _SHARED_GROUPS), _first_item(ds, _PER_FRAME_GROUPS))
              if g is not None]
    if not groups:
        return
    for key, sequence, tag, kind in fallback:
        if out.get(key) is not None:
            continue
        for group in groups:
            item = _first_item(group, sequence)
            if item is None:
                continue
            value = _READERS[kind](item, tag)
            if value is not None:
                out[key] = value
                break


def device_fields(ds: Any) -> dict:
    """``manufacturer``, ``model``, ``software_versions`` and ``protocol`` of a series.

    No serial number, station or institution. The protocol name is free text and goes
    through ``curator.deid.freetext`` (allowlist); if that module is unavailable the protocol is
    withheld.
    """
    out = {
        "manufacturer": _str(ds, _MANUFACTURER),
        "model": _str(ds, _MODEL),
        "software_versions": _str(ds, _SOFTWARE),
        "protocol": None,
    }
    protocol = _str(ds, _PROTOCOL)
    if protocol:
        out["protocol"] = _scrub(ds, protocol)
    _veto_identifiers(ds, out)
    return out


def _scrub(ds: Any, text: str) -> str | None:
    try:
        from curator.deid.freetext import clean
        from curator.deid.scrub import identifier_values
    except ImportError:
        return None
    try:
        cleaned = (clean(text, identifier_values(ds)) or "").strip()
    except Exception:
        return None
    return cleaned or None


def _veto_identifiers(ds: Any, out: dict) -> None:
    strings = [k for k, v in out.items() if isinstance(v, str)]
    if not strings:
        return
    identifying = _identifying_values(ds)
    if not identifying:
        return
    for key in strings:
        folded = out[key].casefold()
        if any(value in folded for value in identifying):
            out[key] = None


def _contrast(ds: Any) -> tuple[str | None, bool]:
    agent = _str(ds, _CONTRAST_AGENT)
    item = _first_item(ds, _CONTRAST_AGENT_SEQ)
    if item is not None:
        meaning = _str(item, _CODE_MEANING)
        agent = agent or meaning or _code(item)
    used = bool(agent) or item is not None
    if agent and agent.upper() in {"NONE", "NO", "N", "NO CONTRAST", "0"}:
        used = False
    return agent, used


def _contrast_route(ds: Any) -> str | None:
    """Contrast/Bolus Route, else the route code's meaning of the first agent (Enhanced
    Contrast/Bolus module: Contrast/Bolus Administration Route Sequence)."""
    route = _str(ds, _CONTRAST_ROUTE)
    item = _first_item(ds, _CONTRAST_AGENT_SEQ)
    code = _first_item(item, _CONTRAST_ROUTE_SEQ) if route is None and item is not None else None
    return route if code is None else _str(code, _CODE_MEANING)


def _geometry(ds: Any) -> dict:
    return {
        "slice_thickness_mm": _float(ds, _SLICE_THICKNESS),
        "spacing_between_slices_mm": _float(ds, _SPACING_BETWEEN),
        "pixel_spacing_mm": _floats(ds, _PIXEL_SPACING),
    }


def _exposure_mas(ds: Any) -> float | None:
    mas = _float(ds, _EXPOSURE_MAS)
    if mas is None:
        mas = _float(ds, _EXPOSURE)
    if mas is None:
        uas = _float(ds, _EXPOSURE_UAS)
        mas = None if uas is None else _round(uas / 1000.0)
    return mas


def _ct(ds: Any) -> dict:
    agent, used = _contrast(ds)
    out = {
        "kvp_kv": _float(ds, _KVP),
        "exposure_mas": _exposure_mas(ds),
        "tube_current_ma": _float(ds, _TUBE_CURRENT),
        "exposure_time_ms": _float(ds, _EXPOSURE_TIME),
        "ctdivol_mgy": _float(ds, _CTDIVOL),
        "convolution_kernel": _str(ds, _KERNEL),
        "reconstruction_algorithm": _str(ds, _RECON_ALGORITHM),
        "reconstruction_diameter_mm": _float(ds, _RECON_DIAMETER),
        "spiral_pitch_factor": _float(ds, _PITCH),
        "total_collimation_width_mm": _float(ds, _TOTAL_COLLIMATION),
        "contrast_agent": agent,
        "contrast_route": _contrast_route(ds),
        "contrast_used": used,
        "multienergy": _str(ds, _MULTIENERGY),
    }
    out.update(_geometry(ds))
    return out


def _mr(ds: Any) -> dict:
    agent, used = _contrast(ds)
    out = {
        "magnetic_field_strength_t": _float(ds, _FIELD_STRENGTH),
        "scanning_sequence": _str(ds, _SCANNING_SEQUENCE),
        "sequence_variant": _str(ds, _SEQUENCE_VARIANT),
        "sequence_name": _str(ds, _SEQUENCE_NAME),
        "pulse_sequence_name": _str(ds, _PULSE_SEQUENCE_NAME),
        "echo_pulse_sequence": _str(ds, _ECHO_PULSE_SEQUENCE),
        "mr_acquisition_type": _str(ds, _MR_ACQ_TYPE),
        "repetition_time_ms": _float(ds, _TR),
        "echo_time_ms": _float(ds, _TE),
        "inversion_time_ms": _float(ds, _TI),
        "flip_angle_deg": _float(ds, _FLIP_ANGLE),
        "echo_train_length": _int(ds, _ECHO_TRAIN),
        "pixel_bandwidth_hz": _float(ds, _PIXEL_BANDWIDTH),
        "imaged_nucleus": _str(ds, _IMAGED_NUCLEUS) or _str(ds, _RESONANT_NUCLEUS),
        "imaging_frequency_mhz": _float(ds, _IMAGING_FREQUENCY),
        "receive_coil": _str(ds, _RECEIVE_COIL),
        "transmit_coil": _str(ds, _TRANSMIT_COIL),
        "contrast_agent": agent,
        "contrast_used": used,
    }
    out.update(_geometry(ds))
    return out


def _us(ds: Any) -> dict:
    return {
        "transducer_data": _str(ds, _TRANSDUCER_DATA),
        "transducer_type": _str(ds, _TRANSDUCER_TYPE),
        "transducer_frequency_mhz": _float(ds, _TRANSDUCER_FREQ),
        "processing_function": _str(ds, _PROCESSING_FUNCTION),
        "body_part_examined": _str(ds, _BODY_PART),
    }


def _xr(ds: Any) -> dict:
    return {
        "kvp_kv": _float(ds, _KVP),
        "exposure_mas": _exposure_mas(ds),
        "tube_current_ma": _float(ds, _TUBE_CURRENT),
        "exposure_time_ms": _float(ds, _EXPOSURE_TIME),
        "distance_source_to_detector_mm": _float(ds, _DISTANCE_SOURCE_DETECTOR),
        "imager_pixel_spacing_mm": _floats(ds, _IMAGER_PIXEL_SPACING),
        "pixel_spacing_mm": _floats(ds, _PIXEL_SPACING),
        "view_position": _str(ds, _VIEW_POSITION),
        "body_part_examined": _str(ds, _BODY_PART),
        "grid": _str(ds, _GRID),
        "filter_type": _str(ds, _FILTER_TYPE),
        "detector_type": _str(ds, _DETECTOR_TYPE),
    }


# --- PET ----------------------------------------------------------------------------
def _parse_dt(date: str | None, time: str | None) -> datetime | None:
    """A naive datetime from DA + TM strings (TM may lack seconds/fraction)."""
    if not time:
        return None
    time = time.strip()
    main, _, frac = time.partition(".")
    if not main.isdigit() or len(main) not in (2, 4, 6):
        return None
    main = main.ljust(6, "0")
    try:
        hh, mm, ss = int(main[:2]), int(main[2:4]), int(main[4:6])
        micro = int((frac + "000000")[:6]) if frac.isdigit() else 0
        if date:
            d = date.strip()
            if len(d) != 8 or not d.isdigit():
                return None
            return datetime(int(d[:4]), int(d[4:6]), int(d[6:8]), hh, mm, min(ss, 59), micro)
        return datetime(1900, 1, 1, hh, mm, min(ss, 59), micro)
    except ValueError:
        return None


def _parse_datetime(value: str | None) -> datetime | None:
    """A naive datetime from a DT string (offset ignored; both ends are local)."""
    if not value:
        return None
    text = value.strip()
    for sign in ("+", "-"):
        if sign in text[8:]:
            text = text[: 8 + text[8:].index(sign)]
    if len(text) < 8:
        return None
    return _parse_dt(text[:8], text[8:] or "000000")


def _injection_delay(ds: Any, item: Any) -> float | None:
    """Seconds from injection to the series reference time (SUV decay reference).

    Reference: Series Date/Time (the PET series start, which DICOM defines as the decay
    correction reference for ``DecayCorrection`` START), falling back to Acquisition
    Date/Time. With times only (no dates), a negative difference is taken as a
    midnight crossing when it is more than 12 hours.
    """
    injection = _parse_datetime(_str(item, _START_DATETIME))
    injection_has_date = injection is not None
    if injection is None:
        injection = _parse_dt(None, _str(item, _START_TIME))
    if injection is None:
        return None
    reference_date = _str(ds, _SERIES_DATE) or _str(ds, _ACQ_DATE)
    reference_time = _str(ds, _SERIES_TIME) or _str(ds, _ACQ_TIME)
    reference = None
    if reference_time:
        reference = _parse_dt(reference_date if injection_has_date else None, reference_time)
        if reference is not None and injection_has_date and reference.year == 1900:
            reference = None
    if reference is None:
        acq = _parse_datetime(_str(ds, _ACQ_DATETIME))
        if acq is not None and not injection_has_date:
            acq = acq.replace(year=1900, month=1, day=1)
        reference = acq
    if reference is None:
        return None
    delta = (reference - injection).total_seconds()
    if not injection_has_date and delta < -12 * 3600:
        delta += timedelta(days=1).total_seconds()
    return _round(delta)


def _pt(ds: Any) -> dict:
    item = _first_item(ds, _RADIOPHARM_SEQ)
    radiopharmaceutical = radiopharm_code = radionuclide = radionuclide_code = None
    dose = half_life = positron_fraction = delay = None
    if item is not None:
        radiopharmaceutical = _str(item, _RADIOPHARMACEUTICAL)
        code_item = _first_item(item, _RADIOPHARM_CODE_SEQ)
        radiopharm_code = _code(code_item)
        if not radiopharmaceutical and code_item is not None:
            radiopharmaceutical = _str(code_item, _CODE_MEANING)
        nuclide_item = _first_item(item, _RADIONUCLIDE_CODE_SEQ)
        radionuclide_code = _code(nuclide_item)
        if nuclide_item is not None:
            radionuclide = _str(nuclide_item, _CODE_MEANING)
        dose = _float(item, _TOTAL_DOSE)
        half_life = _float(item, _HALF_LIFE)
        positron_fraction = _float(item, _POSITRON_FRACTION)
        delay = _injection_delay(ds, item)
    corrected = _str(ds, _CORRECTED_IMAGE)
    corrected_list = sorted({c for c in corrected.split("\\") if c}) if corrected else []
    weight = _float(ds, _PATIENT_WEIGHT)
    units = _str(ds, _UNITS)
    decay = _str(ds, _DECAY_CORRECTION)
    out = {
        "radiopharmaceutical": radiopharmaceutical,
        "radiopharmaceutical_code": radiopharm_code,
        "radionuclide": radionuclide,
        "radionuclide_code": radionuclide_code,
        "injected_dose_bq": dose,
        "injection_to_acquisition_s": delay,
        "radionuclide_half_life_s": half_life,
        "radionuclide_positron_fraction": positron_fraction,
        "units": units,
        "decay_correction": decay,
        "corrected_image": corrected_list or None,
        "attenuation_correction_method": _str(ds, _ATTENUATION_METHOD),
        "scatter_correction_method": _str(ds, _SCATTER_METHOD),
        "randoms_correction_method": _str(ds, _RANDOMS_METHOD),
        "reconstruction_method": _str(ds, _RECON_METHOD),
        "suv_type": _str(ds, _SUV_TYPE),
        "patient_weight_present": weight is not None and weight > 0,
        "convolution_kernel": _str(ds, _KERNEL),
    }
    out.update(_geometry(ds))
    missing = suv_missing(out)
    out["suv_computable"] = not missing
    out["suv_missing"] = missing
    return out


def suv_missing(params: dict) -> list[str]:
    """What stops a body-weight SUV from being computed, as sorted reason codes.

    Follows the QIBA/vendor-neutral body-weight SUV recipe: activity concentration in
    Bq/ml, decay- and attenuation-corrected images, a known decay-correction reference,
    injected dose, half-life, injection-to-series delay and patient weight.
    """
    missing = []
    units = params.get("units")
    if not units:
        missing.append("units")
    elif units.upper() not in SUV_UNITS:
        missing.append("units_not_bqml")
    dose = params.get("injected_dose_bq")
    if dose is None or dose <= 0:
        missing.append("injected_dose_bq")
    half_life = params.get("radionuclide_half_life_s")
    if half_life is None or half_life <= 0:
        missing.append("radionuclide_half_life_s")
    delay = params.get("injection_to_acquisition_s")
    if delay is None:
        missing.append("injection_to_acquisition_s")
    elif delay < 0:
        missing.append("injection_after_acquisition")
    decay = params.get("decay_correction")
    if not decay:
        missing.append("decay_correction")
    elif decay.upper() not in SUV_DECAY_CORRECTIONS:
        missing.append("decay_correction_unsupported")
    corrected = params.get("corrected_image") or []
    if "ATTN" not in corrected:
        missing.append("attenuation_correction")
    if "DECY" not in corrected and (decay or "").upper() != "NONE":
        missing.append("decay_corrected_flag")
    if not params.get("patient_weight_present"):
        missing.append("patient_weight")
    return sorted(missing)
