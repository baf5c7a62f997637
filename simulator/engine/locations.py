"""Where each client sleeps: in a shelter, outdoors, or elsewhere (friends, institutions).

Every move is written to the ``locations`` table; the counts by place feed the nightly census (the one-night
count), and the list of clients outdoors is where outreach teams find the people they meet.
"""

from __future__ import annotations

from simulator.engine.clients import Client
from simulator.engine.context import Context

LOCATIONS = ("shelter", "outdoors", "other")


class Whereabouts:
    """The place of every active client, counted by place, with the clients outdoors in a list."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.counts = dict.fromkeys(LOCATIONS, 0)
        #: ids of the clients outdoors, in no particular order (removal swaps in the last one)
        self.outdoors_ids: list[int] = []
        self._outdoors_pos: dict[int, int] = {}
        self._rows = ctx.rows["locations"]

    def move(self, client: Client, location: str | None) -> None:
        """The client now sleeps at ``location`` (``None``: the episode ended)."""
        old = client.location
        if old == location:
            return
        counts = self.counts
        if old is not None:
            counts[old] -= 1
            if old == "outdoors":
                self._remove_outdoors(client.id)
        if location is not None:
            counts[location] += 1
            if location == "outdoors":
                self._outdoors_pos[client.id] = len(self.outdoors_ids)
                self.outdoors_ids.append(client.id)
        client.location = location
        self._rows.append((client.id, client.episode, self.ctx.env.now, location or "exited"))

    def _remove_outdoors(self, client_id: int) -> None:
        pos = self._outdoors_pos.pop(client_id)
        last = self.outdoors_ids.pop()
        if last != client_id:
            self.outdoors_ids[pos] = last
            self._outdoors_pos[last] = pos

    def census(self, day: int) -> None:
        """The point-in-time count of night ``day``: clients sheltered, outdoors, elsewhere."""
        ctx = self.ctx
        if ctx.env.now > ctx.warmup:
            counts = self.counts
            ctx.rows["census"].append((day, ctx.env.now, counts["shelter"], counts["outdoors"], counts["other"]))
