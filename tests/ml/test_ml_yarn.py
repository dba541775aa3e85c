"""k-means on YARN with Parquet input on HDFS, against scikit-learn."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.yarn.conftest import hama, read_parts

pytestmark = [pytest.mark.yarn, pytest.mark.hdfs]


def test_kmeans_on_yarn_parquet_from_hdfs(yarn_env: dict[str, str], hdfs_dir: str) -> None:
    import io

    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from sklearn.cluster import KMeans

    from hama_yarn.io.fs import resolve
    from hama_yarn.ml.kmeans import load_centers

    rng = np.random.default_rng(4)
    x = np.concatenate([rng.normal(c, 1.0, (200, 3)) for c in (0.0, 5.0, 10.0)])
    rng.shuffle(x)
    buf = io.BytesIO()
    pq.write_table(pa.table({"id": np.arange(len(x)), **{f"x{j}": x[:, j] for j in range(3)}}), buf,
                   row_group_size=50)
    fs, path = resolve(f"{hdfs_dir}/in/points.parquet")
    fs.makedirs(f"{path.rsplit('/', 1)[0]}", exist_ok=True)
    fs.pipe_file(path, buf.getvalue())
    out = f"{hdfs_dir}/out"
    r = hama(yarn_env, "example", "kmeans", f"{hdfs_dir}/in", out, "50", "3", "-n", "3", "-r", "yarn",
             "--input-format", "parquet", "-q")
    assert r.returncode == 0, r.stderr
    from .helpers import labels_from

    labels = labels_from(read_parts(out), len(x), x)  # Hama's lines: cluster<TAB>id: [x0, x1, x2]
    ref = KMeans(3, init=x[:3], n_init=1, max_iter=50, tol=0, algorithm="lloyd").fit(x)
    assert np.array_equal(labels, ref.labels_)
    np.testing.assert_allclose(load_centers(f"{out}/center/center_output.seq"), ref.cluster_centers_, rtol=1e-12)


def test_gd_on_yarn_csv_from_hdfs(yarn_env: dict[str, str], hdfs_dir: str) -> None:
    """Linear regression on YARN, CSV input on HDFS, against numpy least squares."""
    from hama_yarn.ml.datagen import regression_data, write_regression
    from hama_yarn.ml.gd import load_theta

    x, y, _ = regression_data(400, 3, seed=11, noise=0.2)
    write_regression(f"{hdfs_dir}/gd-in/rows.csv", x, y, fmt="csv")
    out = f"{hdfs_dir}/gd-out"
    r = hama(yarn_env, "example", "gd", f"{hdfs_dir}/gd-in", out, "-a", "0.5", "-i", "3000", "-c", "0",
             "--tolerance", "1e-12", "-n", "3", "-r", "yarn", "-q")
    assert r.returncode == 0, r.stderr
    expected = np.linalg.lstsq(np.hstack([np.ones((len(x), 1)), x]), y, rcond=None)[0]
    np.testing.assert_allclose(load_theta(out), expected, rtol=1e-8, atol=1e-9)


def test_cf_als_on_yarn_from_hdfs(yarn_env: dict[str, str], hdfs_dir: str) -> None:
    """ALS on YARN, MovieLens input on HDFS: held-out RMSE below the bound and below 1 iteration's."""
    from hama_yarn.ml.cf import load_model
    from hama_yarn.ml.datagen import write_ratings
    from tests.ml.test_cf import BOUND, split

    (u, i, r), test = split()
    write_ratings(f"{hdfs_dir}/cf-in/ratings.dat", u, i, r)
    errors = []
    for iters in ("1", "10"):
        out = f"{hdfs_dir}/cf-out-{iters}"
        res = hama(yarn_env, "example", "cf", f"{hdfs_dir}/cf-in", out, "-i", iters, "-k", "3", "--als", "-n", "3",
                   "-r", "yarn", "-D", "ml.recommender.cf.lambda=0.02", "-q")
        assert res.returncode == 0, res.stderr
        pred = load_model(out).estimate_many(test[0], test[1])
        errors.append(float(np.sqrt(np.mean((pred - test[2]) ** 2))))
    assert errors[1] < errors[0]
    assert errors[1] < BOUND, errors
