"""Writes records exercising TextOutputFormat: ints, None on either side, tabs, unicode, bytes."""

from hama_yarn import BSP


class Writer(BSP):
    def bsp(self, peer):
        i = peer.get_peer_index()
        peer.write(i, "value")
        peer.write("key only", None)
        peer.write(None, "value only")
        peer.write("tab", "a\tb")
        peer.write("ünï", 1.5)
        peer.write(b"raw", b"bytes")
        peer.write(None, None)
        peer.write("last", i)
