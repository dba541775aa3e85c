"""Peer 1 fails in setup at once; peer 0 is slow to start (its import of this script sleeps),
so it opens its output file only after the master already aborted the job's output."""

import sys
import time

from hama_yarn import BSP

if "--task-index" in sys.argv and sys.argv[sys.argv.index("--task-index") + 1] == "0":
    time.sleep(1.5)


class SlowPeer0(BSP):
    def setup(self, peer):
        if peer.get_peer_index() == 1:
            raise RuntimeError("boom in setup on peer 1")

    def bsp(self, peer):
        peer.write("x", peer.get_peer_index())
        peer.sync()
