"""Sends messages to itself, then changes the mutable ones: what arrives is what was sent.

Writes ``got`` -> the messages received (JSON-friendly: bytes as lists of ints) and
``same_bytes_object`` -> whether the bytes message arrived as the very object sent (an
immutable message is handed over uncopied).
"""

import json

from hama_yarn import BSP


class Loopback(BSP):
    def bsp(self, peer):
        me = peer.get_peer_name()
        blob = bytes(range(16)) * 64
        peer.send(me, blob)
        peer.sync()
        got = peer.get_current_message()
        same = got is blob
        mutable = [1, 2, 3]
        peer.send(me, mutable)
        peer.sync()
        mutable.append(4)  # after sync: the queued copy must not see this
        peer.write("got", json.dumps([got == blob, peer.get_current_message()]))
        peer.write("same_bytes_object", json.dumps(same))
