"""Bulk numpy parsing of integer-id text graphs for the vectorized path.

:func:`parse_text` turns a block of text lines into numpy arrays without a Python
call per edge: the block is encoded once, token boundaries come from a byte mask,
and the numbers from one ``np.fromstring(..., sep=" ")`` call (C ``strtoll`` /
``strtod``).  Raw adjacency bytes of only digits and single whitespace separators
(what the generators write) take a shorter path: the ids are read eight digits at a
time from unaligned 64-bit words (:func:`decimal_tokens`), the line starts from the
byte before each token (about 30% less time per MiB).  Two formats, with the readers' exact meaning:

``adjacency`` (:class:`~hama_yarn.graph.readers.AdjacencyReader`)
    ``id<TAB>dst dst:weight ...``: the first token of a line defines a vertex,
    every further token is an out-edge, ``:weight`` gives it a float weight.
``edgelist`` (:class:`~hama_yarn.graph.readers.EdgeListReader`)
    ``id`` (a vertex) or ``src dst [weight]`` (an edge; ``src`` is defined, and
    with *undirected* also ``dst`` plus the reverse edge).

Blank lines and lines whose first token starts with ``#`` are skipped, as by the
readers.  Anything the fast parser cannot reproduce exactly raises
:class:`Unsupported` and the caller falls back to the Vertex-object loader: ids that
are not canonical decimal integers (``a``, ``007``, ``+5``, ``-0``, ``1.0``, beyond
±10**18), weights with characters other than a float's, non-ASCII text, a line with
more than 3 fields in an edge list, an empty ``dst:`` weight.  The fallback loader
then either loads the graph with string ids or reports the bad record.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

__all__ = ["Unsupported", "ParsedGraph", "parse_text", "ID_LIMIT", "decimal_tokens", "MAX_DIGITS"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Ids must lie strictly within ±ID_LIMIT (int64 parsing saturates beyond 9.2e18).
ID_LIMIT = 10**18

_WS = 32  # bytes <= 32 are whitespace (the allowed ones: \t \n \v \f \r and space)

_ID_OK = np.zeros(256, dtype=bool)
_ID_OK[[9, 10, 11, 12, 13, 32]] = True
_ID_OK[ord("0"):ord("9") + 1] = True
_ID_OK[ord("-")] = True

_W_OK = _ID_OK.copy()
for _c in "+.:eEinfatyINFATY":
    _W_OK[ord(_c)] = True

#: The bytes ``_ID_OK`` / ``_W_OK`` allow, for :func:`_all_allowed`.
_ID_BYTES = bytes(np.flatnonzero(_ID_OK).tolist())
_W_BYTES = bytes(np.flatnonzero(_W_OK).tolist())

_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[ord("0"):ord("9") + 1] = True


#: Longest token of the integer fast paths (two 8-digit words).
MAX_DIGITS = 16

#: Per digit count k = 0..8: the low nibbles of the top k bytes of a little-endian word.
_DIGITS = np.array([int.from_bytes(b"\x00" * (8 - k) + b"\x0f" * k, "little") for k in range(9)], dtype=np.uint64)
_L1 = np.uint64(0x000F000F000F000F)
_L2 = np.uint64(0x0000007F0000007F)
_L3 = np.uint64(0x3FFF)
_U8 = np.uint64(8)


def _swar8(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Values of little-endian words of 8 digit values (0..9 per byte, the first digit in the low byte);
    *x* is overwritten."""
    t = x >> _U8
    t &= _L1
    x &= _L1
    x *= np.uint64(10)
    x += t
    t = x >> np.uint64(16)
    t &= _L2
    x &= _L2
    x *= np.uint64(100)
    x += t
    t = x >> np.uint64(32)
    t &= _L3
    x &= _L3
    x *= np.uint64(10000)
    x += t
    return x


def decimal_tokens(t: npt.NDArray[np.uint8], last: I64, lens: npt.NDArray[np.integer], padded: bool = False) -> I64:
    """The decimal numbers of 1..16 ASCII digits ending at ``t[last]`` (inclusive), *lens* digits each.

    Eight bytes at a time: an unaligned little-endian 64-bit view of the bytes gives the
    8 bytes ending at each token's last digit (in the top byte); the bytes before the
    token are masked off (leading zeros) and the digits combined pairwise (SWAR).

    Parameters
    ----------
    t : ndarray of uint8
        The bytes.
    last : ndarray of int64
        Offset of each token's last digit.
    lens : ndarray of int
        Digits per token, 1..16.
    padded : bool
        Every token's last digit lies at offset 15 or later (no padded copy of *t* is made).

    Returns
    -------
    ndarray of int64
        The numbers.
    """
    pad = 0 if padded else 16
    if pad:
        t = np.concatenate([np.zeros(pad, dtype=np.uint8), t])
    words = np.ndarray((len(t) - 7,), dtype="<u8", buffer=t, strides=(1,))
    end = last + (pad - 7)  # the word whose top byte is the last digit
    long = int(lens.max()) > 8 if len(lens) else False
    nlo = np.minimum(lens, 8) if long else lens
    w = words[end]
    w &= _DIGITS[nlo]
    lo = _swar8(w)
    if not long:
        return lo.view(np.int64)
    end -= 8
    hi = words[end]
    hi &= _DIGITS[lens - nlo]
    hi = _swar8(hi)
    hi *= np.uint64(100000000)
    hi += lo
    return hi.view(np.int64)


class Unsupported(Exception):
    """The text is not plain integer-id graph text; use the Vertex-object loader."""


class ParsedGraph:
    """Arrays of one parsed block: defined vertices, and edges ``src -> dst`` (``weight`` or None = 1.0).

    ``degree`` (or None: not known) is the number of edges of each entry of ``vertices``
    in this block when the edges are ``src = np.repeat(vertices, degree)``.
    """

    __slots__ = ("vertices", "src", "dst", "weight", "degree")

    def __init__(self, vertices: I64, src: I64, dst: I64, weight: F64 | None, degree: I64 | None = None) -> None:
        self.vertices = vertices
        self.src = src
        self.dst = dst
        self.weight = weight
        self.degree = degree


def _numbers(buf: npt.NDArray[np.uint8] | bytes, dtype: type, expected: int) -> npt.NDArray[np.generic]:
    if expected == 0:
        return np.zeros(0, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out: npt.NDArray[np.generic] = np.fromstring(buf if isinstance(buf, bytes) else buf.tobytes(),
                                                              dtype=dtype, sep=" ")
        except (ValueError, DeprecationWarning) as exc:
            raise Unsupported(str(exc)) from None
    if len(out) != expected:
        raise Unsupported(f"parsed {len(out)} numbers, expected {expected}")
    return out


def _all_allowed(b: bytes, allowed: bytes) -> bool:
    """Every byte of *b* is one of *allowed* (deleting those leaves nothing: one C pass, no lookup table)."""
    return not b.translate(None, allowed)


def _region_mask(size: int, lo: I64, hi: I64) -> npt.NDArray[np.bool_]:
    """Bytes within any ``[lo, hi]`` (inclusive, disjoint ranges)."""
    delta = np.zeros(size + 1, dtype=np.int8)
    delta[lo] = 1
    delta[hi + 1] -= 1
    return np.cumsum(delta[:size], dtype=np.int8) > 0


def _strip_comments(text: str) -> str:
    keep = []
    for line in text.split("\n"):
        head = line.split(None, 1)
        if not head or not head[0].startswith("#"):
            keep.append(line)
    return "\n".join(keep)


def _strip_comment_lines(text: bytes) -> bytes:
    return b"\n".join(line for line in text.split(b"\n") if not line.lstrip().startswith(b"#"))


#: Bytes before a block's text in :func:`_plain_adjacency` (a line break at the end of them).
_PAD = b" " * 15 + b"\n"


def _plain_adjacency(text: bytes) -> ParsedGraph | None:
    """Adjacency lines of plain non-negative integer ids, or None (use the general parser).

    The common case, read without ``strtoll``: only digits and whitespace, no ``-``,
    ``:`` or ``#``, single whitespace bytes between tokens (no blank lines, no runs of
    spaces), ids of 1..16 digits without leading zeros.  Token boundaries come from one
    whitespace mask, the numbers from :func:`decimal_tokens`, the line starts from the
    byte before each token.  A leading zero raises :class:`Unsupported` (as the general
    parser); everything else it does not cover returns None.
    """
    if b":" in text or b"-" in text or b"#" in text:
        return None
    raw = b"".join((_PAD, text, b"\n"))
    if not _all_allowed(raw, _ID_BYTES):
        return None  # bytes other than digits, '-' and whitespace: the general parser says which
    b = np.frombuffer(raw, dtype=np.uint8)
    ws = b <= _WS
    edge = np.flatnonzero(ws[1:] != ws[:-1])  # alternately: before a token start, a token end
    st = edge[0::2]
    st += 1
    en = edge[1::2]
    del edge
    ntok = len(st)
    if ntok == 0 or st[0] != len(_PAD):  # no token, or whitespace before the first line's
        return None
    if ntok > 1:
        gap = st[1:] - en[:-1]
        if int(gap.max()) != 2:  # a run of two or more whitespace bytes
            return None
        del gap
    lens = en - st
    lens += 1
    if int(lens.max()) > MAX_DIGITS:
        return None
    lead = b[st] == ord("0")
    if lead.any() and (lead & (lens > 1)).any():
        raise Unsupported("an id with a leading zero")
    is_first = b[st - 1] == 10
    ids = decimal_tokens(b, en, lens, padded=True)
    first = np.flatnonzero(is_first)
    vertices = ids[first]
    dst = ids[~is_first]
    counts = np.diff(first, append=ntok)
    counts -= 1
    src = np.repeat(vertices, counts)
    return ParsedGraph(vertices, src, dst, None, counts)


def parse_text(text: str | bytes, fmt: str, undirected: bool = False) -> ParsedGraph:
    """Parse newline-separated lines of *fmt* (``adjacency`` or ``edgelist``).

    *text* is a str, or the raw bytes of the lines (a block of a text file: no
    decoding; a byte that is not ASCII makes it Unsupported like any other
    character the parser does not accept).

    Raises
    ------
    Unsupported
        The text needs the Vertex-object loader (see the module docstring).
    """
    if fmt == "adjacency":
        try:
            plain = _plain_adjacency(text if isinstance(text, bytes) else text.encode("ascii"))
        except UnicodeEncodeError:
            plain = None  # the general path says why
        if plain is not None:
            return plain
    if isinstance(text, bytes):
        if b"#" in text:
            text = _strip_comment_lines(text)
        raw = b"".join((b"\n", text, b"\n"))  # bytes >= 128 fail the character check below
    else:
        if "#" in text:
            text = _strip_comments(text)
        try:
            raw = ("\n" + text + "\n").encode("ascii")
        except UnicodeEncodeError:
            raise Unsupported("non-ASCII text") from None
    b = np.frombuffer(raw, dtype=np.uint8)
    if not _all_allowed(raw, _W_BYTES):
        raise Unsupported("characters other than digits, signs and float syntax")
    ws = b <= _WS
    # token [st, en]: st follows whitespace, en precedes whitespace (the sentinels guarantee both)
    st = np.flatnonzero(ws[:-1] > ws[1:]) + 1
    en = np.flatnonzero(ws[1:] > ws[:-1])
    nl = np.flatnonzero(b == 10)
    counts = np.diff(np.searchsorted(st, nl))  # tokens per line
    first = np.searchsorted(st, nl[:-1][counts > 0])  # index of each non-blank line's first token
    counts = counts[counts > 0]
    ntok = len(st)
    is_weight = np.zeros(ntok, dtype=bool)
    if fmt == "adjacency":
        colons = np.flatnonzero(b == ord(":"))
        if len(colons):
            ctok = np.searchsorted(st, colons, side="right") - 1
            if len(ctok) > 1 and (np.diff(ctok) == 0).any():
                raise Unsupported("more than one ':' in a token")
            if ws[colons + 1].any():
                raise Unsupported("an empty ':' weight")
            is_weight[ctok] = True
            wmask = _region_mask(len(b), colons, en[ctok])
            wstart, wcount = colons, len(colons)
        else:
            wmask = None
            wcount = 0
    elif fmt == "edgelist":
        if (counts > 3).any():
            raise Unsupported("an edge-list line with more than 3 fields")
        wtok = first[counts == 3] + 2
        is_weight[wtok] = True
        wcount = len(wtok)
        wmask = _region_mask(len(b), st[wtok], en[wtok]) if wcount else None
        wstart = st[wtok] - 1
    else:
        raise ValueError(f"unknown format {fmt!r}")
    if wmask is not None:
        idb = np.where(wmask, np.uint8(_WS), b)
        wb = np.where(wmask, b, np.uint8(_WS))
        wb[wstart] = _WS  # the ':' (adjacency) / the space before (edge list)
    else:
        idb = b
        wb = None
    if not _all_allowed(raw if idb is b else idb.tobytes(), _ID_BYTES):
        raise Unsupported("an id that is not a decimal integer")
    # canonical integers only: '-' only first, no leading zeros, no "-0"
    ist = st  # an id token starts where its token starts
    first_ch = idb[ist]
    zero = ist[first_ch == ord("0")]
    if _DIGIT[idb[zero + 1]].any():
        raise Unsupported("an id with a leading zero")
    dashes = int(np.count_nonzero(idb == ord("-")))
    if dashes:  # else no id is negative
        minus = first_ch == ord("-")
        if dashes != int(minus.sum()):
            raise Unsupported("'-' inside an id")
        after = idb[ist[minus] + 1]
        if ((after == ord("0")) | ~_DIGIT[after]).any():
            raise Unsupported("'-0', '-' or '--' as an id")
    adjacency = fmt == "adjacency"
    nid = ntok if adjacency else ntok - wcount
    ids = _numbers(raw if idb is b else idb, np.int64, nid).astype(np.int64, copy=False)
    if len(ids) and not ((ids < ID_LIMIT) & (ids > -ID_LIMIT)).all():
        raise Unsupported("an id beyond 10**18")
    weights: F64 | None = None
    wv = _numbers(wb, np.float64, wcount).astype(np.float64, copy=False) if wb is not None else None
    if adjacency:
        # every token is an id (its ':weight' blanked out); line-first tokens are the vertices
        if wcount and is_weight[first].any():
            raise Unsupported("a vertex id with ':'")
        is_src = np.zeros(nid, dtype=bool)
        is_src[first] = True
        vertices = ids[first]
        dst = ids[~is_src]
        src = np.repeat(vertices, counts - 1)
        if wv is not None:
            wid = np.full(nid, 1.0)
            wid[is_weight] = wv  # colons (hence weights) are in token order
            weights = wid[~is_src]
    else:
        first_id = first - np.searchsorted(np.flatnonzero(is_weight), first) if wcount else first
        one = counts == 1
        vertices = ids[first_id[one]]
        e0 = first_id[~one]
        src, dst = ids[e0], ids[e0 + 1]
        if wv is not None:
            wl = np.full(len(e0), 1.0)
            wl[counts[~one] == 3] = wv
            weights = wl
        vertices = np.concatenate([vertices, src])
        if undirected:
            vertices = np.concatenate([vertices, dst])
            src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
            if weights is not None:
                weights = np.concatenate([weights, weights])
    return ParsedGraph(vertices, src, dst, weights)
