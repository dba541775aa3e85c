"""Fixture with the observable behaviour of Hama's python/HelloWorldBSP.py (written for this
project): imported by Hama's runner convention, ``from BSP import BSP``, 15 supersteps of
all-to-all "Hello from <name> in superstep <i>", every received message written as a key."""
from BSP import BSP


class HelloWorldBSP(BSP):
    def bsp(self, peer):
        me = peer.getPeerName()
        step = 0
        while step < 15:
            names = peer.getAllPeerNames()
            for other in names:
                peer.send(other, "Hello from %s in superstep %d" % (me, step))
            peer.sync()
            received = peer.getAllMessages()
            for text in received:
                peer.write(text, "")
            step += 1
