"""Task allocators (pure): Hama's TestTaskAllocationRoundRobin and the data-local preference."""

from __future__ import annotations

import pytest

from hama_yarn.daemons.alloc import GroomSlots, allocator_name, place
from hama_yarn.errors import ConfigError


def test_round_robin_30_tasks_on_10_grooms_go_cyclically() -> None:
    grooms = [GroomSlots(f"host{i}", f"host{i}", 3) for i in range(10)]
    placement = place(30, grooms, "roundrobin")
    assert placement == [f"host{i % 10}" for i in range(30)]


def test_round_robin_counts_tasks_already_running() -> None:
    grooms = [GroomSlots("a", "a", 3, used=2), GroomSlots("b", "b", 3, used=0)]
    assert place(3, grooms, "roundrobin") == ["b", "b", "a"]


def test_gang_that_does_not_fit_places_nothing() -> None:
    grooms = [GroomSlots("a", "a", 2, used=1), GroomSlots("b", "b", 2)]
    assert place(4, grooms, "roundrobin") is None
    assert place(4, grooms, "datalocal") is None
    assert place(3, grooms, "datalocal") == ["a", "b", "b"]


def test_data_local_prefers_split_hosts_then_first_free() -> None:
    grooms = [GroomSlots("g1", "h1", 2), GroomSlots("g2", "h2", 2), GroomSlots("g3", "h3", 1)]
    hosts = [["h3"], ["h3"], ["h2", "h9"], []]
    assert place(4, grooms, "datalocal", hosts) == ["g3", "g1", "g2", "g1"]


def test_allocator_names() -> None:
    assert allocator_name("org.apache.hama.bsp.taskallocation.RoundRobinTaskAllocator") == "roundrobin"
    assert allocator_name(None) == "datalocal"
    with pytest.raises(ConfigError, match="bsp.taskalloc.class"):
        allocator_name("fastest")
