"""The ``hama`` command: one ``main()`` error funnel over one module per command group.

Exit codes: 0 success, 1 the job failed (or a runtime error), 2 usage or
configuration error, 130 interrupted, 143 terminated (SIGTERM), 141 stdout closed
early (``hama job -list | head``: the reader went away, as a tool killed by SIGPIPE
reports it; nothing is printed).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence

from .. import __version__
from ..errors import ConfigError, HamaError, InputError, JobSubmissionError, OutputError, UsageError

log = logging.getLogger(__name__)

__all__ = ["main", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE", "EXIT_INTERRUPTED", "EXIT_BROKEN_PIPE"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: Exit code when stdout's reader went away (128 + SIGPIPE, what a shell shows for ``cmd | head``).
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE

#: Errors that mean "the request was wrong" (exit 2) rather than "the job failed" (exit 1).
USAGE_ERRORS: tuple[type[HamaError], ...] = (ConfigError, UsageError, InputError, OutputError)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"hama: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


#: Command -> the module under hama_yarn.cli that defines it (in the order of ``hama --help``).
_COMMAND_MODULES = {
    "run": "run", "example": "example", "graph": "graph", "job": "job", "seqdumper": "seqdumper",
    "pipes": "pipes", "hbase": "hbase", "logs": "admin", "version": "admin", "conf": "admin", "history": "admin",
    "bspmaster": "daemons", "groom": "daemons", "daemon": "daemons",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of ``hama``: every subcommand, or only *command*'s module's.

    Parsing a known command needs only its own module (``hama run`` does not import
    the modules of ``hama job`` or ``hama hbase``): a shorter start.
    """
    import importlib

    p = _Parser(prog="hama", description="hama-yarn: Apache Hama's BSP framework in Python, on YARN.")
    p.add_argument("--version", action="version", version=f"hama-yarn {__version__}")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more logging (repeat for debug)")
    p.add_argument("-q", "--quiet", action="store_true", help="only errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    names = [_COMMAND_MODULES[command]] if command in _COMMAND_MODULES else list(dict.fromkeys(_COMMAND_MODULES.values()))
    for name in names:
        importlib.import_module(f"{__package__}.{name}").add_parser(sub)
    return p


def _command_of(argv: list[str]) -> str | None:
    """The subcommand of a ``hama`` command line (its first word after the global options), if any."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg
        if arg in ("-h", "--help", "--version", "--"):
            return None
    return None


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


#: Commands whose process ends right after the command (as the ``hama`` command, ``argv`` None)
#: without the interpreter's teardown of every module and object (tens of ms): exit handlers
#: run and output is flushed first.  ``run`` writes nothing but stdout and stderr.
_FAST_EXIT = frozenset({"run"})


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hama`` console script; returns the exit code.

    As the command itself (*argv* None), ``hama run`` ends the process here once its
    output is flushed (:func:`hama_yarn.entry.exit_process`).
    """
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit flush
    except BrokenPipeError:
        return _stdout_gone()
    if argv is None and _command_of(_hama_style(sys.argv[1:])) in _FAST_EXIT and _only_daemon_threads():
        from ..entry import exit_process

        exit_process(code)
    return code


def _only_daemon_threads() -> bool:
    import threading

    return all(t.daemon for t in threading.enumerate() if t is not threading.main_thread())


def _main(argv: Sequence[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    args_list = _hama_style(args_list)
    parser = build_parser(_command_of(args_list))
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:
        return int(exc.code or 0)
    _configure_logging(args.verbose, args.quiet)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from .common import EXIT_TERMINATED, Terminated, terminate_kills_job

    try:
        with terminate_kills_job(not getattr(args, "detach", False)):
            return handler(args)
    except Terminated:
        print("hama: terminated (SIGTERM)", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("hama: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except USAGE_ERRORS as exc:
        print(f"hama: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except JobSubmissionError as exc:
        print(f"hama: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except HamaError as exc:
        print(f"hama: error: {exc}", file=sys.stderr)
        return EXIT_FAILED


def _stdout_gone() -> int:
    """stdout's reader went away (``hama job -list | head``): stop quietly.

    The recipe of Python's ``signal`` documentation: point stdout at /dev/null so
    the interpreter's final flush of the unwritten rest does not fail again.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout without a file descriptor (captured in tests)
        pass
    return EXIT_BROKEN_PIPE


def _hama_style(argv: list[str]) -> list[str]:
    """Accept Hama's single-dash long options: ``hama job -list`` -> ``hama job --list``."""
    return ["-" + a if a in _HAMA_LONG else a for a in argv]


_HAMA_LONG = {"-list", "-status", "-kill", "-file", "-count", "-submit",
              "-counter", "-events", "-history", "-list-active-grooms",  # hama job (cli/jobinfo.py)
              # hama pipes (cli/pipes.py PIPES_LONG_OPTIONS)
              "-conf", "-input", "-output", "-program", "-interpreter", "-programArgs", "-bspTasks", "-streaming",
              "-inputformat", "-outputformat", "-partitioner", "-jobname", "-cachefiles", "-jobconf", "-jar",
              "-cflags", "-libs"}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
