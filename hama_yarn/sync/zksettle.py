"""Settle ``hama.zookeeper.acl=auto`` at submit (the ``zookeeper`` sync service).

Only the submitting client may hold a Kerberos ticket: the master and the peers in
YARN containers hold delegation tokens, which ZooKeeper does not accept.  So the
client decides, once, which ACL every znode of the job gets, and the job's
configuration carries the decision (see :mod:`hama_yarn.sync.zkacl`).
"""

from __future__ import annotations

import logging

from ..config import HamaConfiguration
from .zksasl import ACL_KEY, PRINCIPAL_KEY, kerberos_identity, principal_forms

__all__ = ["settle"]

log = logging.getLogger(__name__)


def settle(conf: HamaConfiguration) -> str:
    """Client side, at submit: fix *conf*'s ``hama.zookeeper.acl`` for every process of the job.

    ``auto`` (the default) becomes ``sasl`` when this client can log in to the quorum
    with Kerberos (:func:`kerberos_identity`: a secured quorum and a ticket or keytab),
    else ``digest``.  With ``sasl`` and no ``hama.zookeeper.sasl.principal``, that key is
    set to the forms of the client's principal (:func:`principal_forms`).  The master
    and the peers (YARN containers hold no Kerberos ticket: they cannot decide this
    themselves) then create every znode with the same ACL.  Returns the mode.
    """
    mode = (conf.get(ACL_KEY) or "auto").strip().lower()
    if mode not in ("auto", "sasl"):
        return mode
    try:
        from .zkcommon import zk_hosts  # needs kazoo (the zookeeper extra)
    except ImportError:
        identity = None  # the digest, which every process of the job has
    else:
        identity = kerberos_identity(conf, zk_hosts(conf))
    if mode == "auto":
        mode = "sasl" if identity else "digest"
        conf.set(ACL_KEY, mode)
    if mode == "sasl" and identity and not (conf.get(PRINCIPAL_KEY) or "").strip():
        conf.set(PRINCIPAL_KEY, ",".join(principal_forms(identity)))
    if mode == "sasl":
        log.info("ZooKeeper ACL of the job's znodes: sasl:%s and the job's digest identity",
                 conf.get(PRINCIPAL_KEY) or "(the submitting user)")
    else:
        log.debug("ZooKeeper ACL of the job's znodes: the job's digest identity (no Kerberos login to the quorum)")
    return mode
