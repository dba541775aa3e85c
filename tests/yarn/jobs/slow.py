"""Runs many short supersteps (a job to kill)."""

import time

from hama_yarn import BSP


class Slow(BSP):
    def bsp(self, peer):
        for _ in range(600):
            time.sleep(0.2)
            peer.sync()
