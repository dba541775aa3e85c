"""Mutual TLS for a job's connections (``hama.rpc.tls.*``), applied where sockets are made.

Every job connection is opened by :func:`hama_yarn.rpc.client.open_connection` and
accepted by :func:`hama_yarn.rpc.server.accept_connection`; both ask this module for the
job's TLS contexts (:func:`server_context`, :func:`client_context`), so every channel
(Thrift services, the peers' message bundles, the lean barrier channel) is encrypted
when TLS is on.  The HMAC handshake on the job secret (:mod:`hama_yarn.rpc.auth`) still
runs, inside the TLS session.

The contexts of a job are registered under its secret (:func:`install`), which every
connection already names: so the RPC call sites need no new parameter, and several jobs
in one process (inline mode, tests) each keep their own certificates.

Certificates: ``hama.rpc.tls.cert``, ``hama.rpc.tls.key``, ``hama.rpc.tls.ca`` (PEM
paths); when the certificate is not given, the client generates a per-job self-signed
one (an EC P-256 key, needing the ``cryptography`` package: ``pip install
'hama-yarn[tls]'``) that is its own CA.  Both ends present the certificate and verify
the other's against the CA (mutual TLS); host names are not checked (peers listen on
whatever address their node has), the CA is the job's trust root.  The files travel
like the job secret: private files on the submitting machine (local modes), files
localized into every container by YARN (skein), never the environment or the
key-value store.
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from ..config import HamaConfiguration
from ..errors import ConfigError

log = logging.getLogger(__name__)

__all__ = [
    "CERT_FILE", "KEY_FILE", "CA_FILE", "TLSFiles", "enabled", "prepare", "generate_self_signed",
    "generated_dir", "remove_dir", "install", "install_from_conf", "install_for_job", "uninstall", "server_context", "client_context",
    "wrap_server", "wrap_client", "https_context", "send_all", "recv_some", "recv_into_all",
]

#: Fixed names of the TLS files where they are shipped (YARN containers) or generated.
CERT_FILE = "hama-tls-cert.pem"
KEY_FILE = "hama-tls-key.pem"
CA_FILE = "hama-tls-ca.pem"

_GENERATED_KEY = "hama.rpc.tls.generated.dir"


@dataclass(frozen=True)
class TLSFiles:
    """PEM paths of a job's certificate, private key and CA bundle."""

    cert: str
    key: str
    ca: str


_lock = threading.Lock()
_contexts: dict[str, tuple[ssl.SSLContext, ssl.SSLContext, TLSFiles]] = {}


def enabled(conf: HamaConfiguration) -> bool:
    """``hama.rpc.tls.enabled``."""
    return conf.get_bool("hama.rpc.tls.enabled", False)


def _conf_files(conf: HamaConfiguration) -> TLSFiles | None:
    cert, key, ca = (conf.get(f"hama.rpc.tls.{k}") or "" for k in ("cert", "key", "ca"))
    if not cert and not key:
        return None
    if not cert or not key:
        raise ConfigError("hama.rpc.tls.cert" if not cert else "hama.rpc.tls.key",
                          "hama.rpc.tls.cert and hama.rpc.tls.key go together")
    files = TLSFiles(cert, key, ca or cert)
    for name, path in (("cert", files.cert), ("key", files.key), ("ca", files.ca)):
        if not Path(path).is_file():
            raise ConfigError(f"hama.rpc.tls.{name}", f"{path} is not a readable file")
    return files


def generate_self_signed(directory: Path, common_name: str = "hama-yarn job") -> TLSFiles:
    """Write a fresh self-signed certificate (its own CA) and key into *directory* (mode 0600).

    Raises
    ------
    MissingDependencyError
        If ``cryptography`` is not installed.
    """
    from ..optional import require

    require("cryptography", "tls", "a per-job TLS certificate (hama.rpc.tls.enabled without hama.rpc.tls.cert)")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    files = TLSFiles(str(directory / CERT_FILE), str(directory / KEY_FILE), str(directory / CA_FILE))
    for path, data in ((files.cert, pem), (files.ca, pem), (files.key, key_pem)):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "wb") as f:
            f.write(data)
    return files


def prepare(conf: HamaConfiguration, tmp_dir: Path) -> TLSFiles | None:
    """Client side, before staging: settle the job's TLS files in *conf* (None when TLS is off).

    Without ``hama.rpc.tls.cert`` a self-signed certificate is generated into a private
    directory under *tmp_dir* and its paths set in *conf* (``hama.rpc.tls.cert/key/ca``).
    On YARN (``bsp.master.address=yarn``) the files are copied there under fixed names
    and added to ``hama.yarn.files``, so YARN localizes them into every container.

    Raises
    ------
    ConfigError
        If only one of cert and key is set, or a path is not a file.
    """
    if not enabled(conf):
        return None
    files = _conf_files(conf)
    yarn = (conf.get("bsp.master.address") or "").strip() == "yarn"
    if files is not None and not yarn:
        return files
    root = tmp_dir / "tls"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory = Path(tempfile.mkdtemp(prefix="job-", dir=root))
    if files is None:
        files = generate_self_signed(directory)
    else:  # ship the given files under fixed names (private copies, removed with the job)
        for src, name in ((files.cert, CERT_FILE), (files.key, KEY_FILE), (files.ca, CA_FILE)):
            fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with open(fd, "wb") as f:
                f.write(Path(src).read_bytes())
        files = TLSFiles(str(directory / CERT_FILE), str(directory / KEY_FILE), str(directory / CA_FILE))
    conf.set("hama.rpc.tls.cert", files.cert)
    conf.set("hama.rpc.tls.key", files.key)
    conf.set("hama.rpc.tls.ca", files.ca)
    conf.set(_GENERATED_KEY, str(directory))
    if yarn:
        shipped = [f for f in (conf.get("hama.yarn.files") or "").split(",") if f.strip()]
        conf.set("hama.yarn.files", ",".join([*shipped, files.cert, files.key, files.ca]))
    return files


def generated_dir(conf: HamaConfiguration) -> str:
    """The directory :func:`prepare` wrote the job's TLS files to ("" if none)."""
    return conf.get(_GENERATED_KEY) or ""


def remove_dir(directory: str) -> None:
    """Remove a directory of TLS files :func:`prepare` made, once the job is over."""
    if directory and Path(directory).parent.name == "tls" and Path(directory).name.startswith("job-"):
        shutil.rmtree(directory, ignore_errors=True)


def _contexts_for(files: TLSFiles) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    try:
        server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.minimum_version = ssl.TLSVersion.TLSv1_2
        server.load_cert_chain(files.cert, files.key)
        server.load_verify_locations(files.ca)
        server.verify_mode = ssl.CERT_REQUIRED
        # Job connections live as long as the job and are never resumed: no TLS 1.3 session
        # tickets after each handshake (two records a connection, and the client's work to
        # parse them on its first read), no TLS 1.2 tickets or renegotiation.
        server.num_tickets = 0
        server.options |= ssl.OP_NO_TICKET | ssl.OP_NO_RENEGOTIATION
        client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        client.minimum_version = ssl.TLSVersion.TLSv1_2
        client.check_hostname = False  # the job's own CA is the trust root; peers have no stable names
        client.verify_mode = ssl.CERT_REQUIRED
        client.options |= ssl.OP_NO_TICKET | ssl.OP_NO_RENEGOTIATION
        client.load_cert_chain(files.cert, files.key)
        client.load_verify_locations(files.ca)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError("hama.rpc.tls.cert", f"cannot load TLS certificate {files.cert} / key / CA {files.ca}: "
                          f"{exc}") from exc
    return server, client


def install(secret: str, files: TLSFiles) -> None:
    """Use TLS with *files* on every connection of the job whose secret is *secret*."""
    server, client = _contexts_for(files)
    with _lock:
        _contexts[secret] = (server, client, files)


def uninstall(secret: str) -> None:
    """Forget the TLS contexts of a job (its connections are plain again)."""
    with _lock:
        _contexts.pop(secret, None)


def install_from_conf(conf: HamaConfiguration, secret: str) -> bool:
    """:func:`install` the files named in *conf* when ``hama.rpc.tls.enabled``; True if installed."""
    if not enabled(conf):
        return False
    files = _conf_files(conf)
    if files is None:
        raise ConfigError("hama.rpc.tls.cert", "TLS is enabled but no certificate was prepared for the job")
    install(secret, files)
    return True


def install_for_job(job_dir: str | Path, secret: str) -> bool:
    """Master/peer side: install the job's TLS from *job_dir*; True if TLS is on.

    Files under their fixed names in *job_dir* (localized by YARN) win; otherwise the
    paths in the job's configuration (``job.json``) are used when TLS is enabled.
    """
    if secret in _contexts:
        return True  # installed already (a forked peer, a YARN container's localized files)
    d = Path(job_dir)
    if (d / CERT_FILE).is_file() and (d / KEY_FILE).is_file():
        ca = d / CA_FILE
        install(secret, TLSFiles(str(d / CERT_FILE), str(d / KEY_FILE), str(ca if ca.is_file() else d / CERT_FILE)))
        log.info("mutual TLS on the job's connections (shipped certificate %s)", CERT_FILE)
        return True
    job = d / "job.json"
    if not job.is_file():
        return False
    import json

    conf = HamaConfiguration.from_dict(json.loads(job.read_text()).get("conf") or {})
    on = install_from_conf(conf, secret)
    if on:
        log.info("mutual TLS on the job's connections (certificate %s)", conf.get("hama.rpc.tls.cert"))
    return on


def server_context(secret: str) -> ssl.SSLContext | None:
    """The server-side context of the job with *secret*, None when it runs without TLS."""
    pair = _contexts.get(secret)
    return pair[0] if pair is not None else None


def client_context(secret: str) -> ssl.SSLContext | None:
    """The client-side context of the job with *secret*, None when it runs without TLS."""
    pair = _contexts.get(secret)
    return pair[1] if pair is not None else None


def wrap_server(sock: socket.socket, secret: str) -> socket.socket:
    """*sock* (accepted) wrapped in the job's TLS, handshake done; *sock* itself without TLS."""
    ctx = server_context(secret)
    return sock if ctx is None else ctx.wrap_socket(sock, server_side=True)


def wrap_client(sock: socket.socket, secret: str) -> socket.socket:
    """*sock* (connected) wrapped in the job's TLS, handshake done; *sock* itself without TLS."""
    ctx = client_context(secret)
    return sock if ctx is None else ctx.wrap_socket(sock, server_side=False)


def https_context(secret: str) -> ssl.SSLContext | None:
    """A server context for the job's web UI (browsers present no certificate), None without TLS."""
    entry = _contexts.get(secret)
    if entry is None:
        return None
    web = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    web.minimum_version = ssl.TLSVersion.TLSv1_2
    web.load_cert_chain(entry[2].cert, entry[2].key)
    return web


def send_all(sock: socket.socket, data: bytes) -> None:
    """``sock.sendall(data)``, without the Python loop :class:`ssl.SSLSocket` wraps it in.

    On a TLS socket ``send`` already writes all of *data* (CPython's ``SSLSocket.send``
    retries ``SSL_write`` until every byte is written or the timeout passes: no partial
    writes), while ``SSLSocket.sendall`` adds a Python loop of memoryview slices around it
    (~1 µs a call, paid on every barrier frame).  A plain socket keeps its C ``sendall``.
    """
    if type(sock) is ssl.SSLSocket:
        sent = sock.send(data)
        if sent < len(data):  # not expected (see above); finish the write the ordinary way
            sock.sendall(memoryview(data)[sent:])
    else:
        sock.sendall(data)


def recv_some(sock: socket.socket, n: int) -> bytes:
    """``sock.recv(n)``; on a TLS socket its ``read`` straight (one Python frame less a call:
    ``SSLSocket.recv`` checks its flags, then calls ``read``).  ``b""`` at end of stream."""
    if type(sock) is ssl.SSLSocket:
        return sock.read(n)
    return sock.recv(n)


def recv_into_all(sock: socket.socket, view: memoryview, chunk: int = 1 << 24) -> None:
    """Fill *view* (bytes) from *sock*, in as few calls as the socket allows.

    A TLS socket returns one record (<= 16 KiB) per call: its ``read`` is called directly
    (``SSLSocket.recv_into`` adds a Python frame of checks to each of those calls).

    Raises
    ------
    EOFError
        If the peer closes the connection before *view* is full.
    """
    got, n = 0, len(view)
    if type(sock) is ssl.SSLSocket:
        read = cast(Callable[[int, memoryview], int], sock.read)  # with a buffer: the count read
        while got < n:
            k = read(n - got, view[got:])
            if not k:
                raise EOFError(f"connection closed after {got} of {n} bytes")
            got += k
        return
    while got < n:
        m = sock.recv_into(view[got:], min(n - got, chunk))
        if not m:
            raise EOFError(f"connection closed after {got} of {n} bytes")
        got += m
