"""The index seen series by series (or study by study), computed in Arrow.

The audit needs, for every series, its first row in path order (the normalizer's
evidence, the study it belongs to), the first row where a column has a value
(acquisition and segmentation facts) and the most frequent value of a column; for every
study, the first age and sex. A ``GroupView`` sorts the index once by ``(key, path)``
and answers all of these with vectorized Arrow and NumPy operations, so their cost stays
a few hundred milliseconds per million instances.

Rows whose key is null (never written by the scan, which keys a missing Series or Study
Instance UID as the empty string) belong to no group and are left out.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def present(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """True where ``column`` holds a value: not null and, for text, not empty."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return pc.fill_null(pc.not_equal(column, ""), False)
    return pc.is_valid(column)


def run_starts(keys: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Positions where a new run of equal values starts in sorted ``keys`` (no nulls)."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    keys = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    changed = pc.not_equal(keys.slice(1), keys.slice(0, n - 1)).to_numpy(zero_copy_only=False)
    return np.concatenate([[0], np.flatnonzero(changed) + 1]).astype(np.int64)


class GroupView:
    """The rows of an index table (indexed instances) grouped by ``key`` (``series_key``
    or ``study_key``), groups sorted by key and rows within a group by path."""

    def __init__(self, table: pa.Table, key: str = "series_key"):
        self._kept = pc.is_valid(table[key]) if table[key].null_count else None
        if self._kept is not None:
            table = table.filter(self._kept)
        self.table = table
        # Row numbers of ``table`` in (key, path) order.
        self.order = pc.sort_indices(table.select([key, "path"]), [(key, "ascending"), ("path", "ascending")])
        sorted_keys = table[key].take(self.order)
        self.starts = run_starts(sorted_keys)
        self.keys: list[str] = sorted_keys.take(pa.array(self.starts)).to_pylist()
        self.sizes = np.diff(np.append(self.starts, len(table))).astype(np.int64)
        # Group number (position in ``keys``) of every row, in sorted order.
        self._group_of_sorted = np.repeat(np.arange(len(self.keys), dtype=np.int64), self.sizes)

    def __len__(self) -> int:
        return len(self.keys)

    def first_table(self, columns: Sequence[str]) -> pa.Table:
        """The first row (path order) of every group, in key order."""
        return self.table.select(list(columns)).take(self.order.take(pa.array(self.starts)))

    def first_rows(self, columns: Sequence[str]) -> list[dict[str, Any]]:
        """The first row (path order) of every group, in key order, as Python values."""
        return self.first_table(columns).to_pylist()

    def first_present(self, column: str) -> dict[str, Any]:
        """The first value (path order) of ``column`` that is present, by group key."""
        return self._first_where(present(self.table[column]), column)

    def first_where(self, mask: pa.ChunkedArray | pa.Array, column: str) -> dict[str, Any]:
        """The value of ``column`` in the first row (path order) of each group where
        ``mask`` (one flag per row of the table given) holds, by group key."""
        if self._kept is not None:
            mask = mask.filter(self._kept)
        return self._first_where(pc.fill_null(mask, False), column)

    def _first_where(self, mask: pa.ChunkedArray | pa.Array, column: str) -> dict[str, Any]:
        positions = np.flatnonzero(mask.take(self.order).to_numpy(zero_copy_only=False))
        if not len(positions):
            return {}
        groups = self._group_of_sorted[positions]
        firsts = positions[run_starts(pa.array(groups))]
        values = self.table[column].take(self.order.take(pa.array(firsts))).to_pylist()
        return {self.keys[g]: v for g, v in zip(self._group_of_sorted[firsts], values)}

    def any_present(self, column: str) -> set[str]:
        """Keys of the groups where ``column`` is present in at least one row."""
        return set(self.first_present(column))

    def modes(self, column: str) -> list[Any]:
        """The most frequent present value of ``column`` of every group, in key order
        (ties: the smallest value; None where the group has no value)."""
        codes, values = self._codes(column)
        if not len(values):
            return [None] * len(self.keys)
        first = codes[self.starts]
        # Most series hold one value throughout: their mode is their first value.
        changes = np.flatnonzero(codes[1:] != codes[:-1]) + 1
        varying = np.unique(self._group_of_sorted[changes[self._group_of_sorted[changes] == self._group_of_sorted[changes - 1]]])
        mode = first.copy()
        if len(varying):
            rows = np.flatnonzero(np.isin(self._group_of_sorted, varying) & (codes >= 0))
            series, value = self._group_of_sorted[rows], codes[rows]
            pairs, counts = np.unique(series * len(values) + value, return_counts=True)
            pair_series, pair_value = pairs // len(values), pairs % len(values)
            rank = np.empty(len(values), dtype=np.int64)
            rank[pc.sort_indices(values).to_numpy()] = np.arange(len(values))
            best = np.lexsort((rank[pair_value], -counts, pair_series))
            chosen = best[np.concatenate([[True], pair_series[best][1:] != pair_series[best][:-1]])] if len(best) else best
            mode[varying] = -1  # a varying series with no present value has no mode
            mode[pair_series[chosen]] = pair_value[chosen]
        names = [*values.to_pylist(), None]  # code -1 picks None
        return [names[m] for m in mode.tolist()]

    def distinct(self, column: str) -> list[tuple[Any, ...]]:
        """The present values of ``column`` of every group, distinct and sorted, in key order."""
        codes, values = self._codes(column)
        out: list[list[Any]] = [[] for _ in self.keys]
        if len(values):
            rows = np.flatnonzero(codes >= 0)
            pairs = np.unique(self._group_of_sorted[rows] * len(values) + codes[rows])
            names = values.to_pylist()
            for group, value in zip((pairs // len(values)).tolist(), (pairs % len(values)).tolist()):
                out[group].append(names[value])
        return [tuple(sorted(group)) for group in out]

    def _codes(self, column: str) -> tuple[np.ndarray, pa.Array]:
        """Codes of ``column`` in sorted row order (-1: not present) and the values they stand for."""
        data = self.table[column]
        data = data.combine_chunks() if isinstance(data, pa.ChunkedArray) else data
        encoded = pc.dictionary_encode(data)
        values = encoded.dictionary
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        absent = np.flatnonzero(~present(values).to_numpy(zero_copy_only=False))
        if len(absent):
            codes[np.isin(codes, absent)] = -1
        return codes[self.order.to_numpy()], values


def value_codes(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """An integer per row, equal where the values are equal (nulls: -1); lists are compared whole."""
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        column = pc.binary_join(pc.cast(column, pa.list_(pa.string())), "\\")
    data = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return pc.fill_null(pc.dictionary_encode(data).indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def row_groups(codes: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Rows with equal codes in every column share a group: (first row of each group, group of each row)."""
    group = np.zeros(len(codes[0]) if codes else 0, dtype=np.int64)
    for column in codes:
        _, group = np.unique(group * (int(column.max(initial=-1)) + 2) + column + 1, return_inverse=True)
        group = group.reshape(-1).astype(np.int64)
    _, first = np.unique(group, return_index=True)
    return first, group
