"""Readiness probes: real round trips against each service, each with a timeout.

A probe raises :class:`ProbeError` naming the daemon and its log file when the service does not
become ready in time. ZooKeeper, HDFS and YARN probes use only the standard library, so
``cluster.sh up`` works before the Python client packages are installed; the HBase probe uses
happybase (the protocol the project uses).
"""

from __future__ import annotations

import json
import logging
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.cluster.config import HOST, Layout, Ports

log = logging.getLogger("cluster.probes")


class ProbeError(RuntimeError):
    """A service did not become ready."""


def _tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join("    " + (line if len(line) <= 400 else line[:400] + " ...") for line in text[-lines:])


def wait_for(
    what: str,
    check: Callable[[], bool],
    timeout: float,
    logs: list[Path],
    alive: Callable[[], str | None] | None = None,
    interval: float = 0.25,
) -> float:
    """Poll ``check`` until it returns True; returns seconds waited or raises ProbeError.

    ``alive`` returns the name of a daemon that died (fail fast instead of waiting for the timeout).
    """
    start = time.monotonic()
    last_exc: BaseException | None = None
    while True:
        try:
            if check():
                return time.monotonic() - start
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready yet"
            last_exc = exc
        dead = alive() if alive else None
        elapsed = time.monotonic() - start
        if dead or elapsed > timeout:
            reason = f"daemon {dead} exited" if dead else f"not ready after {timeout:.0f}s"
            detail = f" (last error: {type(last_exc).__name__}: {last_exc})" if last_exc else ""
            tails = "\n".join(f"  --- tail of {p}:\n{_tail(p)}" for p in logs)
            raise ProbeError(f"{what}: {reason}{detail}\n  see log(s): {', '.join(map(str, logs))}\n{tails}")
        time.sleep(interval)


# --------------------------------------------------------------------------- ZooKeeper


def zk_four_letter(port: int, cmd: str = "ruok", host: str = HOST, timeout: float = 2.0) -> str:
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(cmd.encode())
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            data = s.recv(4096)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks).decode(errors="replace")


def zookeeper_ready(ports: Ports) -> bool:
    return zk_four_letter(ports.zookeeper, "ruok") == "imok" and "Mode:" in zk_four_letter(ports.zookeeper, "srvr")


# --------------------------------------------------------------------------- HTTP helpers


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_plain = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_noredirect = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def http_json(url: str, method: str = "GET", timeout: float = 5.0) -> dict[str, Any]:
    req = urllib.request.Request(url, method=method, headers={"Accept": "application/json"})
    with _plain.open(req, timeout=timeout) as resp:
        body = resp.read()
    return json.loads(body) if body else {}


def webhdfs(ports: Ports, path: str, op: str, method: str = "GET", data: bytes | None = None,
            timeout: float = 10.0, **params: str) -> bytes:
    """One WebHDFS call, following the NameNode→DataNode redirect by hand (PUT bodies go to the DN)."""
    query = "&".join(f"{k}={v}" for k, v in {"op": op, "user.name": "root", **params}.items())
    url = f"http://{HOST}:{ports.namenode_http}/webhdfs/v1{path}?{query}"
    req = urllib.request.Request(url, method=method)
    try:
        with _noredirect.open(req, timeout=timeout) as resp:
            return bytes(resp.read())
    except urllib.error.HTTPError as err:
        if err.code not in (301, 302, 307):
            raise RuntimeError(f"WebHDFS {op} {path}: HTTP {err.code}: {err.read()[:300]!r}") from err
        location = err.headers["Location"]
    req = urllib.request.Request(location, method=method, data=data)
    if data is not None:
        req.add_header("Content-Type", "application/octet-stream")
    with _plain.open(req, timeout=timeout) as resp:
        return bytes(resp.read())


def namenode_live_datanodes(ports: Ports) -> int:
    url = f"http://{HOST}:{ports.namenode_http}/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState"
    beans = http_json(url).get("beans") or []
    assert isinstance(beans, list)
    return int(beans[0]["NumLiveDataNodes"]) if beans else 0


def hdfs_ready(ports: Ports) -> bool:
    """≥1 live DataNode, out of safe mode, and a real write + read through WebHDFS."""
    if namenode_live_datanodes(ports) < 1:
        return False
    payload = f"probe {uuid.uuid4()}".encode()
    path = f"/tmp/.cluster-probe-{uuid.uuid4().hex}"  # unique: several sessions may probe at once
    webhdfs(ports, "/tmp", "MKDIRS", "PUT", permission="1777")
    webhdfs(ports, path, "CREATE", "PUT", data=payload, overwrite="true")
    ok = webhdfs(ports, path, "OPEN") == payload
    webhdfs(ports, path, "DELETE", "DELETE")
    return ok


def hdfs_prepare(ports: Ports) -> None:
    """Directories skein and the tests need: /user/root (skein staging), /tmp/logs (log aggregation)."""
    webhdfs(ports, "/user/root", "MKDIRS", "PUT", permission="755")
    webhdfs(ports, "/tmp/logs", "MKDIRS", "PUT", permission="1777")
    webhdfs(ports, "/tmp", "SETPERMISSION", "PUT", permission="1777")
    webhdfs(ports, "/tmp/logs", "SETPERMISSION", "PUT", permission="1777")


# --------------------------------------------------------------------------- YARN


def yarn_ready(ports: Ports) -> bool:
    """RM is up and reports ≥1 RUNNING NodeManager with capacity."""
    nodes = http_json(f"http://{HOST}:{ports.rm_web}/ws/v1/cluster/nodes?states=RUNNING")
    node_list = (nodes.get("nodes") or {}).get("node") or []
    return any(int(n.get("availMemoryMB", 0)) > 0 for n in node_list)


def yarn_running_apps(ports: Ports) -> list[dict[str, Any]]:
    data = http_json(f"http://{HOST}:{ports.rm_web}/ws/v1/cluster/apps?states=NEW,NEW_SAVING,SUBMITTED,ACCEPTED,RUNNING")
    return list(((data.get("apps") or {}).get("app")) or [])


# --------------------------------------------------------------------------- HBase


def hbase_ready(ports: Ports) -> bool:
    """Create a table, put, get, drop it through the Thrift1 server (what happybase speaks)."""
    import happybase

    conn = happybase.Connection(HOST, ports.hbase_thrift, timeout=20000, autoconnect=False)
    conn.open()
    try:
        name = f"cluster_probe_{uuid.uuid4().hex[:8]}"
        conn.create_table(name, {"f": {}})
        try:
            table = conn.table(name)
            table.put(b"row", {b"f:q": b"v"})
            ok = table.row(b"row") == {b"f:q": b"v"}
        finally:
            conn.delete_table(name, disable=True)
        return bool(ok)
    finally:
        conn.close()


def port_open(port: int, host: str = HOST) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


__all__ = ["ProbeError", "wait_for", "zookeeper_ready", "hdfs_ready", "hdfs_prepare", "yarn_ready",
           "yarn_running_apps", "hbase_ready", "webhdfs", "http_json", "port_open", "Layout"]
