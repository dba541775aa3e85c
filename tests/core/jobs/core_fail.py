"""Fails on purpose, as told by the configuration.

test.fail.where  setup | bsp | cleanup | sigkill | unknownpeer | none
test.fail.peer   index of the failing peer (default 1)
test.fail.step   superstep at which bsp/sigkill/unknownpeer fail (default 2)
test.marker.dir  cleanup() writes ``cleanup-<index>`` there (content: the superstep)
Runs 3 supersteps, each peer sending one message to every peer per superstep.
"""

import os
import signal
from pathlib import Path

from hama_yarn import BSP


class Fail(BSP):
    def _cfg(self, peer):
        conf = peer.get_configuration()
        self.where = conf.get("test.fail.where") or "none"
        self.peer = int(conf.get("test.fail.peer") or 1)
        self.step = int(conf.get("test.fail.step") or 2)
        self.me = peer.get_peer_index()
        self.failing = self.me == self.peer

    def setup(self, peer):
        self._cfg(peer)
        if self.failing and self.where == "setup":
            raise RuntimeError(f"boom in setup on peer {self.me}")

    def bsp(self, peer):
        for step in range(3):
            assert peer.get_superstep_count() == step
            if self.failing and step == self.step:
                if self.where == "bsp":
                    raise ValueError(f"boom in bsp on peer {self.me} at superstep {step}")
                if self.where == "sigkill":
                    os.kill(os.getpid(), signal.SIGKILL)
                if self.where == "unknownpeer":
                    peer.send("bogus-host:1", "lost")
            for name in peer.get_all_peer_names():
                peer.send(name, step)
            peer.write(self.me, step)
            peer.sync()

    def cleanup(self, peer):
        d = peer.get_configuration().get("test.marker.dir")
        if d:
            Path(d, f"cleanup-{peer.get_peer_index()}").write_text(str(peer.get_superstep_count()))
        if getattr(self, "failing", False) and self.where == "cleanup":
            raise KeyError(f"boom in cleanup on peer {self.me}")
