"""Summation child with the hama_yarn.streaming library (Hama's summation example)."""

from hama_yarn.streaming import BSP, run


class Sum(BSP):
    def bsp(self, peer):
        total = 0.0
        rec = peer.read_next()
        while rec is not None:
            total += float(rec[1])
            rec = peer.read_next()
        master = peer.get_peer_name(0)
        peer.send(master, repr(total))
        peer.increment_counter("pipes", "sum_py_peers", 1)
        peer.sync()
        if peer.get_peer_index() == 0:
            peer.write("Sum", repr(sum(float(m) for m in peer.messages())))


if __name__ == "__main__":
    run(Sum())
