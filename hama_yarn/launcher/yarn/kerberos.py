"""Kerberos on a secured Hadoop cluster, on the edge node.

A cluster is secured when its ``core-site.xml`` (``$HADOOP_CONF_DIR``) sets
``hadoop.security.authentication=kerberos``.  Then, before anything talks to HDFS or
YARN, :func:`login` makes sure the client has credentials:

* ``hama.yarn.kerberos.keytab`` (``--keytab``) with ``hama.yarn.kerberos.principal``
  (``--principal``; read from the keytab when omitted): a ticket is obtained from the
  keytab into a private ticket cache of this process (``KRB5CCNAME``, removed at exit),
  so the client's own HDFS calls (hdfs-native) use it, and skein's driver logs in from
  the keytab itself (``skein.Client(principal=, keytab=)``);
* otherwise the ticket cache (``kinit``): ``klist -s`` must find a valid ticket.

Without either the job stops with one line, ``no valid Kerberos ticket: run kinit or
pass --keytab`` (a :class:`KerberosError`, exit 2), before an application is submitted,
instead of a Java stack trace or a hang in Hadoop's retry loop.

The delegation tokens the containers need are obtained by skein's driver for the
application's ``file_systems`` (:func:`file_systems`: ``hama.job.filesystems`` plus the
job's HDFS input and output) and handed to every container by YARN
(``HADOOP_TOKEN_FILE_LOCATION``); the HDFS client in the containers (hdfs-native) reads
them from there.  On a cluster with simple authentication nothing here does anything.
"""

from __future__ import annotations

import atexit
import dataclasses
import logging
import os
import shutil
import subprocess
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

from ...config import HamaConfiguration
from ...errors import ConfigError

log = logging.getLogger(__name__)

__all__ = ["KerberosError", "Credentials", "security_enabled", "login", "file_systems", "KEY_PRINCIPAL", "KEY_KEYTAB",
           "KEY_FILESYSTEMS", "NO_TICKET"]

KEY_PRINCIPAL = "hama.yarn.kerberos.principal"
KEY_KEYTAB = "hama.yarn.kerberos.keytab"
KEY_FILESYSTEMS = "hama.job.filesystems"
NO_TICKET = "no valid Kerberos ticket: run kinit or pass --keytab"
#: seconds any Kerberos command-line tool may take (the KDC is normally answered within milliseconds)
TOOL_TIMEOUT = 30.0
#: schemes whose filesystems issue Hadoop delegation tokens
TOKEN_SCHEMES = ("hdfs", "viewfs", "webhdfs", "swebhdfs")


class KerberosError(ConfigError):
    """No usable Kerberos credentials for a secured cluster (exit 2: fix the environment)."""


@dataclasses.dataclass(frozen=True)
class Credentials:
    """What skein's driver logs in with: a keytab and its principal, or (both None) the ticket cache."""

    principal: str | None = None
    keytab: str | None = None


def _hadoop_conf_dir() -> Path | None:
    for var in ("HADOOP_CONF_DIR", "YARN_CONF_DIR"):
        d = os.environ.get(var)
        if d and Path(d).is_dir():
            return Path(d)
    home = os.environ.get("HADOOP_HOME")
    if home and (Path(home) / "etc" / "hadoop").is_dir():
        return Path(home) / "etc" / "hadoop"
    return None


def security_enabled(conf_dir: Path | None = None) -> bool:
    """True when the Hadoop configuration sets ``hadoop.security.authentication=kerberos``."""
    conf_dir = conf_dir or _hadoop_conf_dir()
    if conf_dir is None:
        return False
    try:
        root = ET.parse(conf_dir / "core-site.xml").getroot()
    except (OSError, ET.ParseError):
        return False
    for prop in root.iter("property"):
        if (prop.findtext("name") or "").strip() == "hadoop.security.authentication":
            return (prop.findtext("value") or "").strip().lower() == "kerberos"
    return False


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise KerberosError(KEY_KEYTAB, (
            f"the Hadoop cluster uses Kerberos but there is no `{name}` command (MIT Kerberos client tools): "
            "install them (Debian/Ubuntu: apt-get install krb5-user; RHEL: yum install krb5-workstation)"))
    return path


def _run(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=TOOL_TIMEOUT, env=env,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise KerberosError(KEY_KEYTAB, (
            f"`{' '.join(cmd)}` did not answer within {TOOL_TIMEOUT:g}s: is the KDC of krb5.conf "
            f"({os.environ.get('KRB5_CONFIG', '/etc/krb5.conf')}) reachable?")) from exc


def keytab_principal(keytab: str) -> str:
    """The first principal in *keytab* (``klist -k``)."""
    proc = _run([_tool("klist"), "-k", keytab])
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit():
            return parts[1]
    raise KerberosError(KEY_PRINCIPAL, (
        f"cannot read a principal from keytab {keytab} ({proc.stderr.strip() or 'no entries'}): "
        "pass --principal"))


_private_cache: list[str] = []
#: keytab logins of this process -> the private ticket cache they went to
_logged_in: dict[Credentials, str] = {}


def _cleanup_cache() -> None:
    for d in _private_cache:
        shutil.rmtree(d, ignore_errors=True)
    _private_cache.clear()


def _kinit_keytab(principal: str, keytab: str) -> None:
    """A ticket from *keytab* into a private cache of this process (``KRB5CCNAME``)."""
    directory = tempfile.mkdtemp(prefix="hama-krb5cc-")  # 0700
    if not _private_cache:
        atexit.register(_cleanup_cache)
    _private_cache.append(directory)
    cache = f"FILE:{directory}/krb5cc"
    proc = _run([_tool("kinit"), "-kt", keytab, principal], env=dict(os.environ, KRB5CCNAME=cache))
    if proc.returncode != 0:
        raise KerberosError(KEY_KEYTAB, (
            f"cannot log in as {principal} with keytab {keytab}: {proc.stderr.strip() or f'kinit exit {proc.returncode}'}"))
    os.environ["KRB5CCNAME"] = cache


def login(conf: HamaConfiguration) -> Credentials | None:
    """Check (or obtain) Kerberos credentials when the cluster is secured; None when it is not.

    Raises
    ------
    KerberosError
        No valid ticket and no keytab (:data:`NO_TICKET`), an unreadable keytab, a
        failed login, or missing Kerberos tools; the message says what to do.
    """
    principal = (conf.get(KEY_PRINCIPAL) or "").strip() or None
    keytab = (conf.get(KEY_KEYTAB) or "").strip() or None
    if not security_enabled():
        if keytab or principal:
            log.warning("%s/%s ignored: the Hadoop configuration does not use Kerberos "
                        "(hadoop.security.authentication)", KEY_PRINCIPAL, KEY_KEYTAB)
        return None
    if keytab:
        path = Path(keytab).expanduser()
        if not path.is_file() or not os.access(path, os.R_OK):
            raise KerberosError(KEY_KEYTAB, f"keytab {keytab} does not exist or is not readable")
        keytab = str(path.resolve())
        principal = principal or keytab_principal(keytab)
        creds = Credentials(principal, keytab)
        if _logged_in.get(creds) != os.environ.get("KRB5CCNAME"):  # once per process and keytab
            _kinit_keytab(principal, keytab)
            _logged_in[creds] = os.environ["KRB5CCNAME"]
            log.info("Kerberos: logged in as %s from keytab %s", principal, keytab)
        return creds
    if principal:
        raise KerberosError(KEY_PRINCIPAL, f"--principal {principal} needs --keytab (or run kinit {principal})")
    proc = _run([_tool("klist"), "-s"])
    if proc.returncode != 0:
        cache = os.environ.get("KRB5CCNAME", "the default ticket cache")
        raise KerberosError(KEY_KEYTAB, f"{NO_TICKET} (the Hadoop cluster uses Kerberos; none in {cache})")
    return Credentials()


def file_systems(conf: HamaConfiguration) -> list[str]:
    """Filesystems whose delegation tokens the job's containers need.

    ``hama.job.filesystems`` (comma-separated URIs) plus the filesystems of the job's
    input and output paths when they are HDFS-like (``hdfs``, ``viewfs``, ``webhdfs``);
    the default filesystem is always added by skein.
    """
    from ...io.fs import qualify

    out: list[str] = []
    listed = [u.strip() for u in (conf.get(KEY_FILESYSTEMS) or "").split(",") if u.strip()]
    paths = [p.strip() for key in ("bsp.input.dir", "bsp.output.dir")
             for p in (conf.get(key) or "").split(",") if p.strip()]
    for uri in listed + paths:
        parts = urllib.parse.urlsplit(qualify(uri, conf))
        if parts.scheme.lower() not in TOKEN_SCHEMES or not parts.netloc:
            if uri in listed:
                raise ConfigError(KEY_FILESYSTEMS, f"{uri!r} is not a Hadoop filesystem URI (hdfs://host:port, "
                                                   "viewfs://cluster, webhdfs://host:port)")
            continue
        fs = f"{parts.scheme.lower()}://{parts.netloc}"
        if fs not in out:
            out.append(fs)
    return out
