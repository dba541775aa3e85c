"""k-means against scikit-learn's Lloyd k-means started from the same centers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hama_yarn.config import HamaConfiguration
from hama_yarn.matrix.gen import write_points
from hama_yarn.ml.kmeans import assign, kmeans_job, load_centers, partial_sums

from .helpers import labels_from, parse_kmeans_line, read_text_parts, run

sklearn_cluster = pytest.importorskip("sklearn.cluster")
pytest.importorskip("pyarrow")


def blobs(n: int = 900, d: int = 5, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(c, 1.5, (n // 3, d)) for c in (0.0, 4.0, 8.0)])
    rng.shuffle(x)
    return x


def reference(x: np.ndarray, k: int, max_iter: int) -> object:
    return sklearn_cluster.KMeans(k, init=x[:k], n_init=1, max_iter=max_iter, tol=0, algorithm="lloyd").fit(x)


@pytest.mark.parametrize("fmt,peers", [("sequencefile", 1), ("parquet", 3), ("text", 4), ("parquet", 4)])
def test_kmeans_equals_sklearn(tmp_path: Path, fmt: str, peers: int) -> None:
    x = blobs()
    ext = {"sequencefile": "seq", "parquet": "parquet", "text": "txt"}[fmt]
    write_points(f"{tmp_path}/in/points.{ext}", x, fmt="seq" if fmt == "sequencefile" else fmt)
    conf = HamaConfiguration()
    conf.set("bsp.input.format.class", fmt)
    conf.set("hama.arrow.batch.size", "100")  # several batches per peer
    job = kmeans_job(conf, f"{tmp_path}/in", f"{tmp_path}/out", k=3, max_iter=100, num_tasks=peers)
    run(job)
    ref = reference(x, 3, 100)
    labels = labels_from(read_text_parts(f"file://{tmp_path}/out"), len(x), x)
    assert np.array_equal(labels, ref.labels_)
    centers = load_centers(f"{tmp_path}/out/center/center_output.seq")
    np.testing.assert_allclose(centers, ref.cluster_centers_, rtol=1e-12, atol=1e-12)
    assert not (tmp_path / "out" / "_temporary").exists()
    iterations = job.get_counters().get("kmeans", "ITERATIONS")
    assert 1 <= iterations <= 100


def test_kmeans_max_iterations_and_cosine(tmp_path: Path) -> None:
    """Stopping after MAXITER gives sklearn's centers after the same number of Lloyd steps;
    cosine distance assigns by angle."""
    x = blobs(600, 3, seed=7)
    write_points(f"{tmp_path}/in/p.seq", x)
    conf = HamaConfiguration()
    conf.set("bsp.input.format.class", "sequencefile")
    conf.set("k.means.caching.enabled", "true")
    job = kmeans_job(conf, f"{tmp_path}/in/p.seq", f"{tmp_path}/out", k=4, max_iter=2, num_tasks=3)
    run(job)
    c = x[:4].copy()
    for _ in range(2):  # two Lloyd steps by hand
        lab = np.argmin(((x[:, None, :] - c[None]) ** 2).sum(-1), axis=1)
        c = np.array([x[lab == j].mean(0) if (lab == j).any() else c[j] for j in range(4)])
    np.testing.assert_allclose(load_centers(f"{tmp_path}/out/center/center_output.seq"), c, rtol=1e-12)
    assert job.get_counters().get("kmeans", "ITERATIONS") == 2

    lab = assign(x, x[:4], "cosine")
    cos = (x @ x[:4].T) / np.linalg.norm(x, axis=1)[:, None] / np.linalg.norm(x[:4], axis=1)[None]
    assert np.array_equal(lab, np.argmax(cos, axis=1))


def test_partial_sums_empty_cluster() -> None:
    x = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    s = partial_sums(x, np.array([2, 0, 2]), 4)
    assert np.array_equal(s, [[3, 4, 1], [0, 0, 0], [6, 8, 2], [0, 0, 0]])


def test_kmeans_cli_generates_input(tmp_path: Path) -> None:
    """``hama example kmeans IN OUT MAXITER K -g COUNT DIM``: Hama's generated input and centers file."""
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "hama_yarn.cli.main", "example", "kmeans", str(tmp_path / "in"),
                        str(tmp_path / "out"), "10", "3", "-g", "200", "2", "-n", "2", "-q"],
                       capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "in" / "input.seq").exists() and (tmp_path / "in" / "center" / "cen.seq").exists()
    lines = read_text_parts(f"file://{tmp_path}/out")
    assert len(lines) == 200 and {line.split("\t")[0] for line in lines} <= {"0", "1", "2"}
    # Hama's TextOutputFormat of IntWritable -> VectorWritable: "cluster<TAB>name: [v1, v2]"
    from hama_yarn.io.sequencefile import SequenceFileReader

    with SequenceFileReader(str(tmp_path / "in" / "input.seq")) as r:
        x = np.array([v.values for v, _ in r])
    centers = load_centers(f"{tmp_path}/out/center/center_output.seq")
    labels = labels_from(lines, 200, x)
    assert np.array_equal(labels, assign(x, centers))


def test_kmeans_unnamed_vectors_hama_text_and_sequencefile_output(tmp_path: Path) -> None:
    """Unnamed VectorWritable input (Hama's generator): text lines "c<TAB>[v1, v2]" with Java's number
    format; SequenceFile output IntWritable -> VectorWritable as Hama's createJob."""
    from hama_yarn.io.sequencefile import SequenceFileReader
    from hama_yarn.matrix.gen import _seq

    x = blobs(300, 2, seed=3)
    x[0] = [1e-5, 2.5e7]  # Java prints 1.0E-5 and 2.5E7
    _seq(f"{tmp_path}/in/p.seq", None, "org.apache.hama.commons.io.VectorWritable",
         "org.apache.hadoop.io.NullWritable", ((row, None) for row in x))
    for fmt in ("text", "sequencefile"):
        conf = HamaConfiguration()
        conf.set("bsp.input.format.class", "sequencefile")
        conf.set("bsp.output.format.class", fmt)
        run(kmeans_job(conf, f"{tmp_path}/in/p.seq", f"{tmp_path}/out-{fmt}", k=3, max_iter=20, num_tasks=2,
                       centers=x[:3]))
        centers = load_centers(f"{tmp_path}/out-{fmt}/center/center_output.seq")
        got: list[tuple[int, tuple[float, ...]]] = []
        if fmt == "text":
            lines = read_text_parts(f"file://{tmp_path}/out-{fmt}")
            assert lines[0].endswith("\t[1.0E-5, 2.5E7]"), lines[0]  # peer 0's part holds row 0 first
            for line in lines:
                c, name, vec = parse_kmeans_line(line)
                assert name is None
                got.append((c, tuple(vec)))
        else:
            for f in sorted((tmp_path / f"out-{fmt}").glob("part-*")):
                with SequenceFileReader(str(f)) as r:
                    assert r.key_class.endswith("IntWritable") and r.value_class.endswith("VectorWritable")
                    got.extend((c, tuple(v)) for c, v in r)
        expected = sorted(zip(assign(x, centers).tolist(), map(tuple, x.tolist())))
        assert sorted(got) == expected


def test_kmeans_bad_input_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("a 1 2\nb 3 4\nc 5 x\n")
    conf = HamaConfiguration()
    conf.set("k.means.caching.enabled", "true")
    job = kmeans_job(conf, f"{tmp_path}/in.txt", f"{tmp_path}/out", k=2, max_iter=5, num_tasks=2)
    assert not job.wait_for_completion(verbose=False)
    assert "is not 'name v1 v2 ...'" in job.get_diagnostics()
    assert not (tmp_path / "out").exists()
