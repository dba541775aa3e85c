"""Checkpoints of graph jobs (``bsp.checkpoint.enabled``): no user code needed.

Both runners checkpoint at the barrier of an iteration's exchange; the load and index
supersteps before the first iteration are not resumable (:data:`SKIP_CHECKPOINT`), so
a failure there restarts the job from the start.

* **Vertex API** (:class:`~hama_yarn.graph.runner.GraphJobRunner`): the iteration, the
  bundle a peer keeps for itself (``mine``: its own messages, additions, removals and
  control record; the other peers' bundles are the received messages the framework
  saves) and every vertex (id, value, previous value, edges, halted flag, instance
  attributes).  A restored peer rebuilds the vertices (``setup(conf)`` first, then
  the saved fields) and continues right after that exchange's barrier; the aggregates
  and the vertex count are reduced again from the bundles.
* **Vectorized** (:class:`~hama_yarn.graph.vectorized.VectorizedGraphRunner`): the
  loaded graph (ids, CSR routes, receive indices, out-degrees) is written once as a
  static part of raw numpy buffers (:meth:`PeerCheckpointer.write_static
  <hama_yarn.ft.peer.PeerCheckpointer.write_static>`); every checkpoint then holds
  only the loop variables at the top of the iteration (the value vector(s) and a few
  scalars).  A restored peer reads the graph back, recomputes that iteration's
  payloads from the values (deterministic) and takes the received ones from the
  checkpoint instead of sending and syncing again.
"""

from __future__ import annotations

from typing import Any

from ..errors import CheckpointError
from ..ft.settings import SKIP_CHECKPOINT
from .vertex import Edge

__all__ = ["vertex_state", "restore_vertices", "graph_state", "save_graph", "load_graph", "checkpointer",
           "SKIP_CHECKPOINT"]

#: Name of the vectorized runner's static part.
GRAPH_PART = "graph"

_SLOTS = ("_id", "_value", "_old_value", "_edges", "_halted", "_runner")


def checkpointer(peer: Any) -> Any:
    """The peer's :class:`~hama_yarn.ft.peer.PeerCheckpointer` (None: checkpoints are off)."""
    return getattr(peer, "checkpointer", None)


# ------------------------------------------------------------------ Vertex API
def vertex_state(runner: Any, it: int, mine: Any) -> dict[str, Any]:
    """The Vertex API runner's state at the barrier of iteration *it*'s exchange."""
    ids: list[Any] = []
    values: list[Any] = []
    olds: list[Any] = []
    edges: list[Any] = []
    halted: list[bool] = []
    extras: list[Any] = []
    for vid, v in runner.iter_vertices():  # the disk store (hama_yarn.graph.store) streams them
        ids.append(vid)
        values.append(v._value)
        olds.append(v._old_value)
        edges.append([(e.dest, e.value) for e in v._edges])
        halted.append(bool(v._halted))
        d = getattr(v, "__dict__", None)
        extras.append(dict(d) if d else None)
    return {"kind": "vertex", "it": it, "mine": mine, "ids": ids, "values": values, "old": olds,
            "edges": edges, "halted": halted, "extras": extras}


def restore_vertices(runner: Any, state: Any) -> tuple[int, Any]:
    """Rebuild *runner*'s vertices from :func:`vertex_state`; return ``(iteration, mine bundle)``.

    Raises
    ------
    CheckpointError
        The state is not a Vertex API runner's.
    """
    if not isinstance(state, dict) or state.get("kind") != "vertex":
        raise CheckpointError(f"peer {runner.me}: the checkpoint does not hold a Vertex API graph state")
    conf = runner.conf

    def rebuilt() -> Any:
        for vid, value, old, edges, halted, extra in zip(state["ids"], state["values"], state["old"],
                                                           state["edges"], state["halted"], state["extras"]):
            v = runner.new_vertex(vid, None, [])
            v.setup(conf)  # as in iteration 0; the saved fields then win
            v._value, v._old_value, v._halted = value, old, halted
            v._edges = [Edge(d, w) for d, w in edges]
            if extra:
                v.__dict__.update(extra)
            yield v

    store = getattr(runner, "store", None)
    if store is not None:
        store.replace(runner, rebuilt())
    else:
        runner.vertices = {v._id: v for v in rebuilt()}
    return int(state["it"]), state["mine"]


# ------------------------------------------------------------------ vectorized
def graph_state(graph: Any, total_vertices: int) -> dict[str, Any]:
    """A :class:`~hama_yarn.graph.vecload.LocalGraph` as a tree of numpy arrays (a static part)."""
    return {
        "ids": graph.ids, "outdeg": graph.outdeg, "num_edges": int(graph.num_edges),
        "self_loops": bool(graph.self_loops), "total_vertices": int(total_vertices),
        "recv": list(graph.recv),
        "routes": [{"indices": r.indices, "indptr": r.indptr, "weight": r.weight} for r in graph.routes],
    }


def save_graph(peer: Any, graph: Any, total_vertices: int) -> None:
    """Write the loaded graph as the static part (when checkpoints are on)."""
    ck = checkpointer(peer)
    if ck is not None:
        ck.write_static(GRAPH_PART, graph_state(graph, total_vertices))


def load_graph(peer: Any) -> dict[str, Any]:
    """The static part written by :func:`save_graph` (:func:`graph_state`'s tree).

    Raises
    ------
    CheckpointError
        Checkpoints are off, or the part is missing or malformed.
    """
    ck = checkpointer(peer)
    if ck is None:
        raise CheckpointError("a vectorized graph job is restored but checkpoints are off")
    state: dict[str, Any] = ck.read_static(GRAPH_PART)
    return state
