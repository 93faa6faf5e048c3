"""Start-up made cheaper: third-party imports, and the garbage collector while a process loads.

``import pydicom`` loads ``pydicom.data`` (its pixel module asks it for palette files), whose
downloader of pydicom's optional test data imports ``requests`` (urllib3, charset
detection, cookies) and ``tqdm`` when they are installed: about a third of pydicom's import
time, for downloads curator never makes.  :func:`import_pydicom` imports pydicom with those
two hidden, so that pydicom takes its own fallback (``urllib`` downloads, no progress bar),
then un-hides them: a later ``import requests`` (the DICOMweb source) works as usual.

:func:`gc_paused`: while a run's process imports its modules and builds its tables, word
lists and lexicon, every object it makes lives for the whole run, so each collection of
the cyclic garbage collector would only traverse them again (a fifth of a run's start-up).

:func:`gc_frozen`: processes forked in the block inherit every object alive then as frozen
(``gc.freeze``, Python's advice for ``fork`` without ``exec``): a worker's collector never
traverses the tables and word lists it inherited, nor copies their pages by writing to
their headers; the forking process gets its objects back at the end of the block.
"""
from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Iterator

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


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block (reference counting still frees what
    is dropped), then back as it was.  Never around work that forks a process."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def gc_frozen() -> Iterator[None]:
    """Every object alive now out of the collector's reach for the block (``gc.freeze``),
    then back (``gc.unfreeze``); processes forked in the block keep them frozen.  Nothing
    changes when objects are already frozen (the process froze them itself)."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
