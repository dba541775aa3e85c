"""Writes every input record: a job that must reach its input."""

from hama_yarn import BSP


class Echo(BSP):
    def bsp(self, peer):
        while (kv := peer.read_next()) is not None:
            peer.write(kv[0], kv[1])
