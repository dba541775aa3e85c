"""Runs many short supersteps (sleeping in each) until killed; cleanup writes a marker."""

import time
from pathlib import Path

from hama_yarn import BSP


class Sleeper(BSP):
    def bsp(self, peer):
        steps = int(peer.get_configuration().get("test.steps") or 600)
        for _ in range(steps):
            time.sleep(0.1)
            peer.sync()

    def cleanup(self, peer):
        d = peer.get_configuration().get("test.marker.dir")
        if d:
            Path(d, f"cleanup-{peer.get_peer_index()}").write_text(str(peer.get_superstep_count()))
