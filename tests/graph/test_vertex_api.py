"""Vertex API and runner semantics: iteration 0, halting, max iteration, aggregators,
combiners, dynamic graphs, partitioner, and bad input."""

from __future__ import annotations

import pytest

from hama_yarn.graph import GraphJob
from hama_yarn.errors import ConfigError

from . import vertices as V
from .conftest import GraphRunner


def test_iteration0_gets_own_value(graph: GraphRunner) -> None:
    job = graph.job(peers=2)
    job.set_input_format("json")
    job.set_vertex_class(V.RecordFirst)
    inp = graph.write("g.json", '["a", 5, [["b", 1.5]]]\n["b", "x", []]\n["c", null, [["a"]]]\n')
    out = graph.run(job, inp)
    assert out == {"a": "[5]|3|2", "b": "['x']|3|2", "c": "[None]|3|2"}


def test_max_iteration_is_inclusive(graph: GraphRunner) -> None:
    job = graph.job(peers=2)
    job.set_vertex_class(V.CountComputes)
    job.set_max_iteration(3)
    out = graph.run(job, graph.write("g", "a\tb\nb\tc\nc\n"))
    assert out == {"a": "4", "b": "4", "c": "4"}  # iterations 0, 1, 2, 3


@pytest.mark.parametrize("reactivate,expected", [("false", "2"), ("true", "6")])
def test_halted_vertex_wakes_on_message(graph: GraphRunner, reactivate: str, expected: str) -> None:
    job = graph.job(peers=2, **{"hama.graph.vertex.reactivate": reactivate})
    job.set_vertex_class(V.Wake)
    job.set_max_iteration(5)
    out = graph.run(job, graph.write("g", "a\nb\nc\n"))
    # Hama: b computes in iteration 0 and, woken by the message, in iteration 1 only;
    # with reactivation (Pregel) it stays active until max iteration 5.
    assert out == {"a": "1", "b": expected, "c": "1"}


def test_ends_when_all_halted_and_no_messages(graph: GraphRunner) -> None:
    job = graph.job(peers=3)
    job.set_vertex_class(V.Chain)
    out = graph.run(job, graph.write("g", "a\tb\nb\tc\nc\td\nd\ne\tf\nf\n"))
    assert out == {"a": "0", "b": "1", "c": "2", "d": "3", "e": "-1", "f": "-1"}
    assert job.get_counters().get("org.apache.hama.graph.GraphJobRunner$GraphJobCounter", "ITERATIONS") == 4


def test_aggregators(graph: GraphRunner) -> None:
    job = graph.job(peers=3)
    job.set_vertex_class(V.Aggregates)
    job.set_aggregator_class("sum", "min", "max", "absdiff", "average")
    out = graph.run(job, graph.write("g", "".join(f"{i}\n" for i in range(1, 11))))
    # ids 1..10: sum 55, min 1, max 10; |old-new| = id: absdiff 55, average 5.5 over 10 vertices
    assert set(out.values()) == {"55 1 10 55.0 5.5 10"}


def test_combiner_per_destination_vertex(graph: GraphRunner) -> None:
    job = graph.job(peers=3)
    job.set_vertex_class(V.SendToHub)
    job.set_combiner_class(V.SumCombiner)
    names = [f"v{i}" for i in range(30)]
    out = graph.run(job, graph.write("g", "".join(f"{n}\n" for n in names) + "hub\n"))
    count, total = map(int, out["hub"].split())
    assert total == 31 and count <= 3  # at most one combined message per sending peer


def test_no_combiner_delivers_every_message(graph: GraphRunner) -> None:
    job = graph.job(peers=3)
    job.set_vertex_class(V.SendToHub)
    out = graph.run(job, graph.write("g", "".join(f"v{i}\n" for i in range(30)) + "hub\n"))
    assert out["hub"] == "31 31"


@pytest.mark.parametrize("mode", ["inline", "local"])
def test_dynamic_graph_add_and_remove_on_owner(graph: GraphRunner, mode: str) -> None:
    job = graph.job(mode=mode, peers=3)
    job.set_vertex_class("tests.graph.vertices:Dynamic")
    out = graph.run(job, graph.write("g", "".join(f"{i}\n" for i in range(1, 21))))
    assert out == {"sum": f"{sum(range(1, 21))} total=1"}


def test_custom_partitioner(graph: GraphRunner) -> None:
    job = graph.job(peers=2)
    job.set_vertex_class(V.Chain)
    job.set_partitioner_class(V.AllToZero)
    out_dir = graph.tmp / "out-part"
    job.set_input_path(str(graph.write("g", "a\tb\nb\tc\n")))
    job.set_output_path(str(out_dir))
    assert job.wait_for_completion(verbose=False)
    assert (out_dir / "part-00000").read_text().count("\n") == 3
    assert (out_dir / "part-00001").read_text() == ""


def test_edge_values_and_missing_vertices_created(graph: GraphRunner) -> None:
    job = graph.job(peers=2)
    job.set_vertex_class(V.Weights)
    out = graph.run(job, graph.write("g", "a\tb:2.5 c\n# comment\n\na\td:1\n"))
    assert sorted(out["a"].split(",")) == ["b:2.5", "c:None", "d:1.0"]  # duplicate ids merge their edges
    assert out["b"] == out["c"] == out["d"] == ""


# ------------------------------------------------------------------ bad input
def failure(graph: GraphRunner, job: GraphJob, text: str) -> str:
    graph.run(job, graph.write("bad", text), expect_ok=False)
    return job.get_diagnostics()


def test_malformed_adjacency_line(graph: GraphRunner) -> None:
    job = graph.job(peers=2)
    job.set_vertex_class(V.Chain)
    diag = failure(graph, job, "a\tb\nb\tc:heavy\n")
    assert "bad input record at 4" in diag and "c:heavy" in diag and "not a number" in diag


def test_unknown_vertex_when_creation_disabled(graph: GraphRunner) -> None:
    job = graph.job(peers=2, **{"hama.graph.create.missing.vertices": "false"})
    job.set_vertex_class(V.Chain)
    diag = failure(graph, job, "a\tb\nb\tzz\n")
    assert "'b' -> 'zz' refers to an unknown vertex" in diag


def test_message_to_unknown_vertex(graph: GraphRunner) -> None:
    job = graph.job(peers=2)
    job.set_vertex_class(V.ToUnknown)
    diag = failure(graph, job, "a\nb\n")
    assert "unknown vertex 'nobody'" in diag


@pytest.mark.parametrize("mode", ["inline", "local"])
def test_vertex_raises(graph: GraphRunner, mode: str) -> None:
    job = graph.job(mode=mode, peers=2)
    job.set_vertex_class("tests.graph.vertices:Raises")
    diag = failure(graph, job, "a\tboom\nboom\n")
    assert "vertex 'boom' (Raises) raised in compute on peer" in diag and "kaboom" in diag


def test_aggregator_wrong_type(graph: GraphRunner) -> None:
    job = graph.job(peers=2)
    job.set_vertex_class(V.BadAggregate)
    job.set_aggregator_class("sum")
    diag = failure(graph, job, "a\n")
    assert "vertex 'a'" in diag and "SumAggregator aggregates numbers, got str" in diag


def test_submit_checks_classes(graph: GraphRunner) -> None:
    job = graph.job()
    with pytest.raises(ConfigError, match="hama.graph.vertex.class"):
        job.submit()
    job.set_vertex_class(V.SumCombiner)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="not a Vertex subclass"):
        job.submit()
