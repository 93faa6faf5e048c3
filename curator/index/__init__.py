"""The instance-level index: a source scanned (headers only, in parallel) into Parquet.

* :mod:`curator.index.store`: the index schema, Parquet read/write, keys (one-way hashes);
* :mod:`curator.index.scan`: parallel, streaming scan of a source into the index; re-scan skips unchanged files;
* :mod:`curator.index.extract`: one flat, identifier-free index record from one header;
* :mod:`curator.index.series_template`: headers that repeat one read before, matched byte for byte (the scan's fast path).

The names below are imported lazily (importing the package loads none of its modules).
"""
from __future__ import annotations

from curator.common.lazy import exports

# public name -> the module of this package that defines it
_EXPORTS = {
    "age_years": "extract",
    "FORMAT_VERSION": "store",
    "key": "store",
    "listed_fingerprints": "scan",
    "parquet_input": "store",
    "parquet_output": "store",
    "read_index_table": "store",
    "scan_source": "scan",
    "SCHEMA": "store",
    "scrub_path": "store",
    "seed_salt": "store",
    "token_hashes": "store",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = exports(__name__, _EXPORTS, globals())
