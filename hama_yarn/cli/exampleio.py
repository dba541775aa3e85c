"""What the bundled examples share so that they work whatever ``fs.defaultFS`` is.

A Hadoop configuration (``$HADOOP_CONF_DIR/core-site.xml``) may point ``fs.defaultFS``
at HDFS; paths without a scheme then name HDFS paths.  The examples therefore

* read their bundled data as a local file (:func:`bundled_input`: ``file://``), or copy
  it to the job's filesystem when the peers run on YARN;
* put output they only print into :func:`scratch_dir`, a temporary directory on the
  job's filesystem that is removed afterwards (also when the job fails or is
  interrupted);
* read output through the job's filesystem (:func:`read_output`), never with ``open``.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..config import HamaConfiguration
from ..errors import InputError, OutputError

log = logging.getLogger(__name__)

__all__ = ["bundled_input", "scratch_dir", "read_output", "runs_remote"]


def _local_fs(conf: HamaConfiguration) -> bool:
    from ..io import fs as _fs  # lazy: `hama` builds every command's parser at start-up

    return _fs.qualify("x", conf).startswith("file:")


def runs_remote(conf: HamaConfiguration) -> bool:
    """True when the peers may run on other machines (``bsp.master.address`` not local/inline)."""
    return (conf.get("bsp.master.address") or "local").strip() not in ("local", "inline")


@contextmanager
def scratch_dir(conf: HamaConfiguration, prefix: str) -> Iterator[str]:
    """A fresh directory URL on the job's filesystem, removed with everything in it on exit.

    On the local filesystem it is a new :func:`tempfile.mkdtemp` directory; on another
    ``fs.defaultFS`` (HDFS) it is ``/tmp/<prefix>-<user>-<random>`` there, not created
    (a job creates its output directory below it).

    Parameters
    ----------
    conf : HamaConfiguration
        The job configuration (``fs.defaultFS``).
    prefix : str
        Name prefix, e.g. ``hama-pi``.

    Yields
    ------
    str
        The directory's URL (``file:///...`` or ``hdfs://nn:port/tmp/...``).
    """
    if _local_fs(conf):
        local = tempfile.mkdtemp(prefix=prefix + "-")
        try:
            yield "file://" + local
        finally:
            shutil.rmtree(local, ignore_errors=True)
        return
    from ..io import fs as _fs

    url = _fs.qualify(f"/tmp/{prefix}-{_fs.hadoop_user()}-{uuid.uuid4().hex[:12]}", conf)
    try:
        yield url
    finally:
        try:
            fs, path = _fs.resolve(url, conf)
            if fs.exists(path):
                fs.rm(path, recursive=True)
        except (OSError, InputError) as exc:
            log.warning("could not remove the temporary directory %s: %s", url, exc)


def bundled_input(path: str | os.PathLike[str], conf: HamaConfiguration, scratch: str) -> str:
    """The input URL of an example's bundled data file *path*.

    Peers on this machine read it as a local file (``file://``, never resolved against
    ``fs.defaultFS``).  When the peers run on YARN and ``fs.defaultFS`` is not local,
    the file is copied into *scratch* (see :func:`scratch_dir`) so that every container
    can read it.

    Raises
    ------
    OutputError
        The copy to the job's filesystem failed.
    """
    local = Path(path).resolve()
    if not runs_remote(conf) or _local_fs(conf):
        return "file://" + str(local)
    url = f"{scratch.rstrip('/')}/input/{local.name}"
    from ..io import fs as _fs

    try:
        fs, inner = _fs.resolve(url, conf)
        fs.makedirs(inner.rsplit("/", 1)[0], exist_ok=True)
        fs.put_file(str(local), inner)
    except OSError as exc:
        raise OutputError(f"cannot stage {local} to {url}: {exc}") from exc
    log.info("staged %s to %s", local, url)
    return url


def read_output(out: str, conf: HamaConfiguration | None = None) -> list[str]:
    """Lines of every ``part-*`` file of the output directory *out* (any filesystem), in part order.

    Raises
    ------
    InputError
        *out* does not exist.
    """
    from ..io import fs as _fs

    fs, path = _fs.resolve(out, conf)
    try:
        names = sorted(p for p in fs.ls(path, detail=False) if p.rstrip("/").rsplit("/", 1)[-1].startswith("part-"))
        lines: list[str] = []
        for name in names:
            lines.extend(fs.cat_file(name).decode("utf-8").splitlines())
    except FileNotFoundError as exc:
        raise InputError(f"output directory {_fs.qualify(out, conf)} does not exist") from exc
    return lines
