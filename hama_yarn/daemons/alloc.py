"""Task allocation over grooms' free slots (Hama's ``bsp.taskalloc.class``): pure functions.

Placement is all-or-nothing (a gang): either every task of a job gets a slot, or none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import ConfigError

__all__ = ["GroomSlots", "place", "allocator_name", "ALLOCATORS"]

#: Accepted values of ``bsp.taskalloc.class`` (Hama's class names map to these).
ALLOCATORS = {
    "datalocal": "datalocal", "roundrobin": "roundrobin",
    "org.apache.hama.bsp.taskallocation.BestEffortDataLocalTaskAllocator": "datalocal",
    "org.apache.hama.bsp.taskallocation.RoundRobinTaskAllocator": "roundrobin",
}


@dataclass
class GroomSlots:
    """A live groom as the allocator sees it."""

    name: str
    host: str
    max_tasks: int
    used: int = 0

    @property
    def free(self) -> int:
        return max(0, self.max_tasks - self.used)


def allocator_name(value: str | None) -> str:
    """``datalocal`` or ``roundrobin`` for a ``bsp.taskalloc.class`` value.

    Raises
    ------
    ConfigError
        An unknown allocator.
    """
    key = (value or "datalocal").strip()
    if key not in ALLOCATORS:
        raise ConfigError("bsp.taskalloc.class", f"unknown task allocator {key!r}; expected one of "
                          + ", ".join(sorted(ALLOCATORS)))
    return ALLOCATORS[key]


def place(num_tasks: int, grooms: Sequence[GroomSlots], strategy: str = "datalocal",
          split_hosts: Sequence[Sequence[str]] | None = None) -> list[str] | None:
    """Groom name of every task index, or None when the gang does not fit.

    ``roundrobin`` gives each task to the groom with the fewest tasks that still has a
    free slot (ties: registration order), so tasks go to the grooms cyclically.
    ``datalocal`` prefers a groom on one of the hosts of the task's split
    (*split_hosts[i]*), else the first groom with a free slot.
    """
    used = {g.name: g.used for g in grooms}
    order = list(grooms)
    result: list[str] = []
    for i in range(num_tasks):
        candidates = [g for g in order if used[g.name] < g.max_tasks]
        if not candidates:
            return None
        chosen: GroomSlots | None = None
        if strategy == "roundrobin":
            chosen = min(candidates, key=lambda g: used[g.name])  # min() keeps the first of equals
        else:
            hosts = set(split_hosts[i]) if split_hosts is not None and i < len(split_hosts) else set()
            chosen = next((g for g in candidates if g.host in hosts), candidates[0])
        used[chosen.name] += 1
        result.append(chosen.name)
    return result
