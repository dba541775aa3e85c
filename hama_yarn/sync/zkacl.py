"""ACLs of a job's znodes (``hama.zookeeper.acl``) for the ``zookeeper`` sync service.

``auto`` (default)
    Settled by the submitting client (:func:`hama_yarn.sync.zksettle.settle`): ``sasl``
    when it can log in to the quorum with Kerberos (a secured quorum and a ticket or
    keytab), owned by its own principal; ``digest`` otherwise.  A process that sees
    ``auto`` unsettled (a sync service used outside a submitted job) uses ``digest``.
``digest``
    Every znode from ``/bsp/<jobId>`` down gets one ACL entry, ``digest`` on the
    identity ``hama-job:<HMAC of the job secret>``, with all permissions; the master and
    the peers add that identity to their sessions (kazoo's ``auth_data``, the
    ``addauth`` packet on the peers' own wire connection).  A client without the
    secret (no auth, another digest identity, another job) can neither read, write,
    create under nor delete them.  The secret itself never reaches ZooKeeper: only an
    HMAC of it, and ZooKeeper stores the SHA-1 digest of that.
``sasl``
    On a ZooKeeper quorum with SASL (Kerberos) authentication: the job's znodes are
    owned by ``sasl:<principal>`` (``hama.zookeeper.sasl.principal``, a comma-separated
    list; at submit the client's principal in every form the server may map it to; else
    the submitting user's name) and by the job's digest identity: the master and the
    peers in YARN containers hold no Kerberos ticket (YARN hands them delegation
    tokens, which ZooKeeper does not accept), only the job secret, so they authenticate
    with the digest.  The principal's own sessions (``zkCli``, kazoo with its ticket)
    can read, repair or delete the znodes without the secret.  The job's kazoo sessions log in with
    Kerberos where a ticket is at hand (:mod:`hama_yarn.sync.zksasl`).
``open``
    World-readable and writable, as Apache Hama's znodes.

The parents of the job znode (``bsp.zookeeper.root``) are created open, so every job
and user can create its own job znode under them.
"""

from __future__ import annotations

import logging

import getpass
import hashlib
import hmac
from typing import Any

from kazoo.protocol.serialization import Auth, int_struct
from kazoo.security import OPEN_ACL_UNSAFE, make_acl, make_digest_acl

from ..config import HamaConfiguration
from ..errors import ConfigError

__all__ = ["MODES", "acl_mode", "job_credential", "job_acl", "auth_data", "auth_frame", "AUTH_XID", "OPEN_ACL_UNSAFE"]

log = logging.getLogger(__name__)

MODES = ("auto", "digest", "sasl", "open")
#: The xid ZooKeeper answers an ``addauth`` packet with.
AUTH_XID = -4
_USER = "hama-job"


def acl_mode(conf: HamaConfiguration) -> str:
    """``hama.zookeeper.acl`` (auto, digest, sasl or open).

    Raises
    ------
    ConfigError
        For any other value.
    """
    mode = (conf.get("hama.zookeeper.acl") or "auto").strip().lower()
    if mode not in MODES:
        raise ConfigError("hama.zookeeper.acl", f"{mode!r} is not one of {', '.join(MODES)}")
    return mode


def job_credential(secret: str) -> tuple[str, str]:
    """``(user, password)`` of the job's digest identity, derived from (never equal to) its secret."""
    if not secret:
        raise ConfigError("hama.zookeeper.acl", "the job has no secret to derive its ZooKeeper identity from")
    return _USER, hmac.new(secret.encode("utf-8"), b"hama-zookeeper-acl-v1", hashlib.sha256).hexdigest()


def _effective_mode(conf: HamaConfiguration, secret: str) -> str:
    """The mode; ``open`` for a sync session without a job secret (a sync service used
    outside a job: every job has a secret, and without it no peer could reach its master)."""
    mode = acl_mode(conf)
    if mode == "auto":  # not settled at submit (hama_yarn.sync.zksettle.settle): the digest every process has
        mode = "digest"
    if not secret and mode != "open":
        log.warning("no job secret: the znodes get the open ACL instead of %r", mode)
        return "open"
    return mode


def job_acl(conf: HamaConfiguration, secret: str) -> list[Any]:
    """The ACL of every znode of the job with *secret* under *conf*'s mode."""
    mode = _effective_mode(conf, secret)
    if mode == "open":
        return list(OPEN_ACL_UNSAFE)
    user, password = job_credential(secret)
    acl = [make_digest_acl(user, password, all=True)]
    if mode == "sasl":
        names = [p.strip() for p in (conf.get("hama.zookeeper.sasl.principal") or "").split(",") if p.strip()]
        acl[:0] = [make_acl("sasl", name, all=True) for name in names or [getpass.getuser()]]
    return acl


def auth_data(conf: HamaConfiguration, secret: str) -> list[tuple[str, str]]:
    """``[(scheme, credential)]`` a session of the job adds (kazoo's ``auth_data``); [] when open."""
    if _effective_mode(conf, secret) == "open":
        return []
    user, password = job_credential(secret)
    return [("digest", f"{user}:{password}")]


def auth_frame(scheme: str, credential: str) -> bytes:
    """One framed ZooKeeper ``addauth`` request (xid :data:`AUTH_XID`)."""
    body: bytes = int_struct.pack(AUTH_XID) + int_struct.pack(Auth.type) + bytes(Auth(0, scheme, credential).serialize())
    size: bytes = int_struct.pack(len(body))
    return size + body
