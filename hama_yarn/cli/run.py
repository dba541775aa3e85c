"""``hama run SCRIPT.py[:Class]``: run a BSP class from a Python file or module."""

from __future__ import annotations

import argparse
from typing import Any

from ..bsp import BSP, Combiner
from ..errors import UsageError
from ..job import BSPJob
from ..plugins import find_subclasses, load_object, load_script
from .common import add_conf_args, conf_from_args, run_job, set_io

__all__ = ["add_parser", "resolve_bsp_class"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("run", help="run a BSP job from a script", description=__doc__)
    p.add_argument("script", metavar="SCRIPT.py[:Class]", help="a Python file (or module:Class) defining a BSP subclass")
    p.add_argument("-n", "--num-tasks", type=int, help="number of peers (bsp.peers.num)")
    p.add_argument("-i", "--input", help="input path(s) (bsp.input.dir)")
    p.add_argument("-o", "--output", help="output directory (bsp.output.dir)")
    p.add_argument("--input-format", help="text, keyvalue, sequencefile, null or module:Class")
    p.add_argument("--output-format", help="text, sequencefile, null or module:Class")
    p.add_argument("--combiner", help="Combiner class (a name in the script, or module:Class)")
    p.add_argument("--name", help="job name (bsp.job.name)")
    p.add_argument("--detach", action="store_true", help="print the job id and return once it runs")
    add_conf_args(p)
    p.set_defaults(handler=handle)


def resolve_bsp_class(spec: str, base: type = BSP) -> str:
    """``script.py`` -> ``/abs/script.py:TheOnlyBSPClass``; check ``script.py:Class``.

    Raises
    ------
    UsageError
        One-line errors: no such script, no subclass, several subclasses, unknown class.
    """
    target, sep, name = spec.rpartition(":")
    if not sep or target == "" or (len(target) == 1 and target.isalpha()):
        target, name = spec, ""
    if name:
        if target.endswith(".py"):
            module = load_script(target)
            path = f"{module.__file__}:{name}"
        else:
            path = spec
        obj = load_object(path)
        if not (isinstance(obj, type) and issubclass(obj, base)):
            raise UsageError(f"{name} in {target} is not a {base.__name__} subclass")
        return path
    if not target.endswith(".py"):
        raise UsageError(f"{spec}: expected SCRIPT.py, SCRIPT.py:Class or module:Class")
    module = load_script(target)
    found = find_subclasses(module, base)
    if not found:
        raise UsageError(f"{target} defines no {base.__name__} subclass")
    if len(found) > 1:
        names = ", ".join(c.__name__ for c in found)
        raise UsageError(f"{target} defines several {base.__name__} classes ({names}); choose one with {target}:Class")
    return f"{module.__file__}:{found[0].__name__}"


def handle(args: argparse.Namespace) -> int:
    conf = conf_from_args(args)
    bsp_path = resolve_bsp_class(args.script)
    job = BSPJob(conf)
    job.set_bsp_class(bsp_path)
    set_io(job, args)
    if args.name:
        job.set_job_name(args.name)
    if args.combiner:
        spec = args.combiner
        if ":" not in spec:
            spec = f"{bsp_path.rpartition(':')[0]}:{spec}"
        obj = load_object(spec)
        if not (isinstance(obj, type) and issubclass(obj, Combiner)):
            raise UsageError(f"{args.combiner} is not a Combiner subclass")
        job.set_combiner_class(spec)
    return run_job(job, quiet=args.quiet, detach=args.detach)
