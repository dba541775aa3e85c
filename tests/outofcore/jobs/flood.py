"""Peers 1..N-1 each send ``flood.bytes`` of ``flood.message.bytes``-byte messages to peer 0 in one superstep.

Counters (group ``flood``): SENT_COUNT/SENT_SUM (crc32 of every message sent, summed) from the
senders, RECV_COUNT/RECV_SUM from peer 0 after reading everything.  Options:
``flood.sleep.after.sync`` (seconds peer 0 waits before reading; a job to kill while its
messages are on disk), ``flood.fail.after.sync`` (peer 0 raises instead of reading),
``flood.marker`` (a file peer 0 creates once the superstep has passed).
"""

import time
import zlib
from pathlib import Path

from hama_yarn import BSP


class Flood(BSP):
    def bsp(self, peer):
        conf = peer.get_configuration()
        total = int(conf.get("flood.bytes") or 1 << 20)
        size = int(conf.get("flood.message.bytes") or 65536)
        idx = peer.get_peer_index()
        if idx != 0:
            dest = peer.get_peer_name(0)
            body = bytes(range(256)) * (size // 256)
            s = 0
            n = total // size
            for i in range(n):
                msg = b"%08d%08d" % (idx, i) + body[16:]
                s += zlib.crc32(msg)
                peer.send(dest, msg)
            peer.increment_counter("flood", "SENT_COUNT", n)
            peer.increment_counter("flood", "SENT_SUM", s)
        peer.sync()
        if idx != 0:
            return
        marker = conf.get("flood.marker")
        if marker:
            Path(marker).write_text(str(peer.get_num_current_messages()))
        time.sleep(float(conf.get("flood.sleep.after.sync") or 0))
        if conf.get("flood.fail.after.sync"):
            raise RuntimeError("flood: failing on purpose after sync")
        s = count = 0
        last = {}
        for msg in peer.messages():
            src, i = int(msg[:8]), int(msg[8:16])
            if i <= last.get(src, -1):
                raise AssertionError(f"message {i} of peer {src} after {last[src]}: out of order or twice")
            last[src] = i
            s += zlib.crc32(msg)
            count += 1
        peer.increment_counter("flood", "RECV_COUNT", count)
        peer.increment_counter("flood", "RECV_SUM", s)
