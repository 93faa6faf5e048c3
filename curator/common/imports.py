"""Third-party imports made cheaper at start-up.

``import pydicom`` loads ``pydicom.data`` (its pixel module asks it for palette files), whose
downloader of pydicom's optional test data imports ``requests`` (urllib3, charset
detection, cookies) and ``tqdm`` when they are installed: about a third of pydicom's import
time, for downloads curator never makes.  :func:`import_pydicom` imports pydicom with those
two hidden, so that pydicom takes its own fallback (``urllib`` downloads, no progress bar),
then un-hides them: a later ``import requests`` (the DICOMweb source) works as usual.
"""
from __future__ import annotations

import sys

DOWNLOAD_HELPERS = ("requests", "tqdm")  # optional imports of pydicom.data.download


def import_pydicom() -> None:
    """Import pydicom (once per process) without its optional download helpers."""
    if "pydicom" in sys.modules:
        return
    hidden = [name for name in DOWNLOAD_HELPERS if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # an import of it raises ImportError
    try:
        import pydicom  # noqa: F401
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
