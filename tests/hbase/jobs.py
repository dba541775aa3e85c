"""BSP jobs the HBase tests run (importable by peers)."""

from __future__ import annotations

import json
from typing import Any

from hama_yarn import BSP


def to_json(value: Any) -> Any:
    """Record values as JSON: bytes -> hex, tuples/lists -> lists, dicts keyed by hex."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (tuple, list)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k.hex(): to_json(v) for k, v in value.items()}
    return value


class DumpRecords(BSP):
    """Writes ``row_hex<TAB>json(value)`` per input record (text output, one part per peer)."""

    def bsp(self, peer: Any) -> None:
        while (rec := peer.read_next()) is not None:
            peer.write(rec[0].hex(), json.dumps(to_json(rec[1]), sort_keys=True))


class ReadTwice(BSP):
    """Reads the split, ``reopen_input()``, reads it again; writes both counts."""

    def bsp(self, peer: Any) -> None:
        first = [r[0] for r in iter(peer.read_next, None)]
        peer.reopen_input()
        second = [r[0] for r in iter(peer.read_next, None)]
        peer.write(peer.get_peer_index(), f"{len(first)} {len(second)} {int(first == second)}")


class CopyToTable(BSP):
    """Copies every record to the output table (same cells); deletes rows named in ``test.delete.rows``."""

    def bsp(self, peer: Any) -> None:
        while (rec := peer.read_next()) is not None:
            peer.write(rec[0], rec[1])
        if peer.get_peer_index() == 0:
            for hexrow in (peer.get_configuration().get("test.delete.rows") or "").split(","):
                if hexrow:
                    peer.write(bytes.fromhex(hexrow), None)


class WriteThenFail(BSP):
    """Each peer writes ``test.rows`` rows ``p<index>-<n>``, syncs, then peer 0 fails."""

    def bsp(self, peer: Any) -> None:
        n = int(peer.get_configuration().get("test.rows") or "10")
        for i in range(n):
            peer.write(f"p{peer.get_peer_index()}-{i:04d}", {b"cf:v": str(i)})
        peer.sync()
        if peer.get_peer_index() == 0:
            raise RuntimeError("deliberate failure after writing")
