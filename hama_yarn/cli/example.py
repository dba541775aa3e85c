"""``hama example NAME [ARGS]``: run a bundled example (pi, hello, combine, pagerank, gen, graph, ...).

Examples are the scripts under ``examples/`` (each with a ``main(argv)``), plus
``graph``, the library's graph command (:mod:`hama_yarn.cli.graph`, also ``hama graph``).
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from ..errors import UsageError
from ..plugins import load_script
from ..resources import data_path
from . import graph as graph_command

__all__ = ["add_parser", "available", "BUILTIN"]

#: Examples that are commands of the library rather than scripts under examples/
#: (a module, or its dotted name: imported when the example runs or is listed).
BUILTIN: dict[str, Any] = {"graph": graph_command}
BUILTIN.update({name: f"hama_yarn.{pkg}.{name}" for pkg, names in (("ml", ("kmeans", "gd", "cf")),
               ("matrix", ("spmv", "matmult", "bench"))) for name in names})


def _builtin(name: str) -> Any:
    module = BUILTIN.get(name)
    return importlib.import_module(module) if isinstance(module, str) else module


def available() -> dict[str, str]:
    """Example name -> first line of its docstring."""
    out: dict[str, str] = {}
    for name in BUILTIN:
        try:  # one broken or missing built-in must not make every other example unusable
            out[name] = (_builtin(name).__doc__ or "").strip().split("\n", 1)[0]
        except ImportError as exc:
            out[name] = f"(unavailable: {exc})"
    for path in sorted(data_path("examples").glob("*.py")):
        if path.name.startswith("_"):
            continue
        doc = ""
        text = path.read_text()
        if text.lstrip().startswith('"""'):
            doc = text.lstrip()[3:].split("\n", 1)[0].strip().rstrip('"')
        out[path.stem] = doc
    return dict(sorted(out.items()))


def add_parser(sub: Any) -> None:
    p = sub.add_parser("example", help="run a bundled example", description=__doc__)
    p.add_argument("name", nargs="?", help="example name; omit to list them")
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments of the example (see hama example NAME -h)")
    p.set_defaults(handler=handle)


def _exists(name: str) -> bool:
    """Whether *name* is an example, without importing any (the built-ins load NumPy: its
    thread pool would make the client spawn, not fork, the job's master)."""
    return name in BUILTIN or (name.isidentifier() and not name.startswith("_")
                               and (data_path("examples") / f"{name}.py").is_file())


def handle(args: argparse.Namespace) -> int:
    if not args.name:
        print("Available examples:")
        for name, doc in available().items():
            print(f"  {name:<12} {doc}")
        return 0
    if not _exists(args.name):
        raise UsageError(f"unknown example {args.name!r}; available: {', '.join(available())}")
    module = _builtin(args.name) or load_script(data_path("examples") / f"{args.name}.py")
    main = getattr(module, "main", None)
    if main is None:
        raise UsageError(f"example {args.name} has no main()")
    extra = list(args.args)
    if args.quiet:
        extra.append("--quiet")
    code: int = main(extra)
    return code
