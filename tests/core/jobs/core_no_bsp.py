"""Defines no BSP subclass."""


class NotABSP:
    def bsp(self, peer):
        pass
