"""Optional dependencies: import one, or fail naming the feature and the extra that provides it.

hama-yarn's core needs only thriftpy2, fsspec, psutil and numpy.  Everything else is an
extra of the ``hama-yarn`` distribution (``pip install 'hama-yarn[EXTRA]'``):

==============  =======================================  ==========================================
extra           modules                                  features
==============  =======================================  ==========================================
``zookeeper``   kazoo                                    ZooKeeper sync (``hama.sync.*=zookeeper``)
``hdfs``        hdfs_native, requests                    ``hdfs://``/``viewfs://``, ``webhdfs://``
``yarn``        skein                                    ``-r yarn``
``hbase``       happybase                                HBase input/output, ``hama hbase``
``compression`` lz4, zstandard, cramjam (python-snappy)  Lz4/ZStandard/Snappy codecs, lz4/zstd
                                                         message compression
``tls``         cryptography                             a per-job self-signed certificate
                                                         (``hama.rpc.tls.enabled``)
==============  =======================================  ==========================================

Every import of one of these goes through :func:`require`, so a missing one fails with
one line such as ``ZooKeeper sync needs kazoo: pip install 'hama-yarn[zookeeper]'``
(a :class:`MissingDependencyError`, exit 2 from the ``hama`` command).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import UsageError

__all__ = ["MissingDependencyError", "require", "EXTRAS"]

#: extra -> the top-level modules it installs (documentation and tests).
EXTRAS: dict[str, tuple[str, ...]] = {
    "zookeeper": ("kazoo",),
    "hdfs": ("hdfs_native", "requests"),
    "yarn": ("skein",),
    "hbase": ("happybase",),
    "compression": ("lz4", "zstandard", "cramjam"),
    "arrow": ("pyarrow",),
    "tls": ("cryptography",),
}


class MissingDependencyError(UsageError):
    """An optional module needed by a feature is not installed.

    Parameters
    ----------
    module : str
        The module that failed to import (e.g. ``kazoo``).
    extra : str
        The ``hama-yarn`` extra that installs it (e.g. ``zookeeper``).
    feature : str
        What needs it (e.g. ``ZooKeeper sync``).
    """

    def __init__(self, module: str, extra: str, feature: str, detail: str = "") -> None:
        self.module = module
        self.extra = extra
        self.feature = feature
        message = f"{feature} needs {module.split('.')[0]}: pip install 'hama-yarn[{extra}]'"
        super().__init__(f"{message} ({detail})" if detail else message)


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import *module*, or raise :class:`MissingDependencyError` naming *feature* and *extra*.

    Parameters
    ----------
    module : str
        Dotted module name (``kazoo.client``, ``lz4.block``).
    extra : str
        The extra that provides it (a key of :data:`EXTRAS`).
    feature : str
        The feature that needs it, as the user knows it.

    Returns
    -------
    module
        The imported module.

    Raises
    ------
    MissingDependencyError
        If the module (or its top-level package) cannot be imported.  The
        ``ImportError`` is chained.

    Examples
    --------
    >>> json = require("json", "test", "this example")
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        # installed but broken (one of its own dependencies is missing): say what failed
        detail = "" if (exc.name or top).split(".")[0] == top else f"importing it failed: {exc}"
        raise MissingDependencyError(module, extra, feature, detail) from exc
