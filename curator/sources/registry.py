"""The one registry of source kinds: :func:`open_source` opens a folder or an archive
(:mod:`curator.sources.local`), a DICOMweb server (:mod:`curator.sources.dicomweb`) or an
fsspec URL (:mod:`curator.sources.fsspec_url`), as :func:`curator.sources.base.source_kind`
tells them apart.  The DICOMweb and fsspec modules are imported only when such a source is
opened (they load HTTP and pandas machinery a folder does not need).
"""
from __future__ import annotations

import os

from curator.sources.base import Source, source_kind
from curator.sources.local import open_path


def open_source(spec: str | os.PathLike[str]) -> Source:
    """The source named by ``spec`` (a folder, an archive path, a DICOMweb URL or an fsspec URL).

    Raises :class:`~curator.errors.CuratorError` with a clear message when it does not exist
    or is not a folder or a readable archive.
    """
    text = os.fspath(spec)
    kind = source_kind(text)
    if kind == "dicomweb":
        from curator.sources.dicomweb import DicomWebSource

        return DicomWebSource(text)  # QIDO-RS / WADO-RS
    if kind == "fsspec":
        from curator.sources.fsspec_url import open_url

        return open_url(text)  # s3://, gs://, file://… through fsspec
    return open_path(text)
