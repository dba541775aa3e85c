"""A job whose input format fails in the master, after the peers may have been forked.

Run with ``--input-format /path/core_bad_splits.py:BadSplits -i DIR``: ``get_splits``
raises, so the job's setup fails before any peer is launched.
"""

from hama_yarn import BSP
from hama_yarn.errors import InputError
from hama_yarn.io.formats import InputFormat


class Nothing(BSP):
    def bsp(self, peer):
        peer.sync()


class BadSplits(InputFormat):
    def get_splits(self, conf, num_splits):
        raise InputError("no splits today")

    def open_reader(self, conf, split):
        raise AssertionError("never called")
