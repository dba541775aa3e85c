"""The output journal: row keys of each flushed batch, so a failed job's rows can be deleted.

Only used with ``hbase.output.cleanup.on.failure=true``.  Journal rows are
``<token>/<attempt>/<seq>`` in ``hbase.output.cleanup.journal.table`` (family ``j``);
*token* is unique per job and names the journal table (``journal=<table>,<uuid>``), so
the master, which sees only the output URL, knows where to look.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from .connection import HBaseError, connect, server_message, thrift_module
from .writer import JOURNAL_FAMILY, unpack_keys

log = logging.getLogger(__name__)

__all__ = ["job_token", "journal_of", "finish_job", "ensure_journal_table"]



def ensure_journal_table(conn: Any, journal: str) -> None:
    """Create the journal table (family ``j``) if it is missing."""
    hb = thrift_module()
    if journal.encode() in set(conn.client.getTableNames()):
        return
    try:
        conn.client.createTable(journal.encode(), [hb.ColumnDescriptor(name=JOURNAL_FAMILY + b":", maxVersions=1)])
    except hb.AlreadyExists:
        pass
    log.info("created HBase journal table %s", journal)


def job_token(journal: str | None) -> str:
    """A new job token for the output URL: ``<uuid>``, or ``journal=<table>,<uuid>`` with cleanup on."""
    tid = uuid.uuid4().hex
    return f"journal={journal},{tid}" if journal else tid


def journal_of(token: str) -> str:
    """The journal table named in *token*, or ``""`` when the job does not journal."""
    if token.startswith("journal="):
        return token[len("journal="):].split(",", 1)[0]
    return ""


def finish_job(addr: str, table: str, token: str, succeeded: bool, journal: str = "",
               connect_timeout_ms: int = 20000, rpc_timeout_ms: int = 60000) -> int:
    """End a job's journal: on failure delete the journaled rows of *table*; return how many.

    A job that did not journal (cleanup off) has no ``<token>/`` row and nothing happens.
    """
    journal = journal or journal_of(token)
    if not journal:
        return 0
    host, _, port = addr.rpartition(":")
    try:
        conn = connect(host, int(port), connect_timeout_ms, rpc_timeout_ms)
    except HBaseError as exc:
        log.error("cannot end the output journal of %s: %s", table, exc)
        return 0
    hb = thrift_module()
    deleted = 0
    try:
        client = conn.client
        if journal.encode() not in set(client.getTableNames()):
            return 0
        prefix = f"{token}/".encode()
        scanner = client.scannerOpenWithPrefix(journal.encode(), prefix, [JOURNAL_FAMILY], {})
        journal_rows: list[bytes] = []
        try:
            while True:
                results = client.scannerGetList(scanner, 100)
                if not results:
                    break
                for r in results:
                    journal_rows.append(bytes(r.row))
                    cell = r.columns.get(JOURNAL_FAMILY + b":rows")
                    if cell is not None and not succeeded:
                        for row in unpack_keys(bytes(cell.value)):
                            client.deleteAllRow(table.encode(), row, {})
                            deleted += 1
        finally:
            client.scannerClose(scanner)
        for row in journal_rows:
            client.deleteAllRow(journal.encode(), row, {})
        if not succeeded and journal_rows:
            log.warning("job failed: deleted %d rows it wrote to HBase table %s (hbase.output.cleanup.on.failure)",
                        deleted, table)
    except (hb.IOError, hb.IllegalArgument, OSError) as exc:
        log.error("ending the output journal of %s failed after %d rows: %s", table, deleted, server_message(exc))
    finally:
        conn.close()
    return deleted
