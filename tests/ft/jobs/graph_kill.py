"""Graph jobs whose peer SIGKILLs itself mid-job (first attempt only), for the FT graph tests.

Key test.ft.kill = "<peer>@<superstep>": the peer dies when it reaches that superstep
(after the barrier that started it), in the first attempt of the job only.
"""

from __future__ import annotations

import os
import signal

from hama_yarn.graph.runner import GraphJobRunner
from hama_yarn.graph.vectorized import VectorizedGraphRunner


def _kill_point(peer):
    item = peer.get_configuration().get("test.ft.kill") or ""
    if not item or not peer.get_task_id().endswith("_0"):
        return None
    p, _, s = item.partition("@")
    return int(p), int(s)


class KillingVectorizedRunner(VectorizedGraphRunner):
    """The vectorized runner; the kill happens right after an iteration's barrier."""

    def _count_iteration(self, peer):
        at = _kill_point(peer)
        if at == (peer.get_peer_index(), peer.get_superstep_count()):
            os.kill(os.getpid(), signal.SIGKILL)
        super()._count_iteration(peer)


class KillingVertexRunner(GraphJobRunner):
    """The Vertex API runner; the kill happens when an iteration's compute starts."""

    def _compute(self, it, inbox):
        peer = self.peer
        at = _kill_point(peer)
        if at == (peer.get_peer_index(), peer.get_superstep_count()):
            os.kill(os.getpid(), signal.SIGKILL)
        return super()._compute(it, inbox)
