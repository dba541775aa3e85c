"""Batch gradient descent for linear and logistic regression (Hama's ``GradientDescentBSP``).

Every iteration each peer computes, with numpy over its whole split, the cost and the
gradient of the cost at the current ``theta`` and sends both (one float64 array
``[gradient..., cost, rows]``: a raw-buffer message) to every peer; every peer then adds
the parts up **in peer order** (bit-identical ``theta`` everywhere) and steps
``theta -= alpha * gradient / m``.  One superstep per iteration.

Models (``gd.regression.model``):

``linear``    ``h = X theta``, cost ``sum((h - y)^2) / 2m``
``logistic``  ``h = sigmoid(X theta)``, cost ``-sum(y log h + (1-y) log(1-h)) / m``

Hama's class names ``org.apache.hama.ml.regression.LinearRegressionModel`` and
``...LogisticRegressionModel`` are accepted.  ``X`` has a leading column of ones (the
intercept, ``theta[0]``) unless ``gd.intercept=false``.

Configuration (Hama's keys, plus two of hama-yarn):

``gd.alpha``                 learning rate (default 0.003)
``gd.cost.threshold``        stop when the cost falls below it (default 0.1 as Hama; 0 = never)
``gd.iterations.threshold``  iterations at most (default 10000)
``gd.initial.theta``         every component of the initial theta (default 0; Hama's single value)
``gd.regression.model``      ``linear`` (default) or ``logistic``
``gd.tolerance``             (hama-yarn) stop when no component of theta moves more than this (default 0: off)
``gd.intercept``             (hama-yarn) prepend the column of ones (default true)
``gd.label.column``          (hama-yarn) label column of Parquet/Arrow/CSV input (default ``y``, else the first)

A step that raises the cost stops the job with an error naming ``gd.alpha`` (Hama: "gradient
descent failed to converge with alpha"), never a silent divergence.

Input (``bsp.input.format.class``):

* ``text``: Hama's ``y>x1 x2 ...`` lines (spaces or commas between features), or CSV lines
  ``y,x1,x2,...`` (the label first; a header line is skipped);
* ``parquet`` / ``arrow``: the label column and the other numeric columns (``id`` ignored);
* ``sequencefile``: ``VectorWritable`` values ``[y, x1, x2, ...]``.

Output (peer 0): one line per component of theta, ``index<TAB>value`` (``0`` = intercept),
readable with :func:`load_theta`; counters ``gd/ITERATIONS`` and ``gd/COST_MICROS``.

Run::

    hama example gd IN OUT [-a ALPHA] [-i ITERATIONS] [-m linear|logistic] [-n PEERS]
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from typing import Any

import numpy as np
import numpy.typing as npt

from ..bsp import BSP, BSPPeer
from ..config import HamaConfiguration
from ..errors import ConfigError, InputError, UsageError

log = logging.getLogger(__name__)

__all__ = ["GradientDescentBSP", "cost_and_gradient", "read_xy", "parse_line", "load_theta", "predict",
           "gd_job", "main", "MODELS"]

Array = npt.NDArray[np.float64]

ALPHA_KEY = "gd.alpha"
COST_KEY = "gd.cost.threshold"
ITER_KEY = "gd.iterations.threshold"
THETA_KEY = "gd.initial.theta"
MODEL_KEY = "gd.regression.model"
TOL_KEY = "gd.tolerance"
INTERCEPT_KEY = "gd.intercept"
LABEL_KEY = "gd.label.column"
MODELS = {
    "linear": "linear",
    "logistic": "logistic",
    "org.apache.hama.ml.regression.LinearRegressionModel": "linear",
    "org.apache.hama.ml.regression.LogisticRegressionModel": "logistic",
}


def model_of(conf: HamaConfiguration) -> str:
    """The model named by ``gd.regression.model``."""
    name = (conf.get(MODEL_KEY) or "linear").strip()
    if name not in MODELS:
        raise ConfigError(MODEL_KEY, f"unknown regression model {name!r}; choose one of {sorted(MODELS)}")
    return MODELS[name]


def _sigmoid(z: Array) -> Array:
    out: Array = 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic function
    return out


def cost_and_gradient(x: Array, y: Array, theta: Array, model: str = "linear") -> tuple[float, Array]:
    """Unnormalised cost and gradient sums of the rows *x*, labels *y* at *theta*.

    Divide both by the total number of rows ``m`` (over all peers) for the mean cost and
    gradient; the linear cost is ``sum((x theta - y)^2) / 2``, the logistic one the negative
    log-likelihood.
    """
    if not len(x):
        return 0.0, np.zeros_like(theta)
    z = x @ theta
    if model == "logistic":
        h = _sigmoid(z)
        # -[y log h + (1-y) log(1-h)] = log(1 + e^z) - y z, computed stably
        cost = float(np.sum(np.logaddexp(0.0, z) - y * z))
    else:
        h = z
        cost = float(0.5 * np.sum((z - y) ** 2))
    grad: Array = x.T @ (h - y)
    return cost, grad


def parse_line(key: Any, line: str) -> tuple[float, list[float]] | None:
    """``y>x1 x2 ...`` (Hama) or ``y,x1,x2,...`` (CSV) -> ``(y, [x...])``; None for a header or blank line.

    Raises
    ------
    InputError
        A line that is neither (names its offset).
    """
    text = line.strip()
    if not text:
        return None
    try:
        if ">" in text:
            label, _, rest = text.partition(">")
            return float(label), [float(v) for v in rest.replace(",", " ").split()]
        fields = [f for f in text.replace(",", " ").split()]
        vals = [float(v) for v in fields]
    except ValueError as exc:
        if key in (0, "0") and ">" not in text:
            return None  # a CSV header
        raise InputError(f"line at offset {key} is not 'y>x1 x2 ...' nor CSV 'y,x1,...': {text[:80]!r}") from exc
    if len(vals) < 2:
        raise InputError(f"line at offset {key} has no features: {text[:80]!r}")
    return vals[0], vals[1:]


def read_xy(peer: Any, label: str | None = None) -> tuple[Array, Array]:
    """This peer's split as ``(X, y)`` (no intercept column)."""
    from .points import ID_COLUMNS, batch_to_matrix, is_columnar

    conf = peer.get_configuration()
    if is_columnar(conf):
        xs, ys = [], []
        while (batch := peer.read_batch()) is not None:
            names = batch.schema.names
            col = label or ("y" if "y" in names else next((n for n in names if n not in ID_COLUMNS), None))
            if col is None or col not in names:
                raise InputError(f"label column {col!r} ({LABEL_KEY}) not in {names}")
            ys.append(batch.column(col).to_numpy(zero_copy_only=False).astype(np.float64))
            xs.append(batch_to_matrix(batch, exclude=(col, *ID_COLUMNS)))
        if not xs:
            return np.zeros((0, 0)), np.zeros(0)
        return np.concatenate(xs), np.concatenate(ys)
    rows: list[list[float]] = []
    labels: list[float] = []
    while (rec := peer.read_next()) is not None:
        key, value = rec
        if isinstance(value, str):
            parsed = parse_line(key, value)
            if parsed is None:
                continue
            labels.append(parsed[0])
            rows.append(parsed[1])
        else:
            from .points import _vector_of

            _, vec = _vector_of(key, value)
            vec = list(np.asarray(vec, dtype=np.float64))
            if len(vec) < 2:
                raise InputError(f"record {key!r}: a vector [y, x1, ...] needs at least two values")
            labels.append(vec[0])
            rows.append(vec[1:])
    dims = {len(r) for r in rows}
    if len(dims) > 1:
        raise InputError(f"rows with different numbers of features {sorted(dims)} in the input of peer "
                         f"{peer.get_peer_index()}")
    if not rows:
        return np.zeros((0, 0)), np.zeros(0)
    return np.array(rows, dtype=np.float64), np.array(labels, dtype=np.float64)


class GradientDescentBSP(BSP):
    """Hama's ``GradientDescentBSP``: batch gradient descent, one superstep per iteration."""

    theta: Array
    iterations: int
    cost: float

    def setup(self, peer: BSPPeer) -> None:
        conf = peer.get_configuration()
        self.alpha = conf.get_float(ALPHA_KEY, 0.003)
        self.cost_threshold = conf.get_float(COST_KEY, 0.1)
        self.max_iter = conf.get_int(ITER_KEY, 10000)
        self.initial = conf.get_float(THETA_KEY, 0.0)
        self.model = model_of(conf)
        self.tolerance = conf.get_float(TOL_KEY, 0.0)
        self.intercept = conf.get_bool(INTERCEPT_KEY, True)
        if not self.alpha > 0:
            raise ConfigError(ALPHA_KEY, f"the learning rate must be positive, got {self.alpha}")
        x, self.y = read_xy(peer, conf.get(LABEL_KEY) or None)
        if self.model == "logistic" and len(self.y) and not np.isin(self.y, (0.0, 1.0)).all():
            bad = self.y[~np.isin(self.y, (0.0, 1.0))][0]
            raise InputError(f"peer {peer.get_peer_index()}: logistic regression needs labels 0 or 1, got {bad}")
        if self.intercept and x.size:
            x = np.hstack([np.ones((len(x), 1)), x])
        self.x = x
        self.iterations = 0
        self.cost = math.nan

    def bsp(self, peer: BSPPeer) -> None:
        names = peer.get_all_peer_names()
        me = peer.get_peer_index()
        # agree on the number of features (a peer may have an empty split)
        for name in names:
            peer.send(name, np.array([me, self.x.shape[1] if self.x.size else -1], dtype=np.float64))
        peer.sync()
        dims = {int(m[1]) for m in peer.messages()} - {-1}
        if len(dims) != 1:
            raise InputError(f"the peers' inputs have different numbers of features (or none): {sorted(dims)}")
        p = dims.pop()
        if not self.x.size:
            self.x = np.zeros((0, p))
        self.theta = np.full(p, self.initial, dtype=np.float64)
        previous = math.inf
        while self.iterations < self.max_iter:
            cost, grad = cost_and_gradient(self.x, self.y, self.theta, self.model)
            part = np.concatenate([grad, [cost, float(len(self.x)), float(me)]])
            for name in names:
                peer.send(name, part)
            peer.sync()
            parts = sorted(peer.messages(), key=lambda m: m[-1])  # peer order: identical sums everywhere
            total = parts[0][:-1].copy()
            for q in parts[1:]:
                total += q[:-1]
            m = total[-1]
            if m == 0:
                raise InputError("gradient descent: the input has no rows")
            self.cost = float(total[-2] / m)
            if self.cost > previous * (1 + 1e-12) + 1e-300:
                raise ConfigError(ALPHA_KEY, f"gradient descent failed to converge with alpha {self.alpha}: "
                                             f"the cost rose from {previous} to {self.cost} at iteration "
                                             f"{self.iterations}; lower gd.alpha")
            if self.cost < self.cost_threshold:
                break
            previous = self.cost
            step = self.alpha * total[:-2] / m
            self.theta = self.theta - step
            self.iterations += 1
            if self.tolerance > 0 and float(np.max(np.abs(step))) <= self.tolerance:
                break
        if me == 0:
            peer.increment_counter("gd", "ITERATIONS", self.iterations)
            peer.increment_counter("gd", "COST_MICROS", int(round(self.cost * 1e6)) if math.isfinite(self.cost) else 0)
            lines = "\n".join(f"{i}\t{v!r}" for i, v in enumerate(self.theta.tolist()))
            peer.write(None, lines, records=len(self.theta))


def load_theta(out: str, conf: HamaConfiguration | None = None) -> Array:
    """The theta a gd job wrote to the output directory *out*."""
    from ..cli.exampleio import read_output

    pairs = []
    for line in read_output(out, conf):
        i, _, v = line.partition("\t")
        try:
            pairs.append((int(i), float(v)))
        except ValueError as exc:
            raise InputError(f"{out}: not a theta line {line[:80]!r}") from exc
    if not pairs:
        raise InputError(f"{out}: no theta in the output")
    pairs.sort()
    return np.array([v for _, v in pairs], dtype=np.float64)


def predict(theta: Array, x: Array, model: str = "linear", intercept: bool = True) -> Array:
    """Predictions of the model *theta* for the rows *x* (probabilities for ``logistic``)."""
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    if intercept:
        x = np.hstack([np.ones((len(x), 1)), x])
    z = x @ theta
    return _sigmoid(z) if MODELS.get(model, model) == "logistic" else z


def gd_job(conf: HamaConfiguration, input_path: str, output: str, model: str = "linear",
           alpha: float | None = None, iterations: int | None = None, num_tasks: int | None = None) -> Any:
    """A ready-to-submit :class:`~hama_yarn.job.BSPJob` for gradient descent."""
    from ..job import BSPJob

    job = BSPJob(conf, GradientDescentBSP)
    job.set_job_name(f"gd-{MODELS.get(model, model)}")
    job.set_input_path(input_path)
    job.set_output_path(output)
    job.set(MODEL_KEY, model)
    if alpha is not None:
        job.set(ALPHA_KEY, repr(float(alpha)))
    if iterations is not None:
        job.set(ITER_KEY, str(int(iterations)))
    if num_tasks:
        job.set_num_bsp_task(num_tasks)
    model_of(job.conf)
    return job


def main(argv: list[str] | None = None) -> int:
    """``hama example gd IN OUT [-a ALPHA] [-i ITER] [-m MODEL] [-t THETA] [-c COST] [-n PEERS] [-D k=v]...``."""
    from ..cli.common import add_conf_args, conf_from_args, run_job

    p = argparse.ArgumentParser(prog="hama example gd", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="input file or directory (text 'y>x1 x2 ...' or CSV, Parquet, Arrow)")
    p.add_argument("output", help="output directory (theta, one component per line)")
    p.add_argument("-a", "--alpha", type=float, default=None, help=f"{ALPHA_KEY}")
    p.add_argument("-i", "--iterations", type=int, default=None, help=f"{ITER_KEY}")
    p.add_argument("-m", "--model", default=None, help=f"{MODEL_KEY}: linear (default) or logistic")
    p.add_argument("-t", "--theta", type=float, default=None, help=f"{THETA_KEY}")
    p.add_argument("-c", "--cost", type=float, default=None, help=f"{COST_KEY}")
    p.add_argument("--tolerance", type=float, default=None, help=f"{TOL_KEY}")
    p.add_argument("-n", "--num-tasks", type=int, default=None, help="number of peers (default: bsp.peers.num)")
    p.add_argument("--input-format", default=None, help="text (default), sequencefile, parquet, arrow")
    add_conf_args(p)
    args = p.parse_args(argv)
    if args.iterations is not None and args.iterations < 1:
        raise UsageError("--iterations must be at least 1")
    conf = conf_from_args(args)
    if args.input_format:
        conf.set("bsp.input.format.class", args.input_format)
    for key, value in ((THETA_KEY, args.theta), (COST_KEY, args.cost), (TOL_KEY, args.tolerance)):
        if value is not None:
            conf.set(key, repr(value))
    model = args.model or conf.get(MODEL_KEY) or "linear"
    job = gd_job(conf, args.input, args.output, model, args.alpha, args.iterations, args.num_tasks)
    return run_job(job, quiet=getattr(args, "quiet", False))


if __name__ == "__main__":
    sys.exit(main())
