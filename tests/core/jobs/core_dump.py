"""Writes every input record it reads as ``rec<TAB>[key, value]`` and the count as ``n<TAB>count``."""

import json

from hama_yarn import BSP


class Dump(BSP):
    def bsp(self, peer):
        n = 0
        while (rec := peer.read_next()) is not None:
            peer.write("rec", json.dumps(list(rec)))
            n += 1
        peer.write("n", json.dumps(n))
