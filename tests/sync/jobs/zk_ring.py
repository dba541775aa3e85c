"""Test job for the zookeeper sync backend.

Every superstep each peer sends ``"<step>:<sender>"`` to every peer (itself included) and checks,
after sync(), that it received exactly one message per peer from the previous superstep.
``test.steps`` supersteps (default 5); ``test.fail.peer``/``test.fail.step`` make that peer raise
there (default: never).  Each peer writes ``s<step>\t<sorted messages>`` and ``names\t<peer names>``.
"""

import json
from typing import Any

from hama_yarn import BSP


class Ring(BSP):
    def bsp(self, peer: Any) -> None:
        conf = peer.get_configuration()
        steps = int(conf.get("test.steps") or 5)
        fail_peer = int(conf.get("test.fail.peer") or -1)
        fail_step = int(conf.get("test.fail.step") or -1)
        me = peer.get_peer_index()
        names = peer.get_all_peer_names()
        peer.write("names", json.dumps(names))
        for step in range(steps):
            if me == fail_peer and step == fail_step:
                raise RuntimeError(f"boom on peer {me} at superstep {step}")
            for name in names:
                peer.send(name, f"{step}:{me}")
            peer.sync()
            got = sorted(peer.messages())
            expected = sorted(f"{step}:{i}" for i in range(len(names)))
            if got != expected:
                raise AssertionError(f"peer {me} step {step}: got {got}, expected {expected}")
            peer.write(f"s{step}", json.dumps(got))
