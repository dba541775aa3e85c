"""One superstep, nothing else (launch overhead)."""

from hama_yarn import BSP


class Trivial(BSP):
    def bsp(self, peer):
        peer.sync()
