"""``GraphJobRunner``: the BSP program that runs a Pregel-style vertex job (Hama's ``GraphJobRunner``).

Supersteps of the underlying BSP job:

1. **load** - every peer reads its split, the vertex input reader turns records into
   vertices, and each vertex (and every id an edge refers to) goes to the peer that
   owns it (``partitioner.get_partition(id, None, N)``, a stable hash of the id by
   default) in one bundle per peer.  Duplicate ids merge their edge lists.  An edge
   to an id that no record defines **creates that vertex** (value None, no edges;
   Graphalytics inputs rely on it); with ``hama.graph.create.missing.vertices=false``
   the job fails instead, naming the edge.
2. **count** - peers exchange their vertex counts (``get_total_num_vertices``).
3. **iterations** 0, 1, 2, ... - iteration 0 calls ``setup(conf)`` then
   ``compute([own value])`` on every vertex; later iterations call ``compute(msgs)``
   on every vertex with messages and ``compute([])`` on every vertex that has not
   voted to halt.  Then every peer sends each other peer **one bundle**: the
   vertex messages for the vertices it owns (``{id: [msgs]}``, or ``{id: msg}``
   when a per-vertex combiner is set), the vertex additions/removals it owns, and a
   small control record (active vertices, messages sent, vertex-count delta,
   aggregator partials).  Messages to vertices of the same peer never leave the
   process.  After the barrier every peer reduces the control records in peer order,
   so all peers agree on the aggregates and on when to stop.

Halting (Hama's rules): a vertex with messages is always computed, even if halted;
``vote_to_halt`` is not undone by a message unless
``hama.graph.vertex.reactivate=true`` (Pregel's rule).  The job ends after the
iteration in which no messages were sent and every vertex voted to halt (Hama sees
the same one superstep later), or after iteration ``hama.graph.max.iteration`` when
that is > 0 (iterations 0..max run, inclusive, as in Hama).  Messages sent in the
last iteration are dropped.  Output: ``(id, value)`` per vertex (or the
``hama.graph.vertex.output.writer.class``'s ``write(vertex, peer)``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..bsp import BSP, Combiner, HashPartitioner, Partitioner
from ..config import HamaConfiguration
from ..errors import ConfigError, HamaError
from ..plugins import load_object
from .aggregators import AGGREGATORS, AbstractAggregator, Aggregator
from .readers import VertexInputReader
from .store import DiskVertexStore, open_store
from .vertex import Edge, Vertex

log = logging.getLogger(__name__)

__all__ = ["GraphJobRunner", "GraphError", "COUNTER_GROUP", "load_class"]

#: Hama's counter group of the graph runner.
COUNTER_GROUP = "org.apache.hama.graph.GraphJobRunner$GraphJobCounter"

VERTEX_CLASS = "hama.graph.vertex.class"
READER_CLASS = "bsp.runtime.partition.recordconverter"
WRITER_CLASS = "hama.graph.vertex.output.writer.class"
AGGREGATOR_CLASS = "hama.graph.aggregator.class"
COMBINER_CLASS = "hama.graph.combiner.class"
PARTITIONER_CLASS = "bsp.input.partitioner.class"
MAX_ITERATION = "hama.graph.max.iteration"


class GraphError(HamaError):
    """A graph job failed: bad input record, unknown vertex, or a vertex that raised."""


def load_class(conf: HamaConfiguration, key: str, base: type, default: str | None = None) -> Any:
    """Load the class named by *key* and check it subclasses *base* (None when unset)."""
    name = (conf.get(key) or default or "").strip()
    if not name:
        return None
    cls = load_object(name, key)
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise ConfigError(key, f"{name} is not a {base.__name__} subclass")
    return cls


def aggregator_classes(conf: HamaConfiguration) -> list[type[Aggregator]]:
    """The aggregator classes of ``hama.graph.aggregator.class`` (``;``-separated)."""
    out: list[type[Aggregator]] = []
    for name in (conf.get(AGGREGATOR_CLASS) or "").split(";"):
        name = name.strip()
        if not name:
            continue
        cls = load_object(AGGREGATORS.get(name.lower(), name), AGGREGATOR_CLASS)
        if not (isinstance(cls, type) and issubclass(cls, Aggregator)):
            raise ConfigError(AGGREGATOR_CLASS, f"{name} is not an Aggregator subclass")
        out.append(cls)
    return out


class _DefaultWriter:
    def setup(self, conf: HamaConfiguration) -> None:
        return None

    def write(self, vertex: Vertex, peer: Any) -> None:
        peer.write(vertex.get_vertex_id(), vertex.get_value())


class GraphJobRunner(BSP):
    """Runs the vertex program of a :class:`~hama_yarn.graph.GraphJob` on one peer."""

    #: Honour ``hama.graph.vertices.store.class`` (the vectorized runner keeps arrays instead).
    uses_vertex_store = True

    # ------------------------------------------------------------ setup
    def setup(self, peer: Any) -> None:
        self.peer = peer
        conf: HamaConfiguration = peer.get_configuration()
        self.conf = conf
        vcls = load_class(conf, VERTEX_CLASS, Vertex)
        if vcls is None:
            raise ConfigError(VERTEX_CLASS, "no vertex class set (GraphJob.set_vertex_class)")
        self.vertex_class: type[Vertex] = vcls
        self.reader_class: type[VertexInputReader] = load_class(
            conf, READER_CLASS, VertexInputReader, "hama_yarn.graph.readers:AdjacencyReader")
        wcls = load_class(conf, WRITER_CLASS, object)
        self.writer: Any = wcls() if wcls is not None else _DefaultWriter()
        ccls = load_class(conf, COMBINER_CLASS, Combiner)
        self.combiner: Combiner | None = ccls() if ccls is not None else None
        pname = (conf.get(PARTITIONER_CLASS) or "").strip()
        if pname in ("", "hash", "HashPartitioner", "org.apache.hama.bsp.HashPartitioner"):
            self.partitioner: Partitioner = HashPartitioner()
        else:
            self.partitioner = load_class(conf, PARTITIONER_CLASS, Partitioner)()
        self.aggregator_classes = aggregator_classes(conf)
        self.max_iteration = conf.get_int(MAX_ITERATION, -1)
        self.reactivate = conf.get_bool("hama.graph.vertex.reactivate", False)
        self.create_missing = conf.get_bool("hama.graph.create.missing.vertices", True)
        self.self_ref = conf.get_bool("hama.graph.self.ref", False)
        self.names: list[str] = peer.get_all_peer_names()
        self.n = len(self.names)
        self.me: int = peer.get_peer_index()
        self.vertices: dict[Any, Vertex] = {}
        #: The ``disk`` vertex store (None: ``self.vertices`` holds them; hama.graph.vertices.store.class).
        self.store: DiskVertexStore | None = open_store(conf, peer, self.me) if self.uses_vertex_store else None
        self.iteration = 0
        self.total_vertices = 0
        self._owner: dict[Any, int] = {}
        self._agg_values: list[Any] = [None] * len(self.aggregator_classes)
        self._agg_counts: list[int] = [0] * len(self.aggregator_classes)
        self._ft_mine: tuple[int, Any] | None = None  # (iteration, own bundle) during an exchange's sync
        self._ft_resume: Any = None  # a checkpoint's state to resume from (restore_state)
        self._reset_superstep()

    def _reset_superstep(self) -> None:
        self._out: list[dict[Any, list[Any]]] = [{} for _ in range(self.n)]
        self._sent = 0
        self._adds: list[list[tuple[Any, Any, list[tuple[Any, Any]]]]] = [[] for _ in range(self.n)]
        self._removes: list[list[Any]] = [[] for _ in range(self.n)]
        self._aggs: list[Aggregator] = [cls() for cls in self.aggregator_classes]
        self._agg_times: list[int] = [0] * len(self._aggs)

    def owner(self, vertex_id: Any) -> int:
        """The index of the peer that owns *vertex_id*."""
        p = self._owner.get(vertex_id)
        if p is None:
            p = abs(int(self.partitioner.get_partition(vertex_id, None, self.n)))
            if not 0 <= p < self.n:
                raise GraphError(f"partitioner returned {p} for vertex {vertex_id!r} with {self.n} peers")
            self._owner[vertex_id] = p
        return p

    # ------------------------------------------------------------ called by vertices
    def send(self, dest: Any, msg: Any) -> None:
        """Queue *msg* for vertex *dest* (delivered next iteration)."""
        p = self._owner.get(dest)
        if p is None:
            p = self.owner(dest)
        box = self._out[p]
        lst = box.get(dest)
        if lst is None:
            box[dest] = [msg]
        else:
            lst.append(msg)
        self._sent += 1

    def send_to_all(self, edges: list[Edge], msg: Any) -> None:
        """Queue *msg* for the destination of every edge (the hot path, inlined)."""
        owners = self._owner
        outs = self._out
        for e in edges:
            d = e.dest
            p = owners.get(d)
            if p is None:
                p = self.owner(d)
            box = outs[p]
            lst = box.get(d)
            if lst is None:
                box[d] = [msg]
            else:
                lst.append(msg)
        self._sent += len(edges)

    def aggregate(self, index: int, old: Any, value: Any) -> None:
        """Fold a vertex contribution into the peer-local aggregator *index*."""
        try:
            agg = self._aggs[index]
        except IndexError:
            raise GraphError(f"aggregator index {index} out of range: {len(self._aggs)} aggregator(s) set") from None
        if isinstance(agg, AbstractAggregator):
            agg.aggregate_vertex(old, value)
            agg.times_aggregated += 1
        else:
            agg.aggregate(value)
        self._agg_times[index] += 1

    def get_aggregated_value(self, index: int) -> Any:
        """The global aggregate *index* of the previous iteration."""
        return self._agg_values[index]

    def get_num_aggregated(self, index: int) -> int:
        """How many vertices contributed to aggregate *index* in the previous iteration."""
        return self._agg_counts[index]

    def add_vertex(self, vertex_id: Any, edges: list[Edge], value: Any) -> None:
        """Route a new vertex to its owner; it exists from the next iteration."""
        self._adds[self.owner(vertex_id)].append((vertex_id, value, [(e.dest, e.value) for e in edges]))

    def remove_vertex(self, vertex_id: Any) -> None:
        """Route a removal to the vertex's owner; applied before the next iteration."""
        self._removes[self.owner(vertex_id)].append(vertex_id)

    # ------------------------------------------------------------ the program
    def new_vertex(self, vertex_id: Any, value: Any, edges: list[tuple[Any, Any]]) -> Vertex:
        """A vertex of the job's class, attached to this runner."""
        v = self.vertex_class()
        v._id = vertex_id
        v._value = value
        v._edges = [Edge(d, w) for d, w in edges]
        v._runner = self
        return v

    def num_local_vertices(self) -> int:
        """The number of vertices this peer owns."""
        return len(self.vertices) if self.store is None else len(self.store)

    def iter_vertices(self) -> Any:
        """``(id, vertex)`` of every local vertex in partition order (disk store: fresh objects)."""
        if self.store is None:
            return iter(self.vertices.items())
        return ((v._id, v) for v in self.store.vertices(self))

    def missing_vertex(self, src: Any, dest: Any) -> None:
        """An edge *src* -> *dest* names no vertex: fail unless missing vertices are created."""
        if not self.create_missing:
            raise GraphError(f"peer {self.me}: edge {src!r} -> {dest!r} refers to an unknown vertex "
                             "(hama.graph.create.missing.vertices=false)")

    def compute_failed(self, v: Vertex, it: int, exc: Exception) -> None:
        """Raise the :class:`GraphError` for vertex *v* raising *exc* in ``compute``."""
        if isinstance(exc, GraphError):
            raise exc
        raise GraphError(f"vertex {v._id!r} ({self.vertex_class.__name__}) raised in compute on peer "
                         f"{self.me}, iteration {it}: {type(exc).__name__}: {exc}") from exc

    def cleanup(self, peer: Any) -> None:
        """Delete the disk store's files."""
        if self.store is not None:
            self.store.close()

    # ------------------------------------------------------------ fault tolerance (hama_yarn.ft)
    def checkpoint_state(self, peer: Any) -> Any:
        """The vertices and the own bundle at an exchange's barrier (see :mod:`hama_yarn.graph.checkpoint`)."""
        from . import checkpoint

        if self._ft_mine is None:
            return checkpoint.SKIP_CHECKPOINT  # loading: not resumable
        return checkpoint.vertex_state(self, *self._ft_mine)

    def restore_state(self, peer: Any, state: Any) -> None:
        """Resume right after the checkpointed exchange's barrier (in :meth:`bsp`)."""
        self._ft_resume = state

    def bsp(self, peer: Any) -> None:
        inbox: dict[Any, list[Any]] = {}
        it = 0
        pending: Any = None
        if self._ft_resume is not None:
            from .checkpoint import restore_vertices

            it, pending = restore_vertices(self, self._ft_resume)
            self._ft_resume = None
        else:
            self._load(peer)
        while True:
            self.iteration = it
            if pending is not None:  # restored: the exchange's barrier is behind us
                stop, inbox = self._exchanged(peer, it, pending)
                pending = None
            else:
                active = self._compute(it, inbox)
                stop, inbox = self._exchange(peer, it, active)
            if self.me == 0:
                peer.increment_counter(COUNTER_GROUP, "ITERATIONS", 1)
            if stop:
                break
            it += 1
        self.writer.setup(self.conf)
        for _, v in self.iter_vertices():
            self.writer.write(v, peer)
        if self.store is not None:
            peer.increment_counter(COUNTER_GROUP, "VERTEX_STORE_BYTES_WRITTEN", self.store.bytes_written)

    def _load(self, peer: Any) -> None:
        reader = self.reader_class()
        reader.setup(self.conf)
        outgoing: list[list[tuple[Any, Any, list[tuple[Any, Any]]]]] = [[] for _ in range(self.n)]
        refs: list[dict[Any, Any]] = [{} for _ in range(self.n)]
        owner = self.owner

        def factory() -> Vertex:
            return self.vertex_class()

        factory_fn: Callable[[], Vertex] = factory
        store = self.store
        own_file: Any = store.spill("own") if store is not None else None
        while (record := peer.read_next()) is not None:
            key, value = record
            try:
                parsed = list(reader.parse(key, value, factory_fn))
            except Exception as exc:
                text = str(value)
                text = text if len(text) <= 200 else text[:200] + "..."
                raise GraphError(f"peer {self.me}: bad input record at {key!r}: {text!r}: "
                                 f"{type(exc).__name__}: {exc}") from exc
            for v in parsed:
                vid = v._id
                edges = [(e.dest, e.value) for e in v._edges]
                p = owner(vid)
                if p == self.me and store is not None:
                    own_file.append(store.load_record(vid, v._value, edges))  # after the lower peers' records
                else:
                    outgoing[p].append((vid, v._value, edges))
                for d, _ in edges:
                    refs[owner(d)].setdefault(d, vid)
        for i in range(self.n):
            if outgoing[i] or refs[i]:
                peer.send(self.names[i], (self.me, outgoing[i], refs[i]))
        peer.sync()
        if store is not None:
            self._load_store(peer, store, own_file, refs[self.me])
            return
        vertices = self.vertices
        all_refs: list[dict[Any, Any]] = []
        # in sender order: the vertex order (and so the output) does not depend on arrival order
        for _, batch, brefs in sorted(peer.messages(), key=lambda m: int(m[0])):
            all_refs.append(brefs)
            for vid, value, edges in batch:
                old = vertices.get(vid)
                if old is None:
                    vertices[vid] = self.new_vertex(vid, value, edges)
                else:
                    old._edges.extend(Edge(d, w) for d, w in edges)
                    if old._value is None:
                        old._value = value
        for brefs in all_refs:
            for d, src in brefs.items():
                if d not in vertices:
                    if not self.create_missing:
                        raise GraphError(f"peer {self.me}: edge {src!r} -> {d!r} refers to an unknown vertex "
                                         "(hama.graph.create.missing.vertices=false)")
                    vertices[d] = self.new_vertex(d, None, [])
        if self.self_ref:
            for vid, v in vertices.items():
                v._edges.append(Edge(vid))
        self._count_vertices(peer, len(vertices))

    def _load_store(self, peer: Any, store: DiskVertexStore, own_file: Any, own_refs: dict[Any, Any]) -> None:
        """The disk store's end of loading: records in sender order, merged by id in the store."""
        got = sorted(peer.messages(), key=lambda m: int(m[0]))
        all_refs: list[dict[Any, Any]] = []
        own_done = False
        for sender, batch, brefs in got:
            if not own_done and int(sender) > self.me:
                store.load_file(own_file)
                all_refs.append(own_refs)
                own_done = True
            all_refs.append(brefs)
            for rec in batch:
                store.load_add(*rec)
        del got
        if not own_done:
            store.load_file(own_file)
            all_refs.append(own_refs)
        self._count_vertices(peer, store.load_finish(self, all_refs, self.self_ref))

    def _count_vertices(self, peer: Any, local: int) -> None:
        for name in self.names:
            peer.send(name, local)
        peer.sync()
        self.total_vertices = sum(peer.messages())
        if self.me == 0:
            peer.increment_counter(COUNTER_GROUP, "INPUT_VERTICES", self.total_vertices)
        log.debug("peer %d loaded %d of %d vertices", self.me, self.num_local_vertices(), self.total_vertices)

    def _compute(self, it: int, inbox: dict[Any, list[Any]]) -> int:
        if self.store is not None:
            active = self.store.compute(self, it, inbox)
            for vid, msgs in inbox.items():
                raise GraphError(f"peer {self.me}, iteration {it}: {len(msgs)} message(s) for unknown "
                                 f"vertex {vid!r}")
            return active
        vertices = self.vertices
        active = 0
        cur: Vertex | None = None
        try:
            if it == 0:
                conf = self.conf
                for v in vertices.values():
                    cur = v
                    v.setup(conf)
                    v.compute([v._value])
                    if not v._halted:
                        active += 1
                return active
            reactivate = self.reactivate
            for vid, msgs in inbox.items():
                cur = vertices.get(vid)
                if cur is None:
                    raise GraphError(f"peer {self.me}, iteration {it}: {len(msgs)} message(s) for unknown "
                                     f"vertex {vid!r}")
                if reactivate:
                    cur._halted = False
                cur.compute(msgs)
            for vid, v in vertices.items():
                if not v._halted:
                    if vid not in inbox:
                        cur = v
                        v.compute([])
                    if not v._halted:
                        active += 1
        except GraphError:
            raise
        except Exception as exc:
            vid = cur._id if cur is not None else None
            raise GraphError(f"vertex {vid!r} ({self.vertex_class.__name__}) raised in compute on peer "
                             f"{self.me}, iteration {it}: {type(exc).__name__}: {exc}") from exc
        return active

    def _exchange(self, peer: Any, it: int, active: int) -> tuple[bool, dict[Any, list[Any]]]:
        n_adds = sum(len(a) for a in self._adds)
        n_removes = sum(len(r) for r in self._removes)
        partials = [(agg.get_value() if t else None, t) for agg, t in zip(self._aggs, self._agg_times)]
        control = (self.me, active + n_adds, self._sent, self.num_local_vertices() + n_adds - n_removes, partials)
        combiner = self.combiner
        mine: tuple[Any, ...] = ()
        for i in range(self.n):
            box: dict[Any, Any] = self._out[i]
            if combiner is not None:
                box = {d: (combiner.combine(ms) if len(ms) > 1 else ms[0]) for d, ms in box.items()}
            bundle = (control, box, self._adds[i], self._removes[i])
            if i == self.me:
                mine = bundle
            else:
                peer.send(self.names[i], bundle)
        self._ft_mine = (it, mine)
        try:
            peer.sync()
        finally:
            self._ft_mine = None
        return self._exchanged(peer, it, mine)

    def _exchanged(self, peer: Any, it: int, mine: Any) -> tuple[bool, dict[Any, list[Any]]]:
        """After the exchange's barrier: reduce the control records, apply mutations, build the inbox."""
        combiner = self.combiner
        bundles = [mine, *peer.messages()]
        bundles.sort(key=lambda b: int(b[0][0]))
        self._reset_superstep()

        total_active = sum(b[0][1] for b in bundles)
        total_sent = sum(b[0][2] for b in bundles)
        self.total_vertices = sum(b[0][3] for b in bundles)
        self._reduce_aggregates([b[0][4] for b in bundles])
        stop = (self.max_iteration > 0 and it + 1 > self.max_iteration) or (total_sent == 0 and total_active == 0)
        if stop:
            return True, {}

        removed: set[Any] = set()
        if self.store is not None:
            removed = self.store.mutate(self, [vid for b in bundles for vid in b[3]],
                                        [add for b in bundles for add in b[2]])
        for b in bundles if self.store is None else ():
            for vid in b[3]:
                if self.vertices.pop(vid, None) is not None:
                    removed.add(vid)
        for b in bundles if self.store is None else ():
            for vid, value, edges in b[2]:
                v = self.vertices.get(vid)
                if v is None:
                    v = self.vertices[vid] = self.new_vertex(vid, value, edges)
                    v.setup(self.conf)
                    removed.discard(vid)
                else:
                    v._edges.extend(Edge(d, w) for d, w in edges)
                    if value is not None:
                        v._value = value
                    v._halted = False
        inbox: dict[Any, list[Any]] = {}
        for b in bundles:
            box = b[1]
            if not box:
                continue
            if combiner is not None:
                for vid, m in box.items():
                    lst = inbox.get(vid)
                    if lst is None:
                        inbox[vid] = [m]
                    else:
                        lst.append(m)
            elif not inbox:
                inbox = box
            else:
                for vid, ms in box.items():
                    lst = inbox.get(vid)
                    if lst is None:
                        inbox[vid] = ms
                    else:
                        lst.extend(ms)
        for vid in removed:
            inbox.pop(vid, None)
        return False, inbox

    def _reduce_aggregates(self, partials: list[list[tuple[Any, int]]]) -> None:
        for i, cls in enumerate(self.aggregator_classes):
            agg = cls()
            times = 0
            for peer_partials in partials:
                value, t = peer_partials[i]
                if t:
                    agg.aggregate(value)
                    times += t
            self._agg_counts[i] = times
            if times == 0:
                self._agg_values[i] = None
                continue
            if isinstance(agg, AbstractAggregator):
                agg.times_aggregated = times
                final = agg.finalize_aggregation()
                self._agg_values[i] = final if final is not None else agg.get_value()
            else:
                self._agg_values[i] = agg.get_value()
