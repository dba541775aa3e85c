"""hama_yarn.master.record.Record: frozen value classes that behave as @dataclass(frozen=True) ones."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field

import pytest

from hama_yarn.master import state as st
from hama_yarn.master.record import Record


class Base(Record):
    now: float


class Child(Base):
    index: int
    name: str = "x"
    counters: dict[str, int] = field(default_factory=dict)


class Empty(Base):
    pass


class Other(Base):
    pass


@dataclass(frozen=True)
class DBase:
    now: float


@dataclass(frozen=True)
class DChild(DBase):
    index: int
    name: str = "x"
    counters: dict[str, int] = field(default_factory=dict)


def test_construction_matches_a_frozen_dataclass():
    for args, kwargs in [((1.0, 2), {}), ((1.0,), {"index": 2, "name": "y"}), ((), {"now": 0.5, "index": 3})]:
        r, d = Child(*args, **kwargs), DChild(*args, **kwargs)
        assert (r.now, r.index, r.name, r.counters) == (d.now, d.index, d.name, d.counters)
        assert repr(r) == repr(d).replace("DChild", "Child")
    assert Child._fields == ("now", "index", "name", "counters") and Child.__match_args__ == Child._fields


def test_factories_give_each_instance_its_own_value():
    a, b = Child(0.0, 1), Child(0.0, 1)
    assert a.counters == {} and a.counters is not b.counters


@pytest.mark.parametrize("args, kwargs, message", [
    ((), {}, "missing required argument 'now'"),
    ((1.0,), {}, "missing required argument 'index'"),
    ((1.0, 2, "n", {}, 5), {}, "takes 4 arguments but 5 were given"),
    ((1.0, 2), {"nope": 1}, "unexpected keyword argument 'nope'"),
    ((1.0, 2), {"index": 3}, "multiple values for argument 'index'"),
])
def test_wrong_arguments_are_type_errors(args, kwargs, message):
    with pytest.raises(TypeError, match=message):
        Child(*args, **kwargs)


def test_equality_and_hash_by_exact_class_and_values():
    assert Child(1.0, 2) == Child(1.0, 2, "x", {})
    assert Child(1.0, 2) != Child(1.0, 3)
    assert Empty(1.0) != Other(1.0)  # same values, different classes (a NamedTuple would say equal)
    assert Empty(1.0) != Base(1.0)
    assert hash(Empty(1.0)) == hash(Empty(1.0)) and len({Empty(1.0), Empty(1.0), Other(1.0)}) == 2
    with pytest.raises(TypeError):
        hash(Child(1.0, 2))  # a dict field: unhashable, as with a dataclass


def test_instances_are_frozen_and_copy():
    r = Child(1.0, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.index = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del r.name  # type: ignore[misc]
    assert copy.copy(r) == r and copy.deepcopy(r) == r


def test_a_field_without_default_after_one_with_default_is_refused():
    with pytest.raises(TypeError, match="without a default follows"):
        class Bad(Record):  # noqa: F841
            a: int = 0
            b: int


def test_match_statement_and_the_state_machine_events():
    ev = st.PeerFailed(1.0, 2, 3, "boom")
    match ev:
        case st.PeerFailed(_, index, superstep, error):
            assert (index, superstep, error) == (2, 3, "boom")
        case _:
            raise AssertionError("no match")
    assert ev.traceback == "" and ev.counters == {} and ev.suspect == -1
    assert st.CommitOutput() == st.CommitOutput() and st.CommitOutput() != st.AbortOutput()
    assert st.JobFinished(st.JobState.SUCCEEDED, "") == st.JobFinished(st.JobState.SUCCEEDED, "")
