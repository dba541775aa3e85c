"""The job of ``core_client_state.py``, in a module of its own that the submitting program imports.

Each peer writes ``state`` -> {"value": the ``Stamp.value`` it sees, "master_cmd": the master's
command line (its parent's ``/proc/PID/cmdline``)}.
"""

import json
import os

from hama_yarn import BSP


class Stamp(BSP):
    value = "module default"

    def bsp(self, peer):
        with open(f"/proc/{os.getppid()}/cmdline", "rb") as f:
            master_cmd = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
        peer.write("state", json.dumps({"value": Stamp.value, "master_cmd": master_cmd}))
