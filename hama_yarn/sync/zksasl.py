"""Kerberos (SASL/GSSAPI) login of the job's kazoo sessions (``hama.zookeeper.acl=sasl``).

On a ZooKeeper quorum with the SASL authentication provider, a session that
completes a GSSAPI exchange is known to ZooKeeper as ``sasl:<principal>`` (its
Kerberos principal, shortened as the server's ``kerberos.removeHostFromPrincipal``
/ ``kerberos.removeRealmFromPrincipal`` say), and the ACL entry
``sasl:<hama.zookeeper.sasl.principal>`` of the job's znodes
(:mod:`hama_yarn.sync.zkacl`) grants it every permission.

kazoo does the exchange (``sasl_options``) through ``pure-sasl``, whose GSSAPI
mechanism needs the ``kerberos`` module (``pip install 'hama-yarn[kerberos]'``, which
builds against MIT Kerberos' headers: ``apt-get install libkrb5-dev``).  A session
logs in only when a Kerberos credential is at hand (a ticket cache, or a client
keytab named by ``KRB5_CLIENT_KTNAME``): a peer in a YARN container holds the job's
delegation tokens, not a ticket, and authenticates with the job's digest identity,
which the ACL also grants.  The probe is one GSSAPI step towards the ZooKeeper
service (one ticket request to the KDC, then cached).

ZooKeeper's service principal is ``zookeeper/<host>`` where ``<host>`` is the quorum
entry kazoo connects to (an IP address canonicalized to its host name, as Java's client
does); ``hama.zookeeper.sasl.server.principal`` names it otherwise, as Java's
``-Dzookeeper.server.principal``.

``hama.zookeeper.acl=auto`` (the default) is settled by the submitting client
(:func:`hama_yarn.sync.zksettle.settle`): ``sasl`` when it can log in to the quorum with Kerberos (a secured
quorum: the KDC issues a ticket for ZooKeeper's service principal), with its own
principal as the owner, else ``digest``.  The job's configuration carries the result
to the master and the peers.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Any

from ..config import HamaConfiguration
from ..errors import ConfigError, SyncError

__all__ = ["SERVER_PRINCIPAL_KEY", "PRINCIPAL_KEY", "ACL_KEY", "MECHANISM", "server_name", "sasl_options",
           "kerberos_identity", "principal_forms"]

log = logging.getLogger(__name__)

SERVER_PRINCIPAL_KEY = "hama.zookeeper.sasl.server.principal"
PRINCIPAL_KEY = "hama.zookeeper.sasl.principal"
ACL_KEY = "hama.zookeeper.acl"
#: The pure-sasl mechanism registered here: GSSAPI towards a named server host.
MECHANISM = "HAMA-GSSAPI"
_SERVICE = "zookeeper"
_FIX = "pip install 'hama-yarn[kerberos]' (needs MIT Kerberos headers: apt-get install libkrb5-dev)"


def server_name(conf: HamaConfiguration, host: str) -> tuple[str, str]:
    """``(service, host)`` of ZooKeeper's Kerberos principal for a connection to *host*.

    Raises
    ------
    ConfigError
        If ``hama.zookeeper.sasl.server.principal`` is not ``service/host[@REALM]``.
    """
    value = (conf.get(SERVER_PRINCIPAL_KEY) or "").strip()
    if not value:
        return _SERVICE, host
    name = value.split("@", 1)[0]
    service, sep, instance = name.partition("/")
    if not sep or not service or not instance:
        raise ConfigError(SERVER_PRINCIPAL_KEY, f"{value!r} is not of the form service/host[@REALM]")
    return service, instance


def _register() -> None:
    """Register :data:`MECHANISM` with pure-sasl: its GSSAPI mechanism, with the server's
    host taken from the ``server_host`` property instead of the address kazoo dialled."""
    try:
        from puresasl import mechanisms
    except ImportError as exc:
        raise SyncError(f"hama.zookeeper.acl=sasl needs pure-sasl: {_FIX}") from exc
    if MECHANISM in mechanisms.mechanisms:
        return
    if not mechanisms.have_kerberos:
        raise SyncError(f"hama.zookeeper.acl=sasl needs the kerberos module: {_FIX}")

    class _NamedHostGSSAPI(mechanisms.GSSAPIMechanism):  # type: ignore[misc]
        def __init__(self, sasl: Any, principal: str | None = None, server_host: str | None = None,
                     **props: Any) -> None:
            if server_host:
                sasl.host = server_host
            super().__init__(sasl, principal=principal, **props)

    mechanisms.mechanisms[MECHANISM] = _NamedHostGSSAPI


def _has_credential(service: str, host: str) -> str | None:
    """``None`` when a GSSAPI context towards ``service@host`` can be started, else why not."""
    import kerberos

    try:
        _, ctx = kerberos.authGSSClientInit(f"{service}@{host}")
        try:
            kerberos.authGSSClientStep(ctx, "")
        finally:
            kerberos.authGSSClientClean(ctx)
    except kerberos.GSSError as exc:
        return "; ".join(str(part[0]) for part in exc.args if isinstance(part, tuple) and part) or str(exc)
    return None


def _server(conf: HamaConfiguration, hosts: str) -> tuple[str, str]:
    """``(service, host)`` of ZooKeeper's principal for the quorum *hosts* (its first host).

    An IP address is canonicalized to its host name (reverse lookup), as Java's
    ZooKeeper client does (``zookeeper.sasl.client.canonicalize.hostname``): Kerberos
    principals name hosts, not addresses.
    """
    first = hosts.split(",", 1)[0].split("/", 1)[0]
    host = (first.rsplit(":", 1)[0] if first.count(":") == 1 else first).strip("[]")
    if not (conf.get(SERVER_PRINCIPAL_KEY) or "").strip():
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            try:
                host = socket.gethostbyaddr(host)[0] or host
            except OSError:
                pass
    return server_name(conf, host)


def kerberos_identity(conf: HamaConfiguration, hosts: str) -> str | None:
    """The Kerberos principal this process would log in to the quorum *hosts* with, or None.

    None when the ``kerberos`` module is missing, no credential is at hand (no ticket
    cache, no client keytab) or the KDC knows no ZooKeeper service principal for the
    quorum (an unsecured quorum): one GSSAPI step towards that service, as
    :func:`sasl_options` makes, here without mutual authentication so that the step
    completes and names the client.
    """
    try:
        import kerberos
    except ImportError:
        return None
    service, host = _server(conf, hosts)
    try:
        _, ctx = kerberos.authGSSClientInit(f"{service}@{host}", gssflags=0)
        try:
            kerberos.authGSSClientStep(ctx, "")
            name = kerberos.authGSSClientUserName(ctx)
        finally:
            kerberos.authGSSClientClean(ctx)
    except kerberos.GSSError as exc:
        log.debug("no Kerberos login to ZooKeeper %s/%s: %s", service, host, exc)
        return None
    return str(name) if name else None


def principal_forms(principal: str) -> list[str]:
    """The names a ZooKeeper server may know *principal* by, most specific first.

    ZooKeeper's SASL provider names a session by its principal, less the host part
    (``kerberos.removeHostFromPrincipal``) and/or the realm
    (``kerberos.removeRealmFromPrincipal``), as the server is configured; the client
    cannot ask which, so the ACL names every form: ``hama@R``, ``hama`` for a user;
    ``nn/h@R``, ``nn/h``, ``nn@R``, ``nn`` for a service principal.
    """
    name, _, realm = principal.partition("@")
    primary, _, instance = name.partition("/")
    forms = [principal, name]
    if instance:
        forms += [f"{primary}@{realm}" if realm else primary, primary]
    return list(dict.fromkeys(f for f in forms if f))


def sasl_options(conf: HamaConfiguration, hosts: str, what: str) -> dict[str, Any] | None:
    """kazoo's ``sasl_options`` for a session of the job to *hosts*, or ``None`` without a credential.

    Parameters
    ----------
    conf : HamaConfiguration
        The job's configuration (``hama.zookeeper.sasl.server.principal``).
    hosts : str
        The quorum (``host:port,...``); the first host names the server when no
        server principal is configured.
    what : str
        Who connects (for the log).

    Raises
    ------
    SyncError
        If pure-sasl or the kerberos module is missing (naming the install command).
    ConfigError
        If the server principal is malformed.
    """
    _register()
    service, server_host = _server(conf, hosts)
    missing = _has_credential(service, server_host)
    if missing is not None:
        log.info("%s: no Kerberos credential for %s/%s (%s): the session authenticates with the job's digest "
                 "identity only", what, service, server_host, missing)
        return None
    log.info("%s: ZooKeeper session logs in with Kerberos (SASL GSSAPI) to %s/%s", what, service, server_host)
    return {"mechanism": MECHANISM, "service": service, "server_host": server_host}
