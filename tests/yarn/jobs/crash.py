"""Peer 0 dies without reporting (as a container killed by the OS would)."""

import os
import sys

from hama_yarn import BSP


class Crash(BSP):
    def bsp(self, peer):
        peer.sync()
        if peer.get_peer_index() == 0:
            print("crash-marker: peer 0 exits hard", file=sys.stderr, flush=True)
            os._exit(3)
        for _ in range(100):
            peer.sync()
