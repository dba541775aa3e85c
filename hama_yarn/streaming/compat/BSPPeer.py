"""Shim for Hama children that ``from BSPPeer import BSPPeer`` (Hama's ``python/BSPPeer.py``)."""

from _streaming import lib  # type: ignore[import-not-found]

BSPPeer = lib.BSPPeer

__all__ = ["BSPPeer"]
