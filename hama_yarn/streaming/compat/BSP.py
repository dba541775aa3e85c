"""Shim for Hama children that ``from BSP import BSP`` (Hama's ``python/BSP.py``)."""

from _streaming import lib  # type: ignore[import-not-found]

BSP = lib.BSP

__all__ = ["BSP"]
