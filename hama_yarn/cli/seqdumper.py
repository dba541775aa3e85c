"""``hama seqdumper -file PATH [-count]``: print a SequenceFile's header and records."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import UsageError

__all__ = ["add_parser"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("seqdumper", help="dump a Hadoop SequenceFile", description=__doc__)
    p.add_argument("--file", required=True, help="path or URL of the SequenceFile")
    p.add_argument("--count", action="store_true", help="only count the records")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    try:
        from ..io.seqdump import dump  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError as exc:
        raise UsageError(f"SequenceFile support is not available: {exc}") from exc
    code: int = dump(args.file, count_only=args.count)
    return code
