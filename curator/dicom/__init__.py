"""DICOM at the byte level: reading headers without converting values, walking elements,
the size pixel data must have.

* :mod:`curator.dicom.fastheader`: fast struct-based reader of Explicit/Implicit VR Little Endian headers;
* :mod:`curator.dicom.header`: read a DICOM header (stop before pixel data) from a file, bytes or DICOM JSON, with a clear rejection reason;
* :mod:`curator.dicom.walk`: walk every element at any depth without converting values;
* :mod:`curator.dicom.pixel_size`: the size native pixel data must have (one check for scan, audit and deid).
* :mod:`curator.dicom.frame_header`: the image size a compressed frame declares, checked before decoding.

The names below are imported lazily (importing the package loads none of its modules).
"""
from __future__ import annotations

from curator.common.lazy import exports

# public name -> the module of this package that defines it
_EXPORTS = {
    "BYTES_VRS": "vr",
    "charset_of": "walk",
    "check_pixel_element": "header",
    "decode_raw_text": "walk",
    "dictionary_vr": "walk",
    "Element": "walk",
    "element_header": "elements",
    "element_text": "walk",
    "ESCAPE_SEQUENCE": "walk",
    "encode_element": "elements",
    "encode_header": "elements",
    "encode_sequence": "elements",
    "HeaderError": "header",
    "is_empty": "walk",
    "is_uid_text": "header",
    "ITEM_END": "elements",
    "JSON_MAGIC": "header",
    "LEADING_SPACE_VRS": "vr",
    "LONG_LENGTH_VR_BYTES": "vr",
    "LONG_LENGTH_VRS": "vr",
    "meta_bytes_text": "walk",
    "meta_text": "walk",
    "NUMBER_SIZES": "vr",
    "NUMBER_VRS": "vr",
    "padding": "vr",
    "PIXEL_DATA": "elements",
    "PREFIX": "header",
    "raw_text": "walk",
    "RawSource": "elements",
    "read_header": "header",
    "read_header_bytes": "header",
    "read_header_source": "header",
    "sequence_items": "elements",
    "SINGLE_VALUE_VRS": "vr",
    "skip_fragments": "elements",
    "STRING_VRS": "vr",
    "strings": "walk",
    "TEXT_VRS": "vr",
    "U16": "elements",
    "UNDEFINED": "elements",
    "Unsupported": "elements",
    "value_offset": "elements",
    "VR_BYTES": "vr",
    "VRS": "vr",
    "walk": "walk",
    "without_escapes": "walk",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = exports(__name__, _EXPORTS, globals())
