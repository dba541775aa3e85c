"""Hama's ``BSPRunner.py ClassName``: import module ``ClassName``, run class ``ClassName``.

The module is looked up on ``sys.path``: this directory, the working directory (where
YARN localizes shipped files) and ``PYTHONPATH`` (the framework adds the directories of
the program and of ``-cachefiles``).  Works with any Python 3: only the standard library
and ``hama_yarn/streaming/__init__.py`` (loaded standalone) are needed.
"""

import os
import sys

sys.path.insert(1, os.getcwd())

from _streaming import lib  # type: ignore[import-not-found]  # noqa: E402

if __name__ == "__main__":
    sys.exit(lib.main(sys.argv[1:2]))
