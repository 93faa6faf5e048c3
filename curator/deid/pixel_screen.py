"""The pixel screen over a whole source, for the audit report.

Header flags cannot be trusted: every instance whose pixel data can be decoded is looked at
by :func:`curator.deid.pixels.screen` (text-like regions in the bands along the image's
edges), in parallel.  The result counts instances per modality, never a value or a path.
"""
from __future__ import annotations

import io
import os
import warnings
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any

from curator.dicom.header import check_inflated_size
from curator.common.executors import make_executor
from curator.sources.base import Item
from curator.sources.registry import open_source

BATCH = 16  # items per round trip to a worker
IN_FLIGHT_PER_WORKER = 3


def _screen_one(relpath: str, path: str | None, data: bytes | None) -> tuple[str, str] | None:
    """(modality, outcome) of one item: outcome ``text_like``, ``clear`` or ``not_decoded``;
    None when it is not an image (not DICOM, no pixel data, a 1-bit mask)."""
    import logging

    import pydicom

    from curator.deid import pixels

    logging.getLogger("pydicom").setLevel(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if data is None:
                data = Item(relpath, 0, "", path=path).read()
            check_inflated_size(io.BytesIO(data), len(data))  # a deflate bomb is never inflated whole
            ds = pydicom.dcmread(io.BytesIO(data), force=True)
            if pixels.skipped(ds):  # no pixel data, or 1-bit masks
                return None
            modality = str(ds.get("Modality", "") or "").strip().upper() or "(missing)"
        except Exception:  # noqa: BLE001 - the scan reports unreadable files
            return None
        pixels.syntax_from_encoding(ds)  # a raw dataset (no file meta) is decoded as it was read
        reason = pixels.screen(ds)  # frames decoded one at a time when the image is large
        if reason is not None and reason.startswith(pixels.NOT_SCREENED):  # no decoder, a broken or too large frame
            return modality, "not_decoded"
        return modality, "text_like" if reason else "clear"


def _screen_batch(tasks: list[tuple[str, str | None, bytes | None]]) -> list[tuple[str, str] | None]:
    return [_screen_one(*task) for task in tasks]


def screen_source(source: str | os.PathLike[str], workers: int | None = None, scheduler: str | None = None) -> dict[str, Any]:
    """Instances screened, text-like and not decodable, in total and per modality."""
    counts: dict[str, Counter] = {}
    pool = make_executor(workers, scheduler)
    limit = max(pool.workers * IN_FLIGHT_PER_WORKER, 1)
    pending: set[Future] = set()

    def collect(block: bool) -> None:
        while pending and (block or len(pending) >= limit):
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                pending.discard(future)
                for result in future.result():
                    if result is not None:
                        counts.setdefault(result[0], Counter())[result[1]] += 1

    with pool:  # the workers stop however the screen ends
        batch: list[tuple[str, str | None, bytes | None]] = []
        for item in open_source(source).items():
            if not isinstance(item, Item):
                continue
            batch.append((item.relpath, item.path, item.data if item.path is None else None))
            if len(batch) >= BATCH:
                pending.add(pool.submit(_screen_batch, batch))
                batch = []
                collect(False)
        if batch:
            pending.add(pool.submit(_screen_batch, batch))
        collect(True)
    by_modality = {
        modality: {"screened": c["text_like"] + c["clear"], "text_like": c["text_like"], "not_decoded": c["not_decoded"]}
        for modality, c in sorted(counts.items())
    }
    return {
        "screened": sum(m["screened"] for m in by_modality.values()),
        "text_like": sum(m["text_like"] for m in by_modality.values()),
        "not_decoded": sum(m["not_decoded"] for m in by_modality.values()),
        "by_modality": by_modality,
    }
