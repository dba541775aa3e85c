"""Launchers: what starts master and peer processes in each mode.

One master code path and one peer code path for every mode; modes differ only in
the launcher.  ``local``: subprocesses on this machine; ``inline``: threads of one
process (debugging); ``yarn``: skein (master in the ApplicationMaster, peers as
containers).
"""

from __future__ import annotations

from .base import PeerLauncher, PeerExit

__all__ = ["PeerLauncher", "PeerExit"]
