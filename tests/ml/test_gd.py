"""Gradient descent against numpy least squares and scikit-learn's LogisticRegression."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.errors import ConfigError, InputError
from hama_yarn.ml.datagen import regression_data, write_regression
from hama_yarn.ml.gd import cost_and_gradient, gd_job, load_theta, parse_line, predict

from .helpers import run

pytest.importorskip("pyarrow")


def lstsq(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    a = np.hstack([np.ones((len(x), 1)), x])
    return np.linalg.lstsq(a, y, rcond=None)[0]


def conf_for(fmt: str, **extra: str) -> HamaConfiguration:
    conf = HamaConfiguration()
    conf.set("bsp.input.format.class", "text" if fmt == "csv" else fmt)
    conf.set("gd.cost.threshold", "0")
    conf.set("hama.arrow.batch.size", "64")  # several batches per peer
    for k, v in extra.items():
        conf.set(k.replace("_", "."), v)
    return conf


@pytest.mark.parametrize("fmt,peers", [("text", 1), ("csv", 3), ("parquet", 4), ("sequencefile", 3)])
def test_linear_equals_lstsq(tmp_path: Path, fmt: str, peers: int) -> None:
    x, y, _ = regression_data(500, 4, seed=3, noise=0.3)
    ext = {"text": "txt", "csv": "csv", "parquet": "parquet", "sequencefile": "seq"}[fmt]
    write_regression(f"{tmp_path}/in/rows.{ext}", x, y, fmt="seq" if fmt == "sequencefile" else fmt)
    conf = conf_for(fmt, gd_tolerance="1e-12")
    job = gd_job(conf, f"file://{tmp_path}/in", f"file://{tmp_path}/out", "linear", alpha=0.5, iterations=5000, num_tasks=peers)
    run(job)
    theta = load_theta(f"file://{tmp_path}/out")
    np.testing.assert_allclose(theta, lstsq(x, y), rtol=1e-8, atol=1e-9)
    assert 1 < job.get_counters().get("gd", "ITERATIONS") < 5000
    assert not (tmp_path / "out" / "_temporary").exists()


@pytest.mark.parametrize("peers", [1, 3, 4])
def test_logistic_equals_sklearn(tmp_path: Path, peers: int) -> None:
    linear_model = pytest.importorskip("sklearn.linear_model")
    x, y, _ = regression_data(600, 3, logistic=True, seed=5)
    write_regression(f"{tmp_path}/in/rows.txt", x, y)
    conf = conf_for("text", gd_tolerance="1e-10")
    job = gd_job(conf, f"file://{tmp_path}/in", f"file://{tmp_path}/out", "org.apache.hama.ml.regression.LogisticRegressionModel",
                 alpha=4.0, iterations=20000, num_tasks=peers)
    run(job)
    theta = load_theta(f"file://{tmp_path}/out")
    ref = linear_model.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(x, y)
    expected = np.concatenate([ref.intercept_, ref.coef_[0]])
    np.testing.assert_allclose(theta, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(predict(theta, x, "logistic"), ref.predict_proba(x)[:, 1], atol=1e-4)


def test_iterations_threshold_equals_hand_steps(tmp_path: Path) -> None:
    """After ``gd.iterations.threshold`` steps theta equals that many numpy steps from gd.initial.theta."""
    x, y, _ = regression_data(200, 2, seed=9)
    write_regression(f"{tmp_path}/in/rows.txt", x, y)
    conf = conf_for("text", gd_initial_theta="0.25")
    job = gd_job(conf, f"file://{tmp_path}/in", f"file://{tmp_path}/out", alpha=0.1, iterations=7, num_tasks=3)
    run(job)
    a = np.hstack([np.ones((len(x), 1)), x])
    theta = np.full(3, 0.25)
    for _ in range(7):
        theta = theta - 0.1 * a.T @ (a @ theta - y) / len(x)
    np.testing.assert_allclose(load_theta(f"file://{tmp_path}/out"), theta, rtol=1e-12)
    assert job.get_counters().get("gd", "ITERATIONS") == 7


def test_cost_threshold_stops_early(tmp_path: Path) -> None:
    x, y, _ = regression_data(200, 2, seed=2, noise=0.01)
    write_regression(f"{tmp_path}/in/rows.txt", x, y)
    conf = conf_for("text", gd_cost_threshold="0.01")
    job = gd_job(conf, f"file://{tmp_path}/in", f"file://{tmp_path}/out", alpha=0.3, iterations=10000, num_tasks=2)
    run(job)
    theta = load_theta(f"file://{tmp_path}/out")
    cost, _ = cost_and_gradient(np.hstack([np.ones((len(x), 1)), x]), y, theta)
    assert cost / len(x) < 0.01
    assert job.get_counters().get("gd", "ITERATIONS") < 10000


def test_divergence_names_alpha(tmp_path: Path) -> None:
    x, y, _ = regression_data(100, 2, seed=1)
    write_regression(f"{tmp_path}/in/rows.txt", x, y)
    job = gd_job(conf_for("text"), f"file://{tmp_path}/in", f"file://{tmp_path}/out", alpha=50.0, iterations=100, num_tasks=2)
    assert not job.wait_for_completion(verbose=False)
    assert "gd.alpha" in job.get_diagnostics()
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("part-*"))


def test_bad_line_and_labels(tmp_path: Path) -> None:
    assert parse_line(0, "y,x0,x1") is None
    assert parse_line(5, "1.5>2 3") == (1.5, [2.0, 3.0])
    with pytest.raises(InputError, match="offset 7"):
        parse_line(7, "1>2 x")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "rows.txt").write_text("1>1 2\n2>2 3\n0.5>1 1\n")
    job = gd_job(conf_for("text"), f"file://{tmp_path}/in", f"file://{tmp_path}/out", "logistic", num_tasks=1)
    assert not job.wait_for_completion(verbose=False)
    assert "labels 0 or 1" in job.get_diagnostics()
    with pytest.raises(ConfigError, match="gd.regression.model"):
        gd_job(HamaConfiguration(), "x", "y", "ridge")


def test_gd_cli_and_gen(tmp_path: Path) -> None:
    """``hama example gen regression`` then ``hama example gd``."""
    hama = [sys.executable, "-m", "hama_yarn.cli.main"]
    r = subprocess.run([*hama, "example", "gen", "regression", "300", "3", f"file://{tmp_path}/in/r.txt", "--seed", "4"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert ">" in (tmp_path / "in" / "r.txt").read_text().splitlines()[0]
    r = subprocess.run([*hama, "example", "gd", f"file://{tmp_path}/in", f"file://{tmp_path}/out", "-a", "0.5", "-i", "3000",
                        "-c", "0", "--tolerance", "1e-12", "-n", "2", "-q"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    x, y, _ = regression_data(300, 3, seed=4)
    np.testing.assert_allclose(load_theta(f"file://{tmp_path}/out"), lstsq(x, y), rtol=1e-8, atol=1e-9)
