"""Submits ``core_state_mod.Stamp`` after changing it: ``python core_client_state.py OUT FORK TMP LOG``.

Sets ``Stamp.value`` to "set by the client" and sends the ``hama_yarn`` loggers (DEBUG, not
propagated) to the file LOG as ``pid message``, then runs the job in local mode with
``hama.local.master.fork=FORK`` and ``hama.tmp.dir=TMP``; prints its pid.  FORK ``true+thread``:
fork allowed, but a thread runs that only the OS knows of (as a native library's), so the
master is spawned.  The peers import
the user's module afresh (as under a spawned master), so they see the module's default, and
the master and peers do not write to the program's log handlers.
"""

import logging
import os
import sys

from core_state_mod import Stamp

from hama_yarn import BSPJob

if __name__ == "__main__":
    fork = sys.argv[2]
    if fork.endswith("+thread"):  # a thread threading does not know of, as native libraries start
        import _thread
        import time

        _thread.start_new_thread(time.sleep, (120,))
        fork = fork[: -len("+thread")]
    Stamp.value = "set by the client"
    handler = logging.FileHandler(sys.argv[4])
    handler.setFormatter(logging.Formatter("%(process)d %(message)s"))
    lib = logging.getLogger("hama_yarn")
    lib.addHandler(handler)
    lib.setLevel(logging.DEBUG)
    lib.propagate = False
    print(os.getpid())
    job = BSPJob(bsp_class=Stamp)
    job.set_num_bsp_task(2)
    job.set_output_path(sys.argv[1])
    job.set("hama.local.master.fork", fork)
    job.set("hama.tmp.dir", sys.argv[3])
    sys.exit(0 if job.wait_for_completion(verbose=False) else 1)
