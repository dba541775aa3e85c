"""Each peer writes which of a few heavy modules its process has loaded (tests/io/test_localfs.py)."""

from __future__ import annotations

import sys
from typing import Any

from hama_yarn import BSP


class LoadedModules(BSP):
    """``<peer index>\\t<space-separated names of the watched modules loaded in this peer>``."""

    WATCHED = ("fsspec",)

    def bsp(self, peer: Any) -> None:
        peer.sync()
        peer.write(peer.get_peer_index(), " ".join(m for m in self.WATCHED if m in sys.modules) or "-")
