"""Classic cluster mode: the ``hama bspmaster`` and ``hama groom`` daemons (Hama's BSPMaster/GroomServer).

A groom is one more launcher: the bspmaster runs one :class:`~hama_yarn.master.server.Master`
per job (the same master code path as every other mode) whose
:class:`~hama_yarn.daemons.launcher.GroomPeerLauncher` asks grooms to start the peers.
"""
