"""A BSP class in the user's own module and a driver that submits it with BSPJob (issue 22 item 3).

Shared by the local (tests/core/test_job_history.py) and YARN (tests/yarn/test_yarn_client.py) tests.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

HELLO = textwrap.dedent("""
    from hama_yarn import BSP

    class Hello(BSP):
        def bsp(self, peer):
            for name in peer.get_all_peer_names():
                peer.send(name, "hi from %s" % peer.get_peer_name())
            peer.sync()
            for msg in peer.messages():
                peer.write(msg, None)
""")

_DRIVER = """
import sys
from hama_yarn import BSPJob
from hama_yarn.config import HamaConfiguration
from {module} import Hello

conf = HamaConfiguration()
conf.set("hama.tmp.dir", sys.argv[2])
if len(sys.argv) > 3:
    conf.set("bsp.master.address", sys.argv[3])
job = BSPJob(conf, bsp_class=Hello)
job.set_num_bsp_task(2)
job.set_output_path(sys.argv[1])
sys.exit(0 if job.wait_for_completion(verbose=False) else 1)
"""


def write_driver(directory: Path, module: str) -> Path:
    """``driver.py`` in *directory*: ``python driver.py OUT HAMA_TMP [MODE]`` runs ``module:Hello`` on 2 peers."""
    path = directory / "driver.py"
    path.write_text(_DRIVER.format(module=module))
    return path
