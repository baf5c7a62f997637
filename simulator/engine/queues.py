"""A priority resource whose waiting line is kept sorted by insertion, not by re-sorting.

SimPy's ``PriorityResource`` re-sorts its whole line on every request (``list.sort``), which costs
O(n log n) per arrival when hundreds of clients wait for a clinic. Inserting at the right place
(``bisect.insort``, after equal keys so that ties stay first-come first-served) gives the same order.
"""

from __future__ import annotations

import bisect
from typing import Any

import simpy
from simpy.resources.resource import PriorityRequest


def _key(request: PriorityRequest) -> Any:
    return request.key


class SortedLine(list):  # type: ignore[type-arg]
    """The waiting line of a :class:`PriorityResource`: ordered by (priority, time, preempt)."""

    def __init__(self, maxlen: int | None = None):
        super().__init__()
        self.maxlen = maxlen

    def append(self, item: Any) -> None:
        if self.maxlen is not None and len(self) >= self.maxlen:
            raise RuntimeError("Cannot append event. Queue is full.")
        bisect.insort_right(self, item, key=_key)


class PriorityResource(simpy.PriorityResource):
    """``simpy.PriorityResource`` with an insertion-sorted line (same order, less work)."""

    PutQueue = SortedLine  # type: ignore[assignment]
