"""``hama pipes``: run a Streaming or Pipes child program as a BSP job (Hama's ``Submitter``).

Hama's spelling works (``-input IN -output OUT -program PROG -bspTasks 3 -streaming true``)
and so do ``hama run``-style flags (``-i IN -o OUT -n 3 --input-format F``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..config import HamaConfiguration, _read_xml, parse_define
from ..errors import UsageError
from ..job import BSPJob
from ..pipes import STREAMING
from ..pipes.child import ARGS, EXECUTABLE, INTERPRETER, is_remote
from ..pipes.hamakeys import check_hama_keys, check_remote_program
from .common import add_conf_args, run_job, set_io

__all__ = ["add_parser", "PIPES_LONG_OPTIONS", "build_job"]

#: Hama's single-dash long options of ``hama pipes`` (``cli.main`` turns them into ``--``).
PIPES_LONG_OPTIONS = {
    "-conf", "-input", "-output", "-program", "-interpreter", "-programArgs", "-bspTasks", "-streaming",
    "-inputformat", "-outputformat", "-partitioner", "-jobname", "-cachefiles", "-jobconf", "-jar",
    "-cflags", "-libs",
}

PIPES_BSP = "hama_yarn.pipes:PipesBSP"
#: Hama's partitioner class names -> hama-yarn's.
PARTITIONERS = {"org.apache.hama.pipes.PipesPartitioner": "hama_yarn.pipes.binary:PipesPartitioner",
                "PipesPartitioner": "hama_yarn.pipes.binary:PipesPartitioner"}


def add_parser(sub: Any) -> None:
    p = sub.add_parser("pipes", help="run a Streaming/Pipes child program (any language)", description=__doc__)
    p.add_argument("--conf", action="append", default=[], metavar="FILE", help="a Hadoop-style XML configuration file")
    p.add_argument("-i", "--input", help="input path(s)")
    p.add_argument("-o", "--output", help="output directory")
    p.add_argument("--program", help="the child executable (hama.pipes.executable)")
    p.add_argument("--interpreter", help="run the program with this interpreter (e.g. python3, sh)")
    p.add_argument("--programArgs", "--program-args", dest="program_args", help="arguments of the program")
    p.add_argument("-n", "--bspTasks", "--num-tasks", dest="num_tasks", type=int, help="number of peers")
    p.add_argument("--streaming", nargs="?", const="true", default=None,
                   help="use the text streaming protocol (true/false; default: binary Pipes)")
    p.add_argument("--inputformat", "--input-format", dest="input_format", help="input format")
    p.add_argument("--outputformat", "--output-format", dest="output_format", help="output format")
    p.add_argument("--partitioner", help="partitioner class (module:Class)")
    p.add_argument("--jobname", "--name", dest="jobname", help="job name")
    p.add_argument("--cachefiles", help="comma-separated files shipped with the job (hama.yarn.files)")
    p.add_argument("--jobconf", help="deprecated: k=v,k=v")
    p.add_argument("--jar", help="ignored (Java only)")
    p.add_argument("--detach", action="store_true", help="print the job id and return once it runs")
    p.add_argument("--cflags", action="store_true", help="print the C++ compiler flags of the Hama Pipes API")
    p.add_argument("--libs", action="store_true", help="print the linker flags (builds libhamapipes++.a once)")
    add_conf_args(p)
    p.set_defaults(handler=handle)


def build_job(args: argparse.Namespace) -> BSPJob:
    """The :class:`BSPJob` for a ``hama pipes`` command line (Hama's ``setupPipesJob``)."""
    conf = HamaConfiguration()
    for path in args.conf:
        for name, value, _, _ in _read_xml(Path(path)):
            conf.set(name, value, layer="command line")
    if args.jobconf:
        for item in args.jobconf.split(","):
            if item.strip():
                key, value = parse_define(item.strip())
                conf.set(key, value, layer="command line")
    for d in args.defines:
        key, value = parse_define(d)
        conf.set(key, value, layer="command line")
    if args.runner:
        conf.set("bsp.master.address", args.runner, layer="command line")
    job = BSPJob(conf)
    job.set_bsp_class(PIPES_BSP)
    job.set_job_name(args.jobname or conf.get("bsp.job.name") or "Hama Pipes Job")
    if args.program:
        job.set(EXECUTABLE, args.program)
    program = job.get(EXECUTABLE)
    if not program:
        raise UsageError("no child program: give -program PROG (or -D hama.pipes.executable=PROG)")
    remote = is_remote(program)
    local = Path(program.removeprefix("file://"))
    if remote:
        check_remote_program(program)
    elif not local.exists():
        raise UsageError(f"child program not found: {program}")
    else:
        job.set(EXECUTABLE, str(local.resolve()))
    if args.interpreter:
        job.set(INTERPRETER, args.interpreter)
    if args.program_args is not None:
        job.set(ARGS, args.program_args)
    if args.streaming is not None:
        if args.streaming.lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise UsageError(f"-streaming expects true or false, not {args.streaming!r}")
        job.set(STREAMING, args.streaming.lower() in ("true", "1", "yes"))
    if args.partitioner:
        job.set_partitioner_class(PARTITIONERS.get(args.partitioner, args.partitioner))
    check_hama_keys(job)
    set_io(job, args)
    # Ship the program (and -cachefiles) to YARN containers: they land in the working directory.
    # A remote program (hdfs:) is localized by each peer instead.
    ship = ([] if remote else [str(local.resolve())]) + [f for f in (args.cachefiles or "").split(",") if f.strip()]
    existing = [f for f in (job.get("hama.yarn.files") or "").split(",") if f.strip()]
    job.set("hama.yarn.files", ",".join(dict.fromkeys(existing + ship)))
    return job


def handle(args: argparse.Namespace) -> int:
    if args.cflags or args.libs:
        from ..pipes import cppbuild

        print(" ".join(([cppbuild.cflags()] if args.cflags else []) + ([cppbuild.libs()] if args.libs else [])))
        return 0
    job = build_job(args)
    return run_job(job, quiet=getattr(args, "quiet", False), detach=args.detach)
