"""Graph generators and their command line (``hama example gen``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from hama_yarn.graph.generators import rmat
from hama_yarn.plugins import load_script

ROOT = Path(__file__).resolve().parents[2]


def test_rmat_shape_and_skew() -> None:
    src, dst = rmat(10, 16, seed=3)
    assert len(src) == 16 << 10 and src.max() < 1024 and dst.max() < 1024
    deg = np.bincount(src, minlength=1024)
    assert deg.max() > 10 * deg.mean()  # power-law-ish, unlike a uniform graph
    again = rmat(10, 16, seed=3)
    assert np.array_equal(again[0], src) and np.array_equal(again[1], dst)


def test_gen_cli(tmp_path: Path) -> None:
    gen = load_script(ROOT / "examples" / "gen.py")
    assert gen.main(["rmat", "--scale", "6", "--weights", "-t", "2", "-o", str(tmp_path / "r"), "--quiet"]) == 0
    lines = [ln for p in sorted((tmp_path / "r").iterdir()) for ln in p.read_text().splitlines()]
    assert len(lines) == 64
    assert sum(len(ln.split("\t")[1].split()) for ln in lines if "\t" in ln) == 16 * 64
    assert all(1 <= int(tok.split(":")[1]) <= 255 for ln in lines if "\t" in ln for tok in ln.split("\t")[1].split())
    assert gen.main(["fastgen", "-v", "30", "-e", "4", "--seed", "1", "-of", "json", "-o", str(tmp_path / "f"),
                     "--quiet"]) == 0
    recs = [json.loads(ln) for ln in (tmp_path / "f" / "part-00000").read_text().splitlines()]
    assert len(recs) == 30
    for vid, value, edges in recs:
        dests = [e[0] for e in edges]
        assert value == 0 and len(dests) == 4 == len(set(dests)) and vid not in dests
