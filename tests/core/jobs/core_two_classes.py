"""Two BSP classes: ``hama run`` must ask which one."""

from hama_yarn import BSP


class First(BSP):
    def bsp(self, peer):
        peer.write("first", peer.get_peer_index())


class Second(BSP):
    def bsp(self, peer):
        peer.write("second", peer.get_peer_index())
