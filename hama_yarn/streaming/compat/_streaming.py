"""Load ``hama_yarn/streaming/__init__.py`` standalone (standard library only).

Importing ``hama_yarn.streaming`` would import the whole ``hama_yarn`` package and its
dependencies; a child run by any Python 3 (``-interpreter python3``) needs only this file.
"""

import importlib.util
import os
import sys

_NAME = "_hama_yarn_streaming"

_path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "__init__.py")
if _NAME not in sys.modules and not os.path.isfile(_path):
    # A shipped copy (e.g. in a YARN container's working directory): use the installed package.
    import hama_yarn.streaming as _installed

    sys.modules[_NAME] = _installed
if _NAME not in sys.modules:
    _path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "__init__.py")
    _spec = importlib.util.spec_from_file_location(_NAME, _path)
    assert _spec is not None and _spec.loader is not None
    _mod = importlib.util.module_from_spec(_spec)
    sys.modules[_NAME] = _mod
    _spec.loader.exec_module(_mod)

lib = sys.modules[_NAME]
