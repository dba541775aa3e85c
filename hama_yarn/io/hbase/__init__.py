"""HBase table input and output (``hbase`` formats) through the HBase Thrift1 server.

Modules: :mod:`.spec` (keys, validation), :mod:`.connection` (happybase with
timeouts), :mod:`.regions` (one split per region), :mod:`.reader`, :mod:`.writer`,
:mod:`.journal` (cleanup of a failed job's rows), :mod:`.commitfs` (``hbase://`` URLs
in the core's commit protocol), :mod:`.formats`, :mod:`.admin` (``hama hbase``).
happybase is optional: ``pip install 'hama-yarn[hbase]'``.
"""
