"""Exercises every peer operation of the streaming protocol; writes what it saw as key/value records."""

import json

from hama_yarn.streaming import BSP, run


class Api(BSP):
    def setup(self, peer):
        self.setup_step = peer.get_superstep_count()

    def bsp(self, peer):
        out = {}
        out["num_peers"] = peer.get_num_peers()
        out["index"] = peer.get_peer_index()
        out["camel"] = [peer.getNumPeers(), peer.getPeerIndex(), peer.getSuperstepCount()]
        names = peer.getAllPeerNames()
        out["names"] = names
        out["self_is_indexed"] = names[peer.get_peer_index()] == peer.getPeerName()
        out["name_for_index_0"] = peer.getPeerNameForIndex(0)
        out["out_of_range"] = peer.get_peer_name(99)
        first = []
        rec = peer.readNext()
        while rec is not False:
            first.append(rec)
            rec = peer.readNext()
        peer.reopenInput()
        again = []
        rec = peer.read_next()
        while rec is not None:
            again.append(list(rec))
            rec = peer.read_next()
        out["records"] = len(first)
        out["reopen_same"] = first == again
        for name in names:
            peer.send(name, "dropped")
        peer.clear()
        peer.send(names[0], "kept from %d" % peer.get_peer_index())
        peer.sync()
        out["step_after_sync"] = peer.get_superstep_count()
        out["count"] = peer.get_num_current_messages()
        out["messages"] = sorted(peer.getAllMessages())
        out["empty"] = peer.getCurrentMessage()
        out["conf_peers"] = peer.config.get("bsp.peers.num")
        out["setup_step"] = self.setup_step
        peer.log("api child done")
        peer.incrementCounter("pipes", "api", 2)
        for key, value in out.items():
            peer.write(key, json.dumps(value))


if __name__ == "__main__":
    run(Api())
