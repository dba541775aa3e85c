"""Writes ``threads`` -> the native thread-pool variables its peer process sees."""

import json
import os

from hama_yarn import BSP


class Threads(BSP):
    def bsp(self, peer):
        peer.write("threads", json.dumps({v: os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}))
