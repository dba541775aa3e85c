"""Hama Streaming (text, stdin/stdout) and Pipes (binary, socket): BSP children in any language.

The job's ``bsp.work.class`` is :class:`PipesBSP` (``hama pipes`` sets it).  With
``hama.streaming.enabled=true`` it speaks the streaming protocol (version 0); otherwise
the binary Pipes protocol.  The child program comes from ``hama.pipes.executable``
(``-program``), optionally run by ``hama.pipes.executable.interpretor``
(``-interpreter``) with ``hama.pipes.executable.args`` (``-programArgs``).
"""

from __future__ import annotations

from typing import Any

from ..bsp import BSP, BSPPeer
from .child import ChildError

__all__ = ["PipesBSP", "ChildError", "STREAMING"]

STREAMING = "hama.streaming.enabled"


class PipesBSP(BSP):
    """Hama's ``org.apache.hama.pipes.PipesBSP``: delegates to the streaming or binary driver."""

    def __init__(self) -> None:
        self._impl: Any = None

    def setup(self, peer: BSPPeer) -> None:
        if peer.get_configuration().get_bool(STREAMING, False):
            from .streaming import StreamingBSP

            self._impl = StreamingBSP()
        else:
            from .binary import BinaryBSP

            self._impl = BinaryBSP()
        self._impl.setup(peer)

    def bsp(self, peer: BSPPeer) -> None:
        self._impl.bsp(peer)

    def cleanup(self, peer: BSPPeer) -> None:
        if self._impl is not None:
            self._impl.cleanup(peer)
