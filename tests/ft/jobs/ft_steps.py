"""A 20-superstep job for fault-tolerance tests: every peer messages every other peer each
superstep, folds what it receives into its state, reads one input record per superstep
and writes one output record per superstep (so output written before a checkpoint must
survive a recovery).

Keys: test.ft.supersteps (20); test.ft.kill = "<peer>@<superstep>[,<peer>@<superstep>...]"
SIGKILLs those peers of the first attempt when bsp() reaches that superstep;
test.ft.kill.where = bsp | checkpoint (inside checkpoint_state, i.e. while the checkpoint is
being written); test.ft.kill.always = true kills in every attempt; test.ft.sleep = seconds each
superstep sleeps (0: none; gives a test time to kill the ApplicationMaster mid-job).
"""

from __future__ import annotations

import os
import signal
import time

from hama_yarn import BSP


class FTSteps(BSP):
    def setup(self, peer):
        conf = peer.get_configuration()
        self.steps = int(conf.get("test.ft.supersteps") or 20)
        self.kills = set()
        for item in (conf.get("test.ft.kill") or "").split(","):
            if item.strip():
                p, _, s = item.partition("@")
                self.kills.add((int(p), int(s)))
        self.where = conf.get("test.ft.kill.where") or "bsp"
        self.sleep = float(conf.get("test.ft.sleep") or 0)
        always = (conf.get("test.ft.kill.always") or "false") == "true"
        self.first_attempt = always or peer.get_task_id().endswith("_0")
        self.total = 0
        self.history = []

    def _maybe_die(self, peer, where):
        if self.first_attempt and self.where == where and (peer.get_peer_index(), peer.get_superstep_count()) in self.kills:
            os.kill(os.getpid(), signal.SIGKILL)

    def checkpoint_state(self, peer):
        self._maybe_die(peer, "checkpoint")
        return {"total": self.total, "history": list(self.history)}

    def restore_state(self, peer, state):
        self.total = state["total"]
        self.history = list(state["history"])

    def bsp(self, peer):
        me = peer.get_peer_index()
        while peer.get_superstep_count() < self.steps:
            step = peer.get_superstep_count()
            self._maybe_die(peer, "bsp")
            if self.sleep:
                time.sleep(self.sleep)
            for m in sorted(peer.messages()):
                self.total = (self.total * 31 + m) % 1_000_000_007
            rec = peer.read_next()
            if rec is not None:
                self.total = (self.total + len(rec[1])) % 1_000_000_007
            self.history.append(self.total % 97)
            peer.write(f"s{step:02d}", self.total)
            for i, name in enumerate(peer.get_all_peer_names()):
                peer.send(name, (step + 1) * 1000 + me * 10 + i)
            peer.sync()
        peer.write("final", f"{self.total} {sum(self.history)}")
