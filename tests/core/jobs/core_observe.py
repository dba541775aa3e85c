"""Observes every BSPPeer method and writes what it saw as ``tag<TAB>json`` records.

Supersteps (N peers):
  setup  sends ``setup:<i>:<name>`` to every peer (before the first sync)
  s0     reads its input twice (reopen_input), sends 2 msgs per peer
  s1     receives setup + s0 messages (3N), drains them in three ways, queues+clears junk, sends 1 per peer
  s2     reads ONE message, leaves N-1 unread, sends 1 per peer
  s3     lists what is left (N new, plus N-1 old with the persistent queue)
Three syncs in total.  Peer 0 sleeps before the sync ending s1 (TIME_IN_SYNC_MS).
"""

import json
import time

from hama_yarn import BSP
from hama_yarn.errors import PeerNotFoundError

PEER_GROUP = "org.apache.hama.bsp.BSPPeerImpl$PeerCounter"
CONF_KEYS = ("test.site", "test.override", "test.expanded", "test.code", "bsp.peers.num",
             "hama.sync.barrier.timeout.ms", "hama.queue.behaviour.persistent")


class Observe(BSP):
    def __init__(self):
        self.writes = 0
        self.reads = 0

    def out(self, peer, tag, obj):
        peer.write(tag, json.dumps(obj))
        self.writes += 1

    def count(self, peer):
        peer.increment_counter("test.user", "calls", peer.get_peer_index() + 1)
        peer.increment_counter("test.user", "ones")
        return peer.get_counter("test.user", "calls"), peer.get_counter("test.user", "ones")

    def setup(self, peer):
        conf = peer.get_configuration()
        n = peer.get_num_peers()
        self.out(peer, "setup", {
            "step": peer.get_superstep_count(),
            "name": peer.get_peer_name(),
            "index": peer.get_peer_index(),
            "names": peer.get_all_peer_names(),
            "names_by_index": [peer.get_peer_name(i) for i in range(n)],
            "num": n,
            "task_id": peer.get_task_id(),
            "cur": peer.get_current_message(),
            "num_cur": peer.get_num_current_messages(),
            "conf": {k: conf.get(k) for k in CONF_KEYS},
        })
        # Every peer must already be registered: sending to all of them works in setup.
        for name in peer.get_all_peer_names():
            peer.send(name, f"setup:{peer.get_peer_index()}:{peer.get_peer_name()}")

    def read_all(self, peer):
        records = []
        while (rec := peer.read_next()) is not None:
            records.append(list(rec))
        self.reads += len(records)
        return records

    def bsp(self, peer):
        me = peer.get_peer_index()
        names = peer.get_all_peer_names()
        # ---- superstep 0
        step0 = peer.get_superstep_count()
        records = self.read_all(peer)
        after_end = peer.read_next()
        peer.reopen_input()
        records2 = self.read_all(peer)
        try:
            peer.send("no-such-host:1", "x")
            unknown = None
        except PeerNotFoundError as exc:
            unknown = [type(exc).__name__, isinstance(exc, KeyError), str(exc)]
        for j, name in enumerate(names):
            for k in range(2):
                peer.send(name, f"s0:{me}:{j}:{k}")
        self.out(peer, "s0", {
            "step": step0, "records": records, "after_end": after_end, "records2": records2,
            "unknown": unknown,
            # own message and setup messages are not visible before the sync
            "cur_before_sync": peer.get_current_message(), "num_before_sync": peer.get_num_current_messages(),
            "counter": self.count(peer),
        })
        peer.sync()
        # ---- superstep 1
        num = peer.get_num_current_messages()
        first = peer.get_current_message()
        num_after_first = peer.get_num_current_messages()
        rest = list(peer.messages())
        self.out(peer, "s1", {
            "step": peer.get_superstep_count(), "num": num, "first": first, "num_after_first": num_after_first,
            "rest": rest, "cur_after_drain": peer.get_current_message(),
            "num_after_drain": peer.get_num_current_messages(), "again": list(peer.messages()),
            "counter": self.count(peer),
        })
        for name in names:
            peer.send(name, "dropped")
        peer.clear()  # drops every queued outgoing message of this superstep
        for j, name in enumerate(names):
            peer.send(name, f"s1:{me}:{j}")
        if me == 0:
            time.sleep(0.4)
        peer.sync()
        # ---- superstep 2
        num = peer.get_num_current_messages()
        one = peer.get_current_message()
        self.out(peer, "s2", {"step": peer.get_superstep_count(), "num": num, "one": one,
                              "left": peer.get_num_current_messages(), "counter": self.count(peer)})
        for j, name in enumerate(names):
            peer.send(name, f"s2:{me}:{j}")
        peer.sync()
        # ---- superstep 3
        num = peer.get_num_current_messages()
        self.out(peer, "s3", {"step": peer.get_superstep_count(), "num": num, "msgs": list(peer.messages()),
                              "counter": self.count(peer)})

    def cleanup(self, peer):
        self.out(peer, "cleanup", {
            "step": peer.get_superstep_count(),
            "writes_before": self.writes,
            "reads": self.reads,
            "superstep_sum": peer.get_counter(PEER_GROUP, "SUPERSTEP_SUM"),
            "sent": peer.get_counter(PEER_GROUP, "TOTAL_MESSAGES_SENT"),
            "received": peer.get_counter(PEER_GROUP, "TOTAL_MESSAGES_RECEIVED"),
            "input_records": peer.get_counter(PEER_GROUP, "TASK_INPUT_RECORDS"),
            "output_records": peer.get_counter(PEER_GROUP, "TASK_OUTPUT_RECORDS"),
            "never_set": peer.get_counter("test.user", "never"),
        })
