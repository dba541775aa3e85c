"""``python -m hama_yarn.streaming Module[:Class]`` (Hama's ``BSPRunner.py``)."""

import sys

from . import main

sys.exit(main())
