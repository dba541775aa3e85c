"""Text output lines ``id<TAB>repr(value)`` of small positive floats in bulk, with pyarrow.

Python writes a float as its shortest round-trip digits (``repr``); formatting them one
by one (``dtoa``) is most of the vectorized PageRank's output time.  pyarrow's cast of
a double array to strings gives the same shortest digits (the *double-conversion*
library: the shortest string that reads back as the same double, nearest to it when
several are), in a JavaScript-like layout (``0.000015``, ``1e-7``).  For values in
``(0, 1e-4)`` - what PageRank gives every vertex of a graph of more than ~10**4
vertices but a few - Python's layout is always ``d.ddde-XX`` (scientific below
``1e-4``, at least two exponent digits), so the digits and the decimal exponent are
read back from pyarrow's strings and laid out that way, column-wise.

:func:`lines` returns None (the caller formats value by value) when pyarrow is not
installed (it is optional: ``pip install 'hama-yarn[arrow]'``), when a value is not
in ``(0, 1e-4)``, or when a string does not have the expected shape.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

__all__ = ["lines", "LIMIT"]

#: Values below this (and above 0) take the bulk path: Python writes them in scientific notation.
LIMIT = 1e-4

_pa: Any = None


def _arrow() -> Any:
    """``(pyarrow, pyarrow.compute)``, or False when pyarrow is missing (remembered)."""
    global _pa
    if _pa is None:
        try:
            import pyarrow as pa
            import pyarrow.compute as pc
        except ImportError:
            _pa = False
        else:
            _pa = (pa, pc)
    return _pa


def lines(keys: npt.NDArray[np.int64], values: npt.NDArray[np.float64]) -> bytes | None:
    """``b"id\\tvalue\\n"`` for every pair, values as ``repr(float(v))``; None: not applicable.

    Parameters
    ----------
    keys : ndarray of int64
        The vertex ids.
    values : ndarray of float64
        Their values, all in ``(0, LIMIT)`` for the bulk path.

    Returns
    -------
    bytes or None
        The lines (each ending in a line break), or None (see the module docstring).
    """
    mods = _arrow()
    if not mods or not len(values):
        return None
    if not (float(values.min()) > 0.0 and float(values.max()) < LIMIT):
        return None
    pa, pc = mods
    n = len(values)
    s = pc.cast(pa.array(values, type=pa.float64()), pa.string())
    # pyarrow writes a value below 1e-4 as 0.000ddd or as d[.ddd]e-X (Python: d[.ddd]e-0X, e-XX, e-XXX)
    fixed = np.asarray(pc.starts_with(s, "0."), dtype=bool)
    epos = np.asarray(pc.find_substring(s, "e-"), dtype=np.int64)
    slen = np.asarray(pc.binary_length(s), dtype=np.int64)
    if bool(((epos < 0) == ~fixed).any()):
        return None  # a shape this module does not know
    if fixed.any():
        digits = pc.ascii_ltrim(s, characters="0.")  # 0.000051 -> 51: the first digit is at 10**-(zeros + 1)
        dlen = np.asarray(pc.binary_length(digits), dtype=np.int64)
        power = slen - dlen - 1  # zeros after the point, + 1
        if bool((fixed & ((dlen < 1) | (power < 5))).any()):
            return None
        head = pc.utf8_slice_codeunits(digits, 0, 1)
        mant = pc.if_else(pa.array(dlen > 1), pc.binary_join_element_wise(head, pc.utf8_slice_codeunits(digits, 1), "."), head)
        expo = pc.ascii_lpad(pc.cast(pa.array(power), pa.string()), width=2, padding="0")
        sci = pc.binary_join_element_wise(mant, expo, "e-")
    else:
        sci = s
    short = ~fixed & (slen - epos == 3)  # one exponent digit: e-7 -> e-07
    if short.any():
        s = pc.if_else(pa.array(short), pc.replace_substring(s, "e-", "e-0"), s)
    if fixed.any():
        s = pc.if_else(pa.array(fixed), sci, s)
    text = pc.binary_join_element_wise(pc.cast(pa.array(keys, type=pa.int64()), pa.string()), s, "\t")
    text = pc.binary_join_element_wise(text, pa.scalar(""), "\n")
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset:text.offset + n + 1]
    out: bytes = text.buffers()[2].to_pybytes()[int(offsets[0]):int(offsets[-1])]
    return out
