"""Submits ``core_state_mod.Stamp`` after changing it: ``python core_client_state.py OUT FORK TMP``.

Sets ``Stamp.value`` to "set by the client", then runs the job in local mode with
``hama.local.master.fork=FORK`` and ``hama.tmp.dir=TMP``.  The peers import the user's
module afresh (as under a spawned master), so they see the module's default.
"""

import sys

from core_state_mod import Stamp

from hama_yarn import BSPJob

if __name__ == "__main__":
    Stamp.value = "set by the client"
    job = BSPJob(bsp_class=Stamp)
    job.set_num_bsp_task(2)
    job.set_output_path(sys.argv[1])
    job.set("hama.local.master.fork", sys.argv[2])
    job.set("hama.tmp.dir", sys.argv[3])
    sys.exit(0 if job.wait_for_completion(verbose=False) else 1)
