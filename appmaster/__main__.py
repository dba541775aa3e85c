"""Thin entry point of the master process (BSPMaster + SyncServer).

Run as ``python appmaster --job-dir DIR``; on YARN it is the command of the skein
ApplicationMaster's container.  All logic lives in :mod:`hama_yarn.entry`.
"""

import sys

from hama_yarn.entry import master_main

sys.exit(master_main())
