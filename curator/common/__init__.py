"""Shared utilities any layer may use; they import nothing from the other layers.

* :mod:`curator.common.csvcell`: every CSV cell safe from spreadsheet formulas (OWASP);
* :mod:`curator.common.jsontext`: every JSON number finite (``allow_nan=False``);
* :mod:`curator.common.fold`: the one Unicode fold used by every match (``mappings/fold.yaml``);
  ``repair_mojibake``: UTF-8 text that was decoded as Windows-1252, repaired;
* :mod:`curator.common.executors`: local process pool, in-process, or Dask cluster behind one interface; the crash-tolerant parallel map;
* :mod:`curator.common.faults`: one run at a time per output or index (lock files); a full disk as a clear error;
* :mod:`curator.common.journal`: the journal of outputs written (with SHA-256), verified when a killed run is resumed;
* :mod:`curator.common.imports`: pydicom imported without its test-data downloader (start-up time);
* :mod:`curator.common.regular`: a named file opened without blocking, refused unless regular (and small);
* :mod:`curator.common.visible`: text shown on a terminal with its control characters escaped;
* :mod:`curator.common.lazy`: the lazy public names of every subpackage (PEP 562 `__getattr__`).

The names below are imported lazily (importing the package loads none of its modules).
"""
from __future__ import annotations

from curator.common.lazy import exports

# public name -> the module of this package that defines it
_EXPORTS = {
    "check_workers": "executors",
    "disk_full_is_an_error": "faults",
    "exclusive": "faults",
    "Executor": "executors",
    "finite": "jsontext",
    "fold": "fold",
    "repair_mojibake": "fold",
    "is_no_space": "faults",
    "Journal": "journal",
    "load": "userfile",
    "make_executor": "executors",
    "matches": "journal",
    "max_local_workers": "executors",
    "NO_SPACE": "faults",
    "no_space_message": "faults",
    "NoSpaceError": "faults",
    "NotASmallFile": "regular",
    "open_regular": "regular",
    "read_named": "regular",
    "read_small": "regular",
    "read_yaml": "userfile",
    "Ready": "executors",
    "RunLocked": "faults",
    "safe_frame": "csvcell",
    "SCHEDULER_ENV": "executors",
    "SerialExecutor": "executors",
    "slug": "slug",
    "spreadsheet_safe": "csvcell",
    "TIMEOUT_ENV": "executors",
    "tolerant_map": "executors",
    "UserModel": "userfile",
    "visible": "visible",
    "writing": "faults",
    "written_with": "journal",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = exports(__name__, _EXPORTS, globals())
