"""Vertex programs used by the semantics tests (importable as tests.graph.vertices)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hama_yarn.bsp import Combiner, Partitioner
from hama_yarn.graph import Edge, Vertex


class RecordFirst(Vertex):
    """Value = repr of the messages seen in iteration 0; halts."""

    def compute(self, messages: list[Any]) -> None:
        self.set_value(f"{messages!r}|{self.get_total_num_vertices()}|{self.get_num_peers()}")
        self.vote_to_halt()


class CountComputes(Vertex):
    """Counts its compute calls; never halts."""

    def compute(self, messages: list[Any]) -> None:
        self._value = 1 if self.get_superstep_count() == 0 else self._value + 1


class Wake(Vertex):
    """'a' messages 'b' in iteration 0; every vertex halts at once; value counts computes."""

    def compute(self, messages: list[Any]) -> None:
        if self.get_superstep_count() == 0:
            self._value = 0
            if self._id == "a":
                self.send_message("b", "hi")
            self.vote_to_halt()
        self._value += 1


class Chain(Vertex):
    """Forwards a token along out-edges; value = iteration it arrived; halts."""

    def compute(self, messages: list[Any]) -> None:
        it = self.get_superstep_count()
        if it == 0:
            self._value = 0 if self._id == "a" else -1
            if self._id == "a":
                self.send_message_to_neighbors("t")
        elif messages and self._value == -1:
            self._value = it
            for e in self.get_edges():
                self.send_message(e, "t")
        self.vote_to_halt()


class Aggregates(Vertex):
    """Contributes its numeric id to aggregators sum/min/max/average; reports them in iteration 1."""

    def compute(self, messages: list[Any]) -> None:
        it = self.get_superstep_count()
        x = int(self._id)
        if it == 0:
            self.set_value(float(x))
            for i in range(3):
                self.aggregate(i, x)
        elif it == 1:
            self.set_value(float(x) + x)  # |old - new| = x
            self.aggregate(3, self._value)
            self.aggregate(4, self._value)
            self.agg1 = [self.get_aggregated_value(i) for i in range(3)]
        else:
            agg = self.agg1 + [self.get_aggregated_value(3), self.get_aggregated_value(4),
                               self.get_num_last_aggregated_vertices(3)]
            self.set_value(" ".join(str(a) for a in agg))
            self.vote_to_halt()


class SendToHub(Vertex):
    """Every vertex sends 1 to 'hub'; the hub stores (number of messages, sum)."""

    def compute(self, messages: list[Any]) -> None:
        if self.get_superstep_count() == 0:
            self.send_message("hub", 1)
        elif self._id == "hub":
            self._value = f"{len(messages)} {sum(messages)}"
        self.vote_to_halt()


class SumCombiner(Combiner):
    def combine(self, messages: Iterable[Any]) -> Any:
        return sum(messages)


class Dynamic(Vertex):
    """Hama's DynamicGraph: '1' adds 'sum'; the others send their value to it and remove themselves."""

    def compute(self, messages: list[Any]) -> None:
        it = self.get_superstep_count()
        if it == 0:
            if self._id != "sum":
                self._value = int(self._id)
            if self._id == "1":
                self.add_vertex("sum", [Edge("1")], 0)
        elif it == 1:
            if self._id != "sum":
                self.send_message("sum", self._value)
                self.remove()
        elif it == 2:
            self._value = f"{sum(messages)} total={self.get_total_num_vertices()}"
            self.vote_to_halt()


class Raises(Vertex):
    def compute(self, messages: list[Any]) -> None:
        if self._id == "boom":
            raise ValueError("kaboom")
        self.vote_to_halt()


class BadAggregate(Vertex):
    def compute(self, messages: list[Any]) -> None:
        self.aggregate(0, "not a number")


class ToUnknown(Vertex):
    def compute(self, messages: list[Any]) -> None:
        if self.get_superstep_count() == 0:
            self.send_message("nobody", 1)
        self.vote_to_halt()


class AllToZero(Partitioner):
    def get_partition(self, key: Any, value: Any, num_tasks: int) -> int:
        return 0


class Weights(Vertex):
    """Value = the edges as ``dest:value`` joined by commas."""

    def compute(self, messages: list[Any]) -> None:
        self.set_value(",".join(f"{e.get_destination_vertex_id()}:{e.get_value()}" for e in self.get_edges()))
        self.vote_to_halt()
