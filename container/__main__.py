"""Thin entry point of a peer process (one BSP task).

Run as ``python container --job-dir DIR --task-index I --master HOST:PORT``; on
YARN it is the command of each peer container.  All logic lives in
:mod:`hama_yarn.entry`.
"""

import sys

from hama_yarn.entry import peer_main

sys.exit(peer_main())
