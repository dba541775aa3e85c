"""``hama hbase create|load|dump|drop``: HBase table helpers (through the Thrift1 server).

::

    hama hbase create TABLE -f FAMILY [-f FAMILY ...] [--split KEY ...] [--max-versions N]
    hama hbase load TABLE -i PATH [--input-format keyvalue|text|sequencefile] [--column FAM:QUAL]
                    [--graph FAMILY]
    hama hbase dump TABLE [--count] [--limit N] [-D hbase.mapreduce.scan.KEY=VALUE ...]
    hama hbase drop TABLE

Row keys and split keys are written like Hadoop's ``Bytes.toStringBinary`` (``\\xNN``
escapes).  ``load`` puts each record's key as the row and its value into ``--column``
(default ``cf:value``); ``--graph FAMILY`` reads adjacency lines ``id<TAB>dst dst:w``
and stores one row per vertex with an edge column per target in FAMILY.  The Thrift
server is ``--address`` or ``hbase.thrift.address`` (default ``$HBASE_THRIFT_ADDRESS``).
Exit 0 success, 1 HBase failed, 2 usage error or missing table.
"""

from __future__ import annotations

import argparse
from typing import Any

from .common import add_conf_args, conf_from_args

__all__ = ["add_parser"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("hbase", help="create, load, dump or drop HBase tables", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    hsub = p.add_subparsers(dest="hbase_command", metavar="ACTION", parser_class=type(p))
    hsub.required = True

    def action(name: str, text: str) -> argparse.ArgumentParser:
        a: argparse.ArgumentParser = hsub.add_parser(name, help=text, description=text)
        a.add_argument("table", help="HBase table name")
        a.add_argument("--address", help="Thrift1 server host:port (hbase.thrift.address)")
        add_conf_args(a)
        a.set_defaults(handler=handle)
        return a

    c = action("create", "create a table (pre-split with --split)")
    c.add_argument("-f", "--family", action="append", required=True, help="column family (repeat)")
    c.add_argument("--split", action="append", default=[], help="split key, toStringBinary form (repeat)")
    c.add_argument("--max-versions", type=int, default=1)
    ld = action("load", "load a text, keyvalue or SequenceFile input into a table")
    ld.add_argument("-i", "--input", required=True, help="input path(s), comma separated")
    ld.add_argument("--input-format", default="keyvalue", choices=["keyvalue", "text", "sequencefile"])
    ld.add_argument("--column", default="cf:value", help="column for each record's value (family:qualifier)")
    ld.add_argument("--graph", metavar="FAMILY", help="adjacency lines: one row per vertex, edges in FAMILY")
    d = action("dump", "print a table's rows like seqdumper")
    d.add_argument("--count", action="store_true", help="only count the rows")
    d.add_argument("--limit", type=int, default=0, help="stop after N rows")
    action("drop", "disable and delete a table")


def handle(args: argparse.Namespace) -> int:
    from ..errors import UsageError
    from ..io.hbase import admin
    from ..io.hbase.spec import (
        ADDRESS_KEY, INPUT_TABLE, OUTPUT_TABLE, output_spec, scan_spec, thrift_address, to_bytes_binary,
    )

    conf = conf_from_args(args)
    if args.address:
        conf.set(ADDRESS_KEY, args.address)
    host, port = thrift_address(conf)
    timeout = conf.get_int("hama.client.connect.timeout.ms", 20000)
    cmd = args.hbase_command
    if cmd == "create":
        if args.max_versions < 1:
            raise UsageError("--max-versions must be at least 1")
        admin.create_table(host, port, args.table, args.family, [to_bytes_binary(s) for s in args.split],
                           args.max_versions, timeout)
        print(f"created {args.table} ({', '.join(args.family)}; {len(args.split) + 1} regions)")
    elif cmd == "drop":
        admin.drop_table(host, port, args.table, timeout)
        print(f"dropped {args.table}")
    elif cmd == "dump":
        conf.set(INPUT_TABLE, args.table)
        admin.dump_table(scan_spec(conf), count_only=args.count, limit=args.limit)
    elif cmd == "load":
        conf.set(OUTPUT_TABLE, args.table)
        conf.set("bsp.input.dir", args.input)
        conf.set("bsp.input.format.class", "text" if args.graph else args.input_format)
        spec = output_spec(conf)
        column = to_bytes_binary(args.column)
        if b":" not in column:
            raise UsageError(f"--column {args.column!r} is not family:qualifier")
        records = admin.read_input(conf)
        if args.graph:
            from ..graph.hbase import adjacency_rows

            rows = adjacency_rows(records, args.graph)
        else:
            rows = ((k, admin.as_cells(v, column)) for k, v in records)
        n = admin.load_records(spec, rows)
        print(f"loaded {n} rows into {args.table}")
    return 0
