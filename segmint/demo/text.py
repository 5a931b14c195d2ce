"""Vectorised string building: millions of ids and codes without a Python loop per value.

Strings are assembled as byte matrices (one row per value) and handed to Arrow as the data
buffer of a string array, or joined column-wise with Arrow compute kernels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

Bytes = npt.NDArray[np.uint8]
Ints = npt.NDArray[np.int64]

#: Two hex digits per byte value, as the uint16 holding those two ASCII bytes.
_HEX_PAIRS = np.frombuffer(b"".join(b"%02x" % value for value in range(256)), np.uint16)
_LETTERS = np.frombuffer(b"ABCDEFGHJKLMNPRSTUVWXYZ", np.uint8)  # no I, O, Q: postcode-safe


def from_chars(chars: Bytes, lengths: npt.NDArray[np.integer] | None = None) -> pa.Array:
    """A string array from an (n, width) ASCII matrix, keeping the first ``lengths[i]`` bytes."""
    rows, width = chars.shape
    if lengths is None:
        data = np.ascontiguousarray(chars).ravel()
        offsets = np.arange(0, rows * width + 1, width, dtype=np.int64)
    else:
        data = chars[np.arange(width) < lengths[:, None]]
        offsets = np.zeros(rows + 1, np.int64)
        np.cumsum(lengths, out=offsets[1:])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.large_string(), rows, buffers).cast(pa.string())


def digit_chars(values: npt.NDArray[np.integer], width: int) -> Bytes:
    """Zero-padded decimal digits of non-negative integers, as an (n, width) matrix."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values.astype(np.int64)[:, None] // powers) % 10 + ord("0")).astype(np.uint8)


def random_digits(rng: np.random.Generator, rows: int, width: int) -> Bytes:
    return rng.integers(ord("0"), ord("9") + 1, (rows, width), dtype=np.uint8)


def random_letters(rng: np.random.Generator, rows: int, width: int) -> Bytes:
    return _LETTERS[rng.integers(0, len(_LETTERS), (rows, width))]


def uuids(rng: np.random.Generator, rows: int) -> pa.Array:
    """Random version-4 UUIDs: what event producers put in ``_id``."""
    raw = np.frombuffer(rng.bytes(rows * 16), np.uint8).reshape(rows, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    digits = _HEX_PAIRS[raw].view(np.uint8)
    chars = np.full((rows, 36), ord("-"), np.uint8)
    for start, end, at in ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24)):
        chars[:, at : at + end - start] = digits[:, start:end]
    return from_chars(chars)


def pick(words: Sequence[str] | pa.Array, index: npt.NDArray[np.integer]) -> pa.Array:
    """``words[index]`` as a string array; a negative index gives null."""
    vocabulary = words if isinstance(words, pa.Array) else pa.array(list(words), pa.string())
    positions = pa.array(index.astype(np.int32), mask=index < 0)
    return vocabulary.take(positions)


def join(*parts: pa.Array | str) -> pa.Array:
    """Concatenate string arrays (and literal strings) element-wise; null if any part is null."""
    return pc.binary_join_element_wise(*parts, "")


def mask(values: pa.Array, missing: npt.NDArray[np.bool_]) -> pa.Array:
    """Null out the positions where ``missing`` is true."""
    return pc.if_else(pa.array(missing), pa.nulls(len(values), values.type), values)


def fill(rng: np.random.Generator, patterns: Sequence[str], index: Ints) -> pa.Array:
    """Fill ASCII patterns (``#`` a random digit, ``@`` a random letter), one per row."""
    width = max(len(pattern) for pattern in patterns)
    table = np.zeros((len(patterns), width), np.uint8)
    for row, pattern in enumerate(patterns):
        table[row, : len(pattern)] = np.frombuffer(pattern.encode("ascii"), np.uint8)
    lengths = np.array([len(pattern) for pattern in patterns], np.int64)
    chars = table[index]
    rows = len(index)
    chars = np.where(chars == ord("#"), random_digits(rng, rows, width), chars)
    chars = np.where(chars == ord("@"), random_letters(rng, rows, width), chars)
    return from_chars(chars.astype(np.uint8), lengths[index])
