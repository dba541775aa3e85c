"""Filesystems through fsspec: ``file://``, ``hdfs://``, ``webhdfs://`` and any other fsspec protocol.

Everything that touches job files goes through :func:`resolve` (and :func:`qualify`),
so a new filesystem needs no change elsewhere.

* ``hdfs://host:port/path`` uses hdfs-native's fsspec implementation (a Rust client; no
  JVM on the client machine).  ``hdfs:///path`` (no authority) takes host and port from
  ``fs.defaultFS``.
* ``webhdfs://host:port/path`` uses fsspec's WebHDFS client; the user is
  ``$HADOOP_USER_NAME`` (or the login name), as Hadoop's simple authentication does.
* A path **without a scheme** resolves like Hadoop's ``Path.makeQualified``: against
  ``fs.defaultFS`` (from the job configuration, else from
  ``$HADOOP_CONF_DIR/core-site.xml``).  An absolute path keeps its path on that
  filesystem; a relative one is relative to the working directory, which is
  ``/user/<user>`` on HDFS and the current directory on the local filesystem.  Without a
  ``HADOOP_CONF_DIR`` (or with ``fs.defaultFS = file:///``) a path without a scheme is
  a local path.

The first contact with each remote address is bounded by ``hama.client.connect.timeout.ms``
and answers Ctrl-C (:mod:`hama_yarn.io.reach`): a wrong address fails with one error
naming it and the key.  Hadoop client keys set in the job configuration (``dfs.*``,
``ipc.*``, e.g. ``dfs.client.failover.max.attempts``) are passed to hdfs-native, which
otherwise reads ``$HADOOP_CONF_DIR``.
"""

from __future__ import annotations

import getpass
import io
import logging
import os
import posixpath
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import HamaConfiguration
from ..errors import InputError
from ..optional import require
from .reach import check_reachable

if TYPE_CHECKING:
    import fsspec

log = logging.getLogger(__name__)

_hbase_registered = False


def _url_to_fs(url: str, **options: Any) -> tuple[fsspec.AbstractFileSystem, str]:
    """fsspec's ``url_to_fs``; fsspec (tens of ms to import) loads on the first filesystem opened."""
    import fsspec
    from fsspec.core import url_to_fs

    # hbase://host:port/table URLs (bsp.input.dir / bsp.output.dir of the hbase formats) go
    # through the core's commit protocol on this filesystem; registered by name, imported lazily.
    global _hbase_registered
    if not _hbase_registered:
        fsspec.register_implementation("hbase", "hama_yarn.io.hbase.commitfs.HBaseTableFS", clobber=True)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(before=_keep_instances, after_in_parent=_kept_across_fork.clear,
                                after_in_child=_inherit_kept)
        _hbase_registered = True
    fs, inner = url_to_fs(url, **options)
    return fs, inner


#: fsspec's cached filesystems while this process forks (see :func:`_keep_instances`).
_kept_across_fork: list[object] = []
#: In a forked child: its parents' filesystems, never freed (see :func:`_keep_instances`).
_inherited: list[object] = []


def _keep_instances() -> None:
    """Before ``os.fork``: hold every filesystem fsspec caches, so the child never frees them.

    fsspec empties its instance caches in a forked child (``register_at_fork``).  Freeing
    an hdfs-native client there drops its tokio runtime, which waits forever for the
    runtime's blocking-pool threads (Kerberos, DNS), which do not exist in the child: a
    forked master or peer hung.  The child keeps these references (and never uses the
    filesystems: fsspec makes new ones, and :func:`_inherit_kept` moves them where a
    later fork of the child does not drop them); the parent drops them after the fork.
    """
    import fsspec

    pending: list[type] = [fsspec.AbstractFileSystem]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        cache = cls.__dict__.get("_cache")
        if cache:
            _kept_across_fork.extend(cache.values())


def _inherit_kept() -> None:
    """In the forked child: keep the parent's filesystems for good (a forked master forks peers)."""
    _inherited.extend(_kept_across_fork)
    _kept_across_fork.clear()


__all__ = [
    "create",
    "resolve",
    "resolve_output",
    "qualify",
    "default_fs",
    "is_hidden",
    "is_local",
    "info",
    "url_of",
    "block_size",
    "hadoop_user",
    "LOCAL_BLOCK_SIZE",
    "open_input",
]

#: Hadoop's ``fs.local.block.size`` default: the split size for local files.
LOCAL_BLOCK_SIZE = 32 * 1024 * 1024

_core_site_cache: dict[tuple[str, float], dict[str, str]] = {}


def hadoop_user() -> str:
    """The user Hadoop's simple authentication would use: ``$HADOOP_USER_NAME`` or the login."""
    name = os.environ.get("HADOOP_USER_NAME")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        return "hadoop"


def _core_site() -> dict[str, str]:
    """Properties of ``$HADOOP_CONF_DIR/core-site.xml`` (empty when there is none)."""
    conf_dir = os.environ.get("HADOOP_CONF_DIR")
    if not conf_dir:
        return {}
    path = Path(conf_dir) / "core-site.xml"
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return {}
    key = (str(path), mtime)
    cached = _core_site_cache.get(key)
    if cached is not None:
        return cached
    props: dict[str, str] = {}
    try:
        for prop in ET.parse(path).getroot().iter("property"):
            name, value = prop.findtext("name"), prop.findtext("value")
            if name:
                props[name.strip()] = (value or "").strip()
    except (ET.ParseError, OSError) as exc:
        log.warning("cannot read %s: %s", path, exc)
    _core_site_cache.clear()
    _core_site_cache[key] = props
    return props


def default_fs(conf: HamaConfiguration | None = None) -> str:
    """``fs.defaultFS``: from *conf*, else ``$HADOOP_CONF_DIR/core-site.xml``, else ``file:///``."""
    value = ""
    if conf is not None:
        value = conf.get("fs.defaultFS") or conf.get("fs.default.name") or ""
    if not value:
        site = _core_site()
        value = site.get("fs.defaultFS") or site.get("fs.default.name") or ""
    return value.strip() or "file:///"


def _has_scheme(path: str) -> bool:
    scheme, sep, _ = path.partition(":")
    # "C:\..." style drive letters are one character; Hadoop schemes are longer.
    return bool(sep) and len(scheme) > 1 and scheme.replace("+", "").replace("-", "").replace(".", "").isalnum()


def qualify(path: str, conf: HamaConfiguration | None = None) -> str:
    """Return *path* as a full URL with scheme (and authority for HDFS), like Hadoop.

    Parameters
    ----------
    path : str
        A URL (``hdfs://nn:9000/x``, ``file:///x``, ``file:/x``) or a path without a
        scheme, resolved against ``fs.defaultFS``.
    conf : HamaConfiguration, optional
        Consulted for ``fs.defaultFS`` before ``core-site.xml``.

    Returns
    -------
    str
        The qualified URL, e.g. ``file:///abs/path`` or ``hdfs://nn:9000/user/me/x``.
    """
    path = path.strip()
    if _has_scheme(path):
        parsed = urllib.parse.urlsplit(path)
        scheme = parsed.scheme.lower()
        if scheme == "file":
            return "file://" + (parsed.path if parsed.path.startswith("/") else os.path.abspath(parsed.path))
        if scheme in ("hdfs", "viewfs", "webhdfs") and not parsed.netloc:
            dfs = urllib.parse.urlsplit(default_fs(conf))
            if dfs.scheme.lower() == scheme and dfs.netloc:
                return f"{scheme}://{dfs.netloc}{parsed.path or '/'}"
        return path
    dfs_url = default_fs(conf)
    dfs = urllib.parse.urlsplit(dfs_url)
    if dfs.scheme.lower() in ("", "file"):
        return "file://" + os.path.abspath(os.path.expanduser(path))
    if path.startswith("/"):
        inner = posixpath.normpath(path)
    else:
        inner = posixpath.normpath(posixpath.join("/user", hadoop_user(), path))
    return f"{dfs.scheme}://{dfs.netloc}{inner}"


def resolve(path: str, conf: HamaConfiguration | None = None) -> tuple[fsspec.AbstractFileSystem, str]:
    """Return ``(filesystem, path inside it)`` for a path or URL.

    The single choke point through which hama-yarn opens every filesystem.

    Raises
    ------
    InputError
        If the filesystem's protocol is unknown or its library missing.
    """
    url = qualify(path, conf)
    options: dict[str, Any] = {}
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme in ("webhdfs", "swebhdfs"):
        require("requests", "hdfs", f"{scheme}:// access")
        options["user"] = hadoop_user()
    elif scheme in ("hdfs", "viewfs"):
        require("hdfs_native", "hdfs", f"{scheme}:// access")
        options.update(_hadoop_client_keys(conf))
    try:
        fs, inner = _url_to_fs(url, **options)
    except (ValueError, ImportError, RuntimeError) as exc:  # hdfs-native: RuntimeError(InvalidArgument(...))
        hint = ""
        if scheme == "hdfs" and urllib.parse.urlsplit(url).port is None:
            hint = " (give the NameNode's port, hdfs://host:8020/..., or define the nameservice in hdfs-site.xml)"
        raise InputError(f"cannot open filesystem for {path!r}: {exc}{hint}") from exc
    except OSError as exc:
        raise InputError(f"cannot connect to the filesystem of {path!r}: {exc}") from exc
    check_reachable(fs, inner, url, conf)
    return fs, inner


def resolve_output(path: str, conf: HamaConfiguration | None = None) -> tuple[Any, str]:
    """:func:`resolve` for the output commit and writers: a local path gets :class:`~hama_yarn.io.localfs.LocalFS`.

    Checking, writing and committing a local output directory then needs no fsspec (its
    import costs a short job tens of milliseconds in each process).  The returned object
    offers only what the output commit uses (``exists``, ``isdir``, ``ls``, ``makedirs``,
    ``mv``, ``rm``, ``rmdir``, ``touch``, ``open``); other filesystems come from :func:`resolve`.
    """
    url = qualify(path, conf)
    if url.startswith("file://"):
        from .localfs import LocalFS, local_inner

        return LocalFS(), local_inner(url)
    return resolve(path, conf)


def _hadoop_client_keys(conf: HamaConfiguration | None) -> dict[str, str]:
    """Hadoop client keys (``dfs.*``, ``ipc.*``) set in *conf*: hdfs-native's configuration overrides."""
    if conf is None:
        return {}
    return {k: v for k, v in conf.items() if k.startswith(("dfs.", "ipc.")) and conf.source(k) != "default"}


def url_of(base_url: str, inner: str, fs: Any = None) -> str:
    """The URL of *inner* (a path from ``fs.ls``/``fs.glob``) on the filesystem of *base_url*.

    fsspec strips the authority (``host:port``) from paths of HDFS-like filesystems;
    this puts the scheme and authority of *base_url* back.  Other filesystems use
    ``fs.unstrip_protocol``.
    """
    if "://" in inner:
        return inner
    parsed = urllib.parse.urlsplit(base_url)
    scheme = parsed.scheme.lower() or "file"
    if scheme in ("file", "local"):
        return "file://" + inner
    if scheme in ("hdfs", "viewfs", "webhdfs", "swebhdfs"):
        return f"{parsed.scheme}://{parsed.netloc}/{inner.lstrip('/')}"
    if fs is not None:
        return str(fs.unstrip_protocol(inner))
    return f"{parsed.scheme}://{inner}"


def is_local(fs: Any) -> bool:
    """True for the local filesystem (where plain ``open`` is fastest)."""
    from .localfs import LocalFS

    if isinstance(fs, LocalFS):
        return True
    from fsspec.implementations.local import LocalFileSystem

    return isinstance(fs, LocalFileSystem)


def is_hidden(path: str) -> bool:
    """Hadoop's hidden-file rule: names starting with ``_`` or ``.`` are skipped."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return name.startswith(("_", "."))


def info(fs: Any, path: str) -> dict[str, Any]:
    """``fs.info`` that raises :class:`InputError` naming the path when it is missing or unreadable."""
    try:
        result: dict[str, Any] = fs.info(path)
    except FileNotFoundError as exc:
        raise InputError(f"Input path does not exist: {path}") from exc
    except OSError as exc:  # connection lost after the first contact, permission denied, ...
        raise InputError(f"cannot read the status of {path}: {exc}") from exc
    return result


def block_size(fs: Any, path: str, file_info: dict[str, Any] | None = None) -> int:
    """The file's block size: HDFS's per-file block size, else ``fs.local.block.size`` (32 MiB).

    Parameters
    ----------
    fs : fsspec.AbstractFileSystem
        The file's filesystem.
    path : str
        Path inside *fs*.
    file_info : dict, optional
        ``fs.info(path)`` if already known.
    """
    if file_info is not None:
        for key in ("blocksize", "blockSize", "block_size"):
            value = file_info.get(key)
            if isinstance(value, int) and value > 0:
                return value
    client = getattr(fs, "client", None)
    if client is not None and hasattr(client, "get_file_info"):  # hdfs-native
        try:
            value = int(client.get_file_info(fs._strip_protocol(path)).blocksize)
            if value > 0:
                return value
        except (OSError, AttributeError, ValueError, TypeError):
            log.debug("no block size for %s", path, exc_info=True)
    return LOCAL_BLOCK_SIZE


class _RawReader(io.RawIOBase):
    """A ``RawIOBase`` over any file object with ``read(n)``/``seek``/``tell``.

    hdfs-native's ``FileReader`` implements ``read`` but not ``readinto`` (so
    ``io.BufferedReader`` cannot wrap it) and its ``seek`` returns None.
    """

    def __init__(self, f: Any, name: str) -> None:
        super().__init__()
        self._f = f
        self.name = name  # shown in error messages (SequenceFile errors name the file)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        data = self._f.read(len(view))
        n = len(data)
        view[:n] = data
        return n

    def seek(self, offset: int, whence: int = 0) -> int:
        self._f.seek(offset, whence)
        return int(self._f.tell())

    def tell(self) -> int:
        return int(self._f.tell())

    def close(self) -> None:
        if not self.closed:
            self._f.close()
        super().close()


def create(url: str, conf: HamaConfiguration | None = None) -> Any:
    """Open *url* for writing (binary) on its filesystem, parent directories created.

    Raises
    ------
    OutputError
        The file cannot be created (the URL and the cause are named).
    """
    from ..errors import OutputError

    fs, path = resolve_output(url, conf)
    try:
        parent = path.rsplit("/", 1)[0]
        if parent:
            fs.makedirs(parent, exist_ok=True)
        return fs.open(path, "wb")
    except OSError as exc:
        raise OutputError(f"cannot create {url}: {exc}") from exc


def open_input(fs: Any, path: str, buffer_size: int = 1 << 20, buffered: bool = True, name: str = "") -> Any:
    """Open *path* on *fs* for reading: a seekable binary file with ``readline``.

    Local files use plain ``open``; others are wrapped so that buffering, ``seek`` and
    ``tell`` behave like a local file on every fsspec implementation.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    """
    if is_local(fs):
        return open(path, "rb", buffering=buffer_size if buffered else 0)  # noqa: SIM115
    raw = _RawReader(fs.open(path, "rb"), name or path)
    return io.BufferedReader(raw, buffer_size=buffer_size) if buffered else raw
