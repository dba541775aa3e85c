"""Generate graph inputs: Graph500 R-MAT or Hama's fastgen (see examples/graph/generate.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from hama_yarn.plugins import load_script

_gen = load_script(Path(__file__).resolve().parent / "graph" / "generate.py")


def main(argv: list[str] | None = None) -> int:
    """Run ``examples/graph/generate.py`` with *argv*."""
    code: int = _gen.main(argv)
    return code


if __name__ == "__main__":
    sys.exit(main())
