"""Test job: every peer writes each input record it reads as one JSON line ``[peer, key, value, setup_step]``.

Options (``-D``): ``test.fail=1`` raises after writing, so the job fails (commit test);
``test.echo=1`` writes ``key, value`` unchanged instead (format round trips).
"""

from __future__ import annotations

import json

from hama_yarn import BSP


def _plain(v):
    if isinstance(v, bytes):
        return v.hex()
    if hasattr(v, "tolist"):
        return v.tolist()
    return v


class Records(BSP):
    def setup(self, peer):
        self.setup_step = peer.get_superstep_count()

    def bsp(self, peer):
        conf = peer.get_configuration()
        echo = conf.get("test.echo") == "1"
        while (rec := peer.read_next()) is not None:
            key, value = rec
            if echo:
                peer.write(key, value)
            else:
                peer.write(json.dumps([peer.get_peer_index(), _plain(key), _plain(value), self.setup_step]), None)
        peer.sync()
        if conf.get("test.fail") == "1":
            raise RuntimeError("test.fail requested")
