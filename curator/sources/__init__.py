"""Sources: where DICOM files come from (the first layer).  Every kind of source is opened by
:func:`curator.sources.registry.open_source`; :func:`curator.sources.base.source_kind` is the one
place that tells the kinds apart.

* :mod:`curator.sources.base`: what every source yields (``Item``, ``Rejection``), the source kinds, ``open_item``;
* :mod:`curator.sources.registry`: ``open_source``: the one registry of source kinds;
* :mod:`curator.sources.local`: folders and zip/tar archives (read member by member; archive safety);
* :mod:`curator.sources.dicomweb`: DICOMweb source (QIDO-RS, WADO-RS) and destination (STOW-RS, resumable journal);
* :mod:`curator.sources.fsspec_url`: ``s3://``, ``gs://``, ``file://`` sources through fsspec.

The names below are imported lazily (importing the package loads none of its modules).
"""
from __future__ import annotations

from curator.common.lazy import exports

# public name -> the module of this package that defines it
_EXPORTS = {
    "ARCHIVE_SEPARATOR": "base",
    "check_server": "dicomweb",
    "DicomWebItem": "dicomweb",
    "DicomWebSource": "dicomweb",
    "is_dicomweb_spec": "base",
    "is_fsspec_url": "base",
    "is_inside": "base",
    "Item": "base",
    "journal_keys": "dicomweb",
    "metadata_payload": "dicomweb",
    "open_item": "base",
    "open_source": "registry",
    "Rejection": "base",
    "Source": "base",
    "source_kind": "base",
    "store_instances": "dicomweb",
    "store_tree": "dicomweb",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = exports(__name__, _EXPORTS, globals())
