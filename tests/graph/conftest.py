"""Helpers of the graph suite: run a GraphJob (inline or local) and read its output."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.graph import GraphJob

DATA = Path(__file__).resolve().parent / "data" / "graphalytics"


def read_output(out: Path) -> dict[str, str]:
    """``id -> value`` from every part file of *out*."""
    result: dict[str, str] = {}
    for name in sorted(os.listdir(out)):
        if name.startswith("part-"):
            for line in (out / name).read_text().splitlines():
                key, _, value = line.partition("\t")
                assert key not in result, f"vertex {key} written twice"
                result[key] = value
    return result


class GraphRunner:
    """Builds, runs and reads graph jobs in a temporary directory."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.count = 0

    def job(self, mode: str = "inline", peers: int = 2, **conf: Any) -> GraphJob:
        c = HamaConfiguration()
        c.set("bsp.master.address", mode)
        c.set("hama.tmp.dir", str(self.tmp / "hama-tmp"))
        for k, v in conf.items():
            c.set(k, v)
        job = GraphJob(c)
        job.set_num_bsp_task(peers)
        return job

    def run(self, job: GraphJob, inputs: str | Path | list[Path], expect_ok: bool = True) -> dict[str, str]:
        if isinstance(inputs, list):
            job.set_input_path(",".join(str(p) for p in inputs))
        else:
            job.set_input_path(str(inputs))
        self.count += 1
        out = self.tmp / f"out{self.count}"
        job.set_output_path(str(out))
        ok = job.wait_for_completion(verbose=False)
        if not expect_ok:
            assert not ok, "the job should have failed"
            return {}
        assert ok, job.get_diagnostics()
        return read_output(out)

    def write(self, name: str, text: str) -> Path:
        p = self.tmp / name
        p.write_text(text)
        return p


@pytest.fixture
def graph(tmp_path: Path) -> GraphRunner:
    return GraphRunner(tmp_path)


Configure = Callable[[GraphJob], None]
