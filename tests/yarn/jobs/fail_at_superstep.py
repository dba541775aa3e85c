"""Peer 1 raises at superstep 2; the others keep syncing."""

from hama_yarn import BSP


class FailAtSuperstep(BSP):
    def bsp(self, peer):
        for _ in range(5):
            if peer.get_peer_index() == 1 and peer.get_superstep_count() == 2:
                raise ValueError("boom from peer 1")
            peer.sync()
