"""Collaborative filtering by matrix factorization (Hama's ``OnlineCF``), online SGD or ALS.

Input: ratings ``user::item::rating[::timestamp]`` (MovieLens; tabs, commas or spaces also
separate), or Parquet/Arrow columns ``user``, ``item``, ``rating``.  User and item ids are
integers.  A rating is modelled as ``mean + p_user . q_item``.

Superstep 0 routes every rating to the peer owning its user (``user % peers``) and, for ALS,
to the peer owning its item, and broadcasts the sum and count of the ratings (the global
mean) and the item ids (so every peer knows the same sorted item list).  Then, per
``ml.recommender.cf.method``:

``online`` (default, Hama's OnlineCF)  each peer runs ``ml.recommender.cf.skip.count``
    epochs of SGD over its users' ratings (fixed order) with a copy of the item factors,
    then the item-factor changes of all peers are added up in peer order (identical item
    factors everywhere); ``ml.recommender.cf.iterations`` epochs in all.
``als``  alternating least squares: every peer solves its users' factors against the
    broadcast item factors, then its items' factors against the broadcast user factors
    (ridge ``ml.recommender.cf.lambda * n``); one iteration = two supersteps.

Configuration: ``ml.recommender.cf.iterations`` (100), ``ml.recommender.cf.rank`` (10),
``ml.recommender.cf.skip.count`` (5), and hama-yarn's ``ml.recommender.cf.method``,
``ml.recommender.cf.alpha`` (SGD step, 0.01), ``ml.recommender.cf.lambda`` (0.05),
``ml.recommender.cf.seed`` (0: initial factors depend on the id and the seed only).

Output (the model; :func:`load_model`, :meth:`CFModel.estimate`): text lines
``u<id><TAB>v1 v2 ...`` and ``i<id><TAB>v1 v2 ...`` as Hama's model keys, and ``m<TAB>mean``.

Run::

    hama example cf IN OUT [-i ITERATIONS] [-k RANK] [--als] [-n PEERS]
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..bsp import BSP, BSPPeer
from ..config import HamaConfiguration
from ..errors import ConfigError, InputError, UsageError

log = logging.getLogger(__name__)

__all__ = ["OnlineCFBSP", "CFModel", "load_model", "parse_rating", "read_ratings", "cf_job", "main"]

Array = npt.NDArray[np.float64]
Ids = npt.NDArray[np.int64]

ITER_KEY = "ml.recommender.cf.iterations"
RANK_KEY = "ml.recommender.cf.rank"
SKIP_KEY = "ml.recommender.cf.skip.count"
METHOD_KEY = "ml.recommender.cf.method"
ALPHA_KEY = "ml.recommender.cf.alpha"
LAMBDA_KEY = "ml.recommender.cf.lambda"
SEED_KEY = "ml.recommender.cf.seed"
METHODS = ("online", "als")


def parse_rating(key: Any, line: str) -> tuple[int, int, float] | None:
    """``user::item::rating[::timestamp]`` (or tab/comma/space separated) -> triple; None for blank lines.

    Raises
    ------
    InputError
        A line that is not a rating (names its offset).
    """
    text = line.strip()
    if not text:
        return None
    fields = text.split("::") if "::" in text else text.replace(",", " ").split()
    try:
        if len(fields) < 3:
            raise ValueError("fewer than 3 fields")
        return int(fields[0]), int(fields[1]), float(fields[2])
    except ValueError as exc:
        if key in (0, "0") and not text[:1].isdigit():
            return None  # a header line
        raise InputError(f"line at offset {key} is not 'user::item::rating': {text[:80]!r} ({exc})") from exc


def read_ratings(peer: Any) -> tuple[Ids, Ids, Array]:
    """This peer's split as arrays ``(users, items, ratings)``."""
    from .points import is_columnar

    if is_columnar(peer.get_configuration()):
        us, its, rs = [], [], []
        while (batch := peer.read_batch()) is not None:
            names = batch.schema.names
            for need in ("user", "item", "rating"):
                if need not in names:
                    raise InputError(f"ratings need columns user, item, rating; got {names}")
            us.append(batch.column("user").to_numpy(zero_copy_only=False).astype(np.int64))
            its.append(batch.column("item").to_numpy(zero_copy_only=False).astype(np.int64))
            rs.append(batch.column("rating").to_numpy(zero_copy_only=False).astype(np.float64))
        if not us:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        return np.concatenate(us), np.concatenate(its), np.concatenate(rs)
    triples = []
    while (rec := peer.read_next()) is not None:
        key, value = rec
        t = parse_rating(key, value if isinstance(value, str) else str(value))
        if t is not None:
            triples.append(t)
    if not triples:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    a = np.array(triples, dtype=np.float64)
    return a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), a[:, 2]


def initial_factors(ids: Ids, rank: int, seed: int) -> Array:
    """Small random factors that depend only on (*seed*, id): the same on every peer and peer count."""
    out = np.empty((len(ids), rank))
    for n, i in enumerate(ids.tolist()):
        out[n] = np.random.default_rng([seed, i & 0x7FFFFFFF, i >> 31 & 0x7FFFFFFF]).normal(0.0, 0.1, rank)
    return out


def _groups(keys: Ids) -> tuple[Ids, npt.NDArray[np.intp]]:
    """Sorted unique *keys* and the start offsets of their runs (keys must be sorted)."""
    uniq, starts = np.unique(keys, return_index=True)
    return uniq, np.append(starts, len(keys)).astype(np.intp)


def _solve(owner_idx: npt.NDArray[np.intp], other_idx: npt.NDArray[np.intp], r: Array, n_owner: int,
           other: Array, lam: float) -> Array:
    """Ridge least squares of every owner row against the factors of the rows it rated."""
    rank = other.shape[1]
    out = np.zeros((n_owner, rank))
    q = other[other_idx]
    # A_o = sum q q^T + lam n_o I, b_o = sum r q: accumulated for all owners at once
    a = np.zeros((n_owner, rank, rank))
    np.add.at(a, owner_idx, q[:, :, None] * q[:, None, :])
    counts = np.bincount(owner_idx, minlength=n_owner).astype(np.float64)
    a += (lam * np.maximum(counts, 1.0))[:, None, None] * np.eye(rank)
    b = np.zeros((n_owner, rank))
    np.add.at(b, owner_idx, r[:, None] * q)
    nz = counts > 0
    out[nz] = np.linalg.solve(a[nz], b[nz][:, :, None])[:, :, 0]
    return out


class OnlineCFBSP(BSP):
    """Matrix factorization of a ratings matrix, online (SGD) or ALS."""

    def setup(self, peer: BSPPeer) -> None:
        conf = peer.get_configuration()
        self.iterations = conf.get_int(ITER_KEY, 100)
        self.rank = conf.get_int(RANK_KEY, 10)
        self.skip = max(1, conf.get_int(SKIP_KEY, 5))
        self.method = (conf.get(METHOD_KEY) or "online").strip()
        if self.method not in METHODS:
            raise ConfigError(METHOD_KEY, f"unknown method {self.method!r}; choose one of {METHODS}")
        self.alpha = conf.get_float(ALPHA_KEY, 0.01)
        self.lam = conf.get_float(LAMBDA_KEY, 0.05)
        self.seed = conf.get_int(SEED_KEY, 0)
        if self.rank < 1 or self.iterations < 0:
            raise ConfigError(RANK_KEY, f"rank must be >= 1 and iterations >= 0 (got {self.rank}, {self.iterations})")
        self.ratings = read_ratings(peer)

    def _exchange(self, peer: BSPPeer, payload: Any) -> list[Any]:
        """Send *payload* to every peer, sync, and return every peer's payload in peer order."""
        me = peer.get_peer_index()
        for name in peer.get_all_peer_names():
            peer.send(name, (me, payload))
        peer.sync()
        return [p for _, p in sorted(peer.messages(), key=lambda m: m[0])]

    def bsp(self, peer: BSPPeer) -> None:
        names = peer.get_all_peer_names()
        npeers, me = len(names), peer.get_peer_index()
        u, i, r = self.ratings
        triples = np.column_stack([u, i, r]) if len(u) else np.zeros((0, 3))
        # superstep 0: route by user (and by item for ALS); mean and item ids to everyone
        for dest, name in enumerate(names):
            by_user = triples[u % npeers == dest]
            by_item = triples[i % npeers == dest] if self.method == "als" else np.zeros((0, 3))
            peer.send(name, ("r", me, by_user, by_item, np.array([r.sum(), len(r)]), np.unique(i)))
        peer.sync()
        msgs = sorted(peer.messages(), key=lambda m: m[1])
        mine_u = np.concatenate([m[2] for m in msgs])
        mine_i = np.concatenate([m[3] for m in msgs])
        total = sum((m[4] for m in msgs), np.zeros(2))
        if total[1] == 0:
            raise InputError("collaborative filtering: the input has no ratings")
        self.mean = float(total[0] / total[1])
        self.items = np.unique(np.concatenate([m[5] for m in msgs])).astype(np.int64)
        # this peer's users, ratings sorted by (user, item): a fixed order on every run
        mine_u = mine_u[np.lexsort((mine_u[:, 1], mine_u[:, 0]))] if len(mine_u) else mine_u
        self.users, ustarts = _groups(mine_u[:, 0].astype(np.int64))
        uidx = np.repeat(np.arange(len(self.users)), np.diff(ustarts)).astype(np.intp)
        iidx = np.searchsorted(self.items, mine_u[:, 1].astype(np.int64)).astype(np.intp)
        res = mine_u[:, 2] - self.mean
        self.p = initial_factors(self.users, self.rank, self.seed)
        self.q = initial_factors(self.items, self.rank, self.seed + 1)
        if self.method == "als":
            self._als(peer, uidx, iidx, res, mine_i)
        else:
            self._online(peer, uidx, iidx, res)
        rmse = float(np.sqrt(np.mean((np.einsum("ij,ij->i", self.p[uidx], self.q[iidx]) - res) ** 2))) \
            if len(res) else 0.0
        peer.increment_counter("cf", "TRAIN_SQUARED_ERROR_MICROS", int(round(rmse ** 2 * len(res) * 1e6)))
        peer.increment_counter("cf", "RATINGS", len(res))
        lines = [f"u{a}\t{' '.join(map(repr, v))}" for a, v in zip(self.users.tolist(), self.p.tolist())]
        own = self.items % npeers == me
        lines += [f"i{a}\t{' '.join(map(repr, v))}" for a, v in zip(self.items[own].tolist(), self.q[own].tolist())]
        if me == 0:
            lines.append(f"m\t{self.mean!r}")
        if lines:
            peer.write(None, "\n".join(lines), records=len(lines))

    def _online(self, peer: BSPPeer, uidx: npt.NDArray[np.intp], iidx: npt.NDArray[np.intp], res: Array) -> None:
        done = 0
        alpha, lam = self.alpha, self.lam
        while done < self.iterations:
            epochs = min(self.skip, self.iterations - done)
            q = self.q.copy()
            p = self.p
            for _ in range(epochs):
                for a, b, e in zip(uidx.tolist(), iidx.tolist(), res.tolist()):
                    pa, qb = p[a], q[b]
                    err = e - float(pa @ qb)
                    p[a] = pa + alpha * (err * qb - lam * pa)
                    q[b] = qb + alpha * (err * pa - lam * qb)
            touched = np.unique(iidx)
            deltas = self._exchange(peer, (touched, q[touched] - self.q[touched]))
            for ids, d in deltas:  # peer order: identical item factors on every peer
                self.q[ids] += d
            done += epochs

    def _als(self, peer: BSPPeer, uidx: npt.NDArray[np.intp], iidx: npt.NDArray[np.intp], res: Array,
             mine_i: Array) -> None:
        npeers, me = len(peer.get_all_peer_names()), peer.get_peer_index()
        own = np.flatnonzero(self.items % npeers == me)
        # ratings of this peer's items: owner = position among own items, other = user id
        ii = np.searchsorted(self.items[own], mine_i[:, 1].astype(np.int64)).astype(np.intp)
        ures = mine_i[:, 2] - self.mean
        item_users = mine_i[:, 0].astype(np.int64)
        for _ in range(self.iterations):
            self.p = _solve(uidx, iidx, res, len(self.users), self.q, self.lam)
            parts = self._exchange(peer, (self.users, self.p))
            all_users = np.concatenate([ids for ids, _ in parts]).astype(np.int64)
            all_p = np.concatenate([f for _, f in parts]) if len(all_users) else np.zeros((0, self.rank))
            order = np.argsort(all_users)
            all_users, all_p = all_users[order], all_p[order]
            ui = np.searchsorted(all_users, item_users).astype(np.intp)
            mine_q = _solve(ii, ui, ures, len(own), all_p, self.lam)
            parts = self._exchange(peer, (own, mine_q))
            for idx, f in parts:
                self.q[idx] = f


@dataclass
class CFModel:
    """A trained factorization: ``estimate(user, item) = mean + p_user . q_item``."""

    mean: float
    users: dict[int, Array]
    items: dict[int, Array]

    def estimate(self, user: int, item: int) -> float:
        """Estimated rating; the global mean for an unknown user or item."""
        p, q = self.users.get(user), self.items.get(item)
        if p is None or q is None:
            return self.mean
        return self.mean + float(p @ q)

    def estimate_many(self, users: Ids, items: Ids) -> Array:
        """:meth:`estimate` for arrays of users and items."""
        return np.array([self.estimate(a, b) for a, b in zip(np.asarray(users).tolist(), np.asarray(items).tolist())])


def load_model(out: str, conf: HamaConfiguration | None = None) -> CFModel:
    """The model a cf job wrote to the output directory *out*."""
    from ..cli.exampleio import read_output

    mean: float | None = None
    users: dict[int, Array] = {}
    items: dict[int, Array] = {}
    for line in read_output(out, conf):
        key, _, vals = line.partition("\t")
        try:
            if key == "m":
                mean = float(vals)
            elif key[:1] in ("u", "i"):
                (users if key[0] == "u" else items)[int(key[1:])] = np.array(vals.split(), dtype=np.float64)
        except ValueError as exc:
            raise InputError(f"{out}: not a model line {line[:80]!r}") from exc
    if mean is None:
        raise InputError(f"{out}: no model (the line 'm<TAB>mean' is missing)")
    return CFModel(mean, users, items)


def cf_job(conf: HamaConfiguration, input_path: str, output: str, iterations: int | None = None,
           rank: int | None = None, method: str | None = None, num_tasks: int | None = None) -> Any:
    """A ready-to-submit :class:`~hama_yarn.job.BSPJob` for collaborative filtering."""
    from ..job import BSPJob

    job = BSPJob(conf, OnlineCFBSP)
    job.set_job_name("cf")
    job.set_input_path(input_path)
    job.set_output_path(output)
    if iterations is not None:
        job.set(ITER_KEY, str(iterations))
    if rank is not None:
        job.set(RANK_KEY, str(rank))
    if method is not None:
        if method not in METHODS:
            raise ConfigError(METHOD_KEY, f"unknown method {method!r}; choose one of {METHODS}")
        job.set(METHOD_KEY, method)
    if num_tasks:
        job.set_num_bsp_task(num_tasks)
    return job


def main(argv: list[str] | None = None) -> int:
    """``hama example cf IN OUT [-i ITER] [-k RANK] [--als] [-n PEERS] [-D k=v]...``."""
    from ..cli.common import add_conf_args, conf_from_args, run_job

    p = argparse.ArgumentParser(prog="hama example cf", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="ratings: user::item::rating lines, or Parquet/Arrow columns user, item, rating")
    p.add_argument("output", help="output directory (the model)")
    p.add_argument("-i", "--iterations", type=int, default=None, help=ITER_KEY)
    p.add_argument("-k", "--rank", type=int, default=None, help=RANK_KEY)
    p.add_argument("--als", action="store_true", help=f"{METHOD_KEY}=als")
    p.add_argument("-n", "--num-tasks", type=int, default=None, help="number of peers (default: bsp.peers.num)")
    p.add_argument("--input-format", default=None, help="text (default), parquet, arrow")
    add_conf_args(p)
    args = p.parse_args(argv)
    if args.iterations is not None and args.iterations < 0:
        raise UsageError("--iterations must be at least 0")
    conf = conf_from_args(args)
    if args.input_format:
        conf.set("bsp.input.format.class", args.input_format)
    job = cf_job(conf, args.input, args.output, args.iterations, args.rank, "als" if args.als else None,
                 args.num_tasks)
    return run_job(job, quiet=getattr(args, "quiet", False))


if __name__ == "__main__":
    sys.exit(main())
