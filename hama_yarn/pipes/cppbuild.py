"""``hama pipes --cflags`` / ``--libs``: compiler and linker flags for Hama Pipes C++ programs.

The headers (``hama/Pipes.hh``, ``hama/TemplateFactory.hh``, ``hadoop/SerialUtils.hh``,
``hadoop/StringUtils.hh``, ``hadoop/Splitter.hh``) live in ``hama_yarn/pipes/cpp/include``.  The
static library ``libhamapipes++.a`` is built with ``make`` on first use into
``$HAMA_PIPES_CPP_BUILD`` (default ``~/.cache/hama-yarn/pipes-cpp/<source hash>``), so a changed
source gets a fresh build::

    g++ $(hama pipes --cflags) prog.cc -o prog $(hama pipes --libs)
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from ..errors import UsageError

__all__ = ["SOURCE", "cflags", "libs", "library_dir"]

SOURCE = Path(__file__).resolve().parent / "cpp"


def _hash() -> str:
    h = hashlib.sha256()
    for path in sorted(SOURCE.rglob("*")):
        if path.is_file() and path.suffix in (".cc", ".hh") or path.name == "Makefile":
            h.update(str(path.relative_to(SOURCE)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def library_dir() -> Path:
    """The directory holding ``libhamapipes++.a``, built with make when missing.

    Raises
    ------
    UsageError
        When make or the C++ compiler fails (its output is included).
    """
    base = os.environ.get("HAMA_PIPES_CPP_BUILD")
    out = Path(base) if base else Path.home() / ".cache" / "hama-yarn" / "pipes-cpp" / _hash()
    lib = out / "libhamapipes++.a"
    if not lib.exists():
        out.mkdir(parents=True, exist_ok=True)
        try:
            p = subprocess.run(["make", "-s", "-C", str(SOURCE), f"OUT={out}"], capture_output=True, text=True,
                               timeout=600)
        except FileNotFoundError as exc:
            raise UsageError("building the Hama Pipes C++ library needs make and g++") from exc
        if p.returncode != 0 or not lib.exists():
            raise UsageError(f"building {lib} failed:\n{p.stdout}{p.stderr}")
    return out


def cflags() -> str:
    """``-I`` flag of the include directory holding ``hama/`` and ``hadoop/``."""
    return f"-I{SOURCE / 'include'}"


def libs() -> str:
    """Linker flags for ``libhamapipes++.a``."""
    return f"-L{library_dir()} -lhamapipes++"
