"""Thin entry point of a peer process (one BSP task).

Run as ``python container --job-dir DIR --task-index I --master HOST:PORT``; on
YARN it is the command of each peer container.  All logic lives in
:mod:`hama_yarn.entry`; the process ends without the interpreter's module teardown
(:func:`hama_yarn.entry.exit_process`).
"""

from hama_yarn.entry import exit_process, peer_main

exit_process(peer_main())
