"""Reports how its peer process was started, after one superstep of messages.

Writes ``who`` -> {"entry": the directory of the entry script (``appmaster``: forked
from the master; ``container``: spawned), "ppid": the parent pid, "got": the sorted
messages received (every peer's index)}.
"""

import json
import os
import sys

from hama_yarn import BSP


class WhoAmI(BSP):
    def bsp(self, peer):
        for name in peer.get_all_peer_names():
            peer.send(name, peer.get_peer_index())
        peer.sync()
        got = sorted(peer.messages())
        entry = os.path.basename(os.path.abspath(sys.argv[0]).rstrip("/"))
        peer.write("who", json.dumps({"entry": entry, "ppid": os.getppid(), "got": got}))
