"""Peer 1 calls sync() once more than the others: its last barrier can never complete."""

from hama_yarn import BSP


class Uneven(BSP):
    def bsp(self, peer):
        for _ in range(2 + (peer.get_peer_index() == 1)):
            peer.sync()
