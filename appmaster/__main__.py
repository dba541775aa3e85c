"""Thin entry point of the master process (BSPMaster + SyncServer).

Run as ``python appmaster --job-dir DIR``; on YARN it is the command of the skein
ApplicationMaster's container.  All logic lives in :mod:`hama_yarn.entry`; the
process ends without the interpreter's module teardown
(:func:`hama_yarn.entry.exit_process`).
"""

from hama_yarn.entry import exit_process, master_main

exit_process(master_main())
