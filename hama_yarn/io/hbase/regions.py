"""One split per region: region boundaries from the Thrift server, dealt to the peers.

A split is JSON-able: ``{"hbase": table, "regions": [[start_hex, stop_hex], ...]}``,
each pair the part of one region the scan covers (hex, empty = open end).  Regions are
dealt in key order as contiguous groups (region *i* of *R* goes to peer
``i * N // R``), so every peer scans whole regions and no region is scanned twice.
Peers beyond the number of regions get empty splits.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from .connection import HBaseError, TableNotFound, server_message, thrift_module

log = logging.getLogger(__name__)

__all__ = ["table_regions", "clip_regions", "deal_regions", "Region"]

#: tries of getTableRegions while regions are in transition (0.5 s, 1 s, ... apart)
_LIST_ATTEMPTS = 6

#: ``(start, stop)`` row keys of a region; ``b""`` is an open end.
Region = tuple[bytes, bytes]


def table_regions(conn: Any, table: str, address: str) -> list[Region]:
    """The regions of *table* in key order, as reported by the Thrift server.

    Raises
    ------
    TableNotFound
        The table does not exist.
    """
    from thriftpy2.thrift import TApplicationException

    hb = thrift_module()
    for attempt in range(_LIST_ATTEMPTS):
        try:
            infos = conn.client.getTableRegions(table.encode())
            break
        except hb.IOError as exc:
            raise TableNotFound(f"HBase table {table!r}: cannot list its regions on {address}: "
                                f"{server_message(exc)}") from exc
        except TApplicationException as exc:  # a region in transition (split, move): ask again
            if attempt + 1 == _LIST_ATTEMPTS:
                raise HBaseError(f"HBase table {table!r}: the Thrift server {address} could not list its "
                                 f"regions {_LIST_ATTEMPTS} times (regions in transition?): {exc!r}") from exc
            log.info("listing the regions of %s failed (%r); retrying", table, exc)
            time.sleep(0.5 * (attempt + 1))
    regions = sorted((bytes(r.startKey or b""), bytes(r.endKey or b"")) for r in infos)
    if not regions:
        raise HBaseError(f"HBase table {table!r} has no regions online (Thrift server {address})")
    return regions


def clip_regions(regions: list[Region], start: bytes, stop: bytes) -> list[Region]:
    """The parts of *regions* inside the scan range ``[start, stop)`` (empty = open)."""
    out: list[Region] = []
    for r_start, r_stop in regions:
        lo = max(r_start, start)
        if r_stop and stop:
            hi = min(r_stop, stop)
        else:
            hi = r_stop or stop
        if hi and lo >= hi:
            continue
        out.append((lo, hi))
    return out


def deal_regions(table: str, regions: list[Region], num_splits: int) -> list[dict[str, Any]]:
    """Exactly *num_splits* splits, region *i* to split ``i * num_splits // len(regions)``."""
    splits: list[dict[str, Any]] = [{"hbase": table, "regions": []} for _ in range(num_splits)]
    total = len(regions)
    for i, (lo, hi) in enumerate(regions):
        splits[i * num_splits // total]["regions"].append([lo.hex(), hi.hex()])
    log.info("HBase table %s: %d regions in scan range dealt to %d peers", table, total, num_splits)
    return splits
