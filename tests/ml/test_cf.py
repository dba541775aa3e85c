"""Collaborative filtering: held-out RMSE below a bound, and lower after more iterations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.errors import InputError
from hama_yarn.ml.cf import cf_job, load_model, parse_rating
from hama_yarn.ml.datagen import ratings_data, write_ratings

from .helpers import run

#: held-out RMSE bound: ratings are a rank-3 model + N(0, 0.1) noise on a 1..5 scale (std about 1);
#: predicting the mean gives about 1.0
BOUND = 0.25


def split(seed: int = 0) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    u, i, r = ratings_data(60, 50, 2400, rank=3, seed=seed)
    test = np.random.default_rng(seed).random(len(u)) < 0.15
    return (u[~test], i[~test], r[~test]), (u[test], i[test], r[test])


def rmse(out: str, test: tuple[np.ndarray, ...]) -> float:
    model = load_model(out)
    pred = model.estimate_many(test[0], test[1])
    return float(np.sqrt(np.mean((pred - test[2]) ** 2)))


def train(tmp_path: Path, name: str, method: str, iterations: int, peers: int, fmt: str = "text") -> str:
    (train_set, _) = split()
    ext = "parquet" if fmt == "parquet" else "txt"
    inp = f"{tmp_path}/in-{fmt}/ratings.{ext}"
    if not Path(inp).exists():
        write_ratings(inp, *train_set, fmt=fmt)
    conf = HamaConfiguration()
    conf.set("bsp.input.format.class", fmt)
    conf.set("ml.recommender.cf.rank", "3")
    conf.set("ml.recommender.cf.alpha", "0.02")
    conf.set("ml.recommender.cf.lambda", "0.02")
    out = f"{tmp_path}/{name}"
    run(cf_job(conf, inp, out, iterations=iterations, method=method, num_tasks=peers))
    return out


@pytest.mark.parametrize("method,peers,fmt,iters", [("als", 1, "text", 12), ("als", 3, "parquet", 12),
                                                    ("online", 4, "text", 60), ("online", 3, "text", 60)])
def test_cf_heldout_rmse_below_bound_and_decreasing(tmp_path: Path, method: str, peers: int, fmt: str,
                                                    iters: int) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    _, test = split()
    few = rmse(train(tmp_path, "few", method, 1, peers, fmt), test)
    many = rmse(train(tmp_path, "many", method, iters, peers, fmt), test)
    assert many < few
    assert many < BOUND, (few, many)


def test_cf_estimate_unknown_and_parse(tmp_path: Path) -> None:
    assert parse_rating(0, "1::2::3.5::978300760") == (1, 2, 3.5)
    assert parse_rating(10, "1,2,4") == (1, 2, 4.0)
    assert parse_rating(0, "user,item,rating") is None
    with pytest.raises(InputError, match="offset 9"):
        parse_rating(9, "1::x::3")
    out = train(tmp_path, "m", "als", 2, 2)
    model = load_model(out)
    assert model.estimate(10**9, 1) == pytest.approx(model.mean)
    (u, i, r), _ = split()
    assert model.mean == pytest.approx(r.mean(), rel=1e-12)
    assert set(model.users) == set(u.tolist()) and set(model.items) == set(i.tolist())


def test_cf_cli_and_gen(tmp_path: Path) -> None:
    hama = [sys.executable, "-m", "hama_yarn.cli.main", "example"]
    r = subprocess.run([*hama, "gen", "ratings", "40", "30", "900", f"file://{tmp_path}/in/r.dat"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "in" / "r.dat").read_text().count("::") == 2 * 900
    r = subprocess.run([*hama, "cf", f"file://{tmp_path}/in", f"file://{tmp_path}/out", "-i", "5", "-k", "3", "--als", "-n", "2",
                        "-q"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert len(load_model(f"file://{tmp_path}/out").users) == len(set(
        int(line.split("::")[0]) for line in (tmp_path / "in" / "r.dat").read_text().splitlines()))
