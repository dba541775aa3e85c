"""Test job for ZooKeeper faults: ``test.steps`` supersteps (default 200), each peer sleeping
``test.sleep`` seconds (default 0.1) before every sync() and sending one message to every peer."""

import time
from typing import Any

from hama_yarn import BSP


class Slow(BSP):
    def bsp(self, peer: Any) -> None:
        conf = peer.get_configuration()
        steps = int(conf.get("test.steps") or 200)
        pause = float(conf.get("test.sleep") or 0.1)
        names = peer.get_all_peer_names()
        for step in range(steps):
            time.sleep(pause)
            for name in names:
                peer.send(name, step)
            peer.sync()
            got = list(peer.messages())
            assert len(got) == len(names), got
