"""Each peer sends 1, 2, 3 to every peer; writes what it received (``got<TAB>[...]``)."""

import json

from hama_yarn import BSP, Combiner


class SumCombiner(Combiner):
    def combine(self, messages):
        return sum(messages)


class Send123(BSP):
    def bsp(self, peer):
        for name in peer.get_all_peer_names():
            for v in (1, 2, 3):
                peer.send(name, v)
        peer.sync()
        peer.write("got", json.dumps(sorted(peer.messages())))
