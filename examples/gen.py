"""Generate inputs: graphs (rmat, fastgen), matrices, vectors, points, ratings (hama_yarn.matrix.gen)."""

from __future__ import annotations

import sys
from pathlib import Path

from hama_yarn.plugins import load_script

_gen = load_script(Path(__file__).resolve().parent / "graph" / "generate.py")


def main(argv: list[str] | None = None) -> int:
    """Run ``examples/graph/generate.py`` with *argv* (matrix/ML kinds: :mod:`hama_yarn.matrix.gen`)."""
    from hama_yarn.matrix import gen as matrix_gen

    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in matrix_gen.KINDS:
        return matrix_gen.main(args)
    code: int = _gen.main(argv)
    return code


if __name__ == "__main__":
    sys.exit(main())
