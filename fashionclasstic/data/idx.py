"""A strict reader for the IDX format of (Fashion-)MNIST.

Strict because a silently truncated or mislabelled file would corrupt a benchmark without
anyone noticing: the magic number, the dimensions and the byte count must all agree.
"""

from __future__ import annotations

import struct

import numpy as np

from fashionclasstic.errors import DataError

UNSIGNED_BYTE = 0x08


def parse_idx(raw: bytes, name: str, *, ndim: int, count: int | None = None,
              item_shape: tuple[int, ...] | None = None, max_value: int | None = None) -> np.ndarray:
    """Parse IDX bytes of unsigned bytes into a read-only-free ``uint8`` array.

    ``ndim`` is 3 for images and 1 for labels; ``count``, ``item_shape`` and ``max_value``
    are checked when given. ``name`` only appears in error messages.
    """
    if len(raw) < 4:
        raise DataError(f"{name}: {len(raw)} bytes is too short for an IDX header; the file is truncated.")
    zero, dtype_code, found_ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != UNSIGNED_BYTE or found_ndim != ndim:
        raise DataError(
            f"{name}: bad IDX magic number 0x{raw[:4].hex()} (expected 0x0000080{ndim}: "
            f"unsigned bytes, {ndim} dimension{'s' if ndim > 1 else ''}); this is not the expected file.")
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise DataError(f"{name}: the IDX header is truncated ({len(raw)} bytes).")
    dims = struct.unpack(f">{ndim}I", raw[4:header_size])
    expected_bytes = header_size + int(np.prod(dims, dtype=np.int64))
    if len(raw) != expected_bytes:
        state = "truncated" if len(raw) < expected_bytes else "longer than its header says"
        raise DataError(f"{name}: the file is {state}: {len(raw)} bytes, the header "
                        f"{'x'.join(map(str, dims))} needs {expected_bytes}.")
    if count is not None and dims[0] != count:
        raise DataError(f"{name}: holds {dims[0]} items, expected {count}.")
    if item_shape is not None and tuple(dims[1:]) != tuple(item_shape):
        raise DataError(f"{name}: items are {'x'.join(map(str, dims[1:]))}, expected "
                        f"{'x'.join(map(str, item_shape))}.")
    array = np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(dims).copy()
    if max_value is not None and array.size and int(array.max()) > max_value:
        raise DataError(f"{name}: holds the value {int(array.max())}, above the allowed maximum {max_value}.")
    return array
