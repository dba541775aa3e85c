"""A job that runs supersteps until a file appears (so a test can look at it while it runs).

Each superstep every peer sends one message to every peer and counts it; peer 0
computes longest (it is the slowest peer).  ``test.stop.file`` names the file;
``test.max.supersteps`` bounds the run.  The peers print a line per superstep to
stderr (the logs page shows it).
"""

import os
import sys
import time

from hama_yarn import BSP


class Gated(BSP):
    def bsp(self, peer):
        conf = peer.get_configuration()
        stop = conf.get("test.stop.file")
        limit = int(conf.get("test.max.supersteps") or 200)
        delay = 0.05 if peer.get_peer_index() == 0 else 0.01
        for step in range(limit):
            time.sleep(delay)
            # peer 0 decides when to stop and tells everyone, so all peers stop at the same superstep
            stopping = peer.get_peer_index() == 0 and bool(stop) and os.path.exists(stop)
            for name in peer.get_all_peer_names():
                peer.send(name, "stop" if stopping else step)
            peer.increment_counter("gated", "SENT_BY_USER", peer.get_num_peers())
            print(f"gated peer {peer.get_peer_index()} superstep {step}", file=sys.stderr, flush=True)
            peer.sync()
            done = False
            while (msg := peer.get_current_message()) is not None:
                done = done or msg == "stop"
            if done:
                break
