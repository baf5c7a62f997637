"""Per-replication metrics from the record columns as NumPy arrays: the table of
:func:`simulator.metrics.compute.replication_metrics`, several times faster.

``replication_metrics`` (the reference) builds a pandas DataFrame of every record table, then selects, groups
and merges them. Here each column needed is turned into an array once (``np.asarray``; strings as object
arrays, compared to a word elementwise or coded as integers by :func:`pandas.factorize`, a hash table, where a
table is grouped by them) and the groupings and joins are sorts, ``searchsorted`` and ``np.bincount``:

* a group by service, adjustment type or purpose is a stable sort by the group's code (each group keeps its
  rows in table order, as a pandas groupby does);
* a join on ``(client, episode)`` looks the pair up among the episodes (:class:`_Episodes`), whose pairs are
  unique;
* location spells and unmet-need days are added up per episode by ``np.bincount``.

What a metric is stays in one place: the definitions on arrays that both implementations call
(:func:`~simulator.metrics.compute.service_rows`, :func:`~simulator.metrics.compute.need_rows`,
:func:`~simulator.metrics.compute.subgroup_rows`, ...; ``docs/model.md`` section 9), with their constants
(``FOLLOW_UP``, ``MONTH_DAYS``, the chronic thresholds, ``HIGH_COMPLEXITY``). The tables agree value for value,
rows and order included, except in the last bits of the sums of :data:`SUMMED_DIFFERENTLY`, which a pandas
groupby adds up with compensated summation (:func:`mismatches` compares two tables so;
``tests/unit/test_metrics_arrays.py`` holds them equal).
"""

from __future__ import annotations

import functools
from functools import partial
from typing import Any, cast

import numpy as np
import pandas as pd

from simulator.engine.outcomes import CENSORED, HOUSED
from simulator.engine.records import RunRecords, Words
from simulator.metrics.compute import (
    EXIT_REASONS,
    Rows,
    among,
    busy_hours,
    census_nights,
    census_rows,
    chronic_rows,
    count_night,
    first_time_rows,
    flow_rows,
    follow_up_rows,
    is_chronic,
    long_table,
    monthly_rows,
    need_rows,
    node_rows,
    referral_rows,
    service_rows,
    shelter_rows,
    spell_days,
    subgroup_rows,
)

__all__ = ["SUMMED_DIFFERENTLY", "TOLERANCE", "metrics_from_arrays", "mismatches"]

#: metrics whose sums per group are taken in another order than the reference's, so that their last bits may
#: differ: the staff hours per adjustment type and per purpose (a pandas groupby adds each group up with
#: compensated summation, :func:`_sums` with NumPy's pairwise sum) and each episode's unmet-need days (a
#: pandas groupby against ``np.bincount``). Every other value is the same to the last bit.
SUMMED_DIFFERENTLY: frozenset[str] = frozenset({"coordination_staff_hours", "coordination_staff_hours_by_purpose",
                                                "unmet_need_days_per_client"})
#: the relative difference allowed in :data:`SUMMED_DIFFERENTLY`
TOLERANCE = 1e-12


def _numbers(values: Any, dtype: Any) -> np.ndarray:
    """A column of numbers as an array of ``dtype``. From a list, ``np.fromiter`` reads each value once, where
    ``np.asarray`` reads them twice (to find a type, then to convert): the values of a long run lie all over
    the heap, and reading them is most of the cost. ``np.asarray`` still takes a list that holds ``None``."""
    if isinstance(values, list):
        try:
            return np.fromiter(values, dtype=dtype, count=len(values))
        except TypeError:
            pass
    array: np.ndarray = np.asarray(values, dtype=dtype)
    return array


class _Table:
    """The columns of one record table as arrays, each converted once (a table the records lack is empty)."""

    def __init__(self, records: RunRecords, name: str) -> None:
        self.data: dict[str, Any] = records.tables.get(name) or {}
        first = next(iter(self.data.values()), [])
        self.size = len(first)
        self._cache: dict[tuple[str, str], np.ndarray] = {}
        self._codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _get(self, column: str, kind: str) -> np.ndarray:
        key = (column, kind)
        if key not in self._cache:
            values = self.data.get(column, [])
            if kind in ("float", "int"):
                array = _numbers(values, float if kind == "float" else np.int64)
            elif kind == "word":
                array = _word_column(values)
            else:  # as recorded: counts and flags keep their type
                array = np.asarray(values) if len(values) else np.zeros(0)
            self._cache[key] = array
        return self._cache[key]

    def floats(self, column: str) -> np.ndarray:
        return self._get(column, "float")

    def ints(self, column: str) -> np.ndarray:
        return self._get(column, "int")

    def words(self, column: str) -> np.ndarray:
        return self._get(column, "word")

    def values(self, column: str) -> np.ndarray:
        return self._get(column, "value")

    def codes(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """The words of a column as integer codes (-1: missing) and the distinct words, sorted."""
        if column not in self._codes:
            values = self.data.get(column)
            self._codes[column] = (_sorted_codes(values) if isinstance(values, Words)
                                   else pd.factorize(self.words(column), sort=True))
        return self._codes[column]


def _word_column(values: Any) -> np.ndarray:
    """A column of words as the metrics read it: an object array, or for a column kept as codes (:class:`Words`,
    of distinct names) a categorical of them, which the definitions use as the array of its words (compared to a
    word, indexed, counted) and which compares a word with its code rather than with every cell's string."""
    if isinstance(values, Words):
        dtype = _categories(tuple(values.names.tolist()))
        if dtype is not None:  # (the codes index the names: Words keeps them so)
            return cast(np.ndarray, pd.Categorical.from_codes(values.codes, dtype=dtype, validate=False))
    return np.asarray(values, dtype=object)


@functools.lru_cache(maxsize=256)
def _categories(names: tuple[Any, ...]) -> pd.CategoricalDtype | None:
    """The categorical type of a vocabulary of distinct words (None if a word repeats), made once per
    vocabulary rather than at every column of every replication."""
    return pd.CategoricalDtype(pd.Index(names, dtype=object)) if len(set(names)) == len(names) else None


def _sorted_codes(column: Words) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(words, sort=True)`` of a column kept as codes, without reading a word per row: the
    distinct words used, sorted, and each row's index among them."""
    used = np.flatnonzero(np.bincount(column.codes, minlength=len(column.names)))
    names, rank = np.unique(column.names[used].astype(str), return_inverse=True)
    remap = np.full(len(column.names), -1, dtype=np.int64)
    remap[used] = rank
    codes: np.ndarray = remap[column.codes]
    return codes, names.astype(object)


def _stable_order(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")`` of integers: a radix sort when they span fewer than 65,536
    values (codes, client ids), ten times faster than the stable sort of 64-bit integers."""
    if len(values):
        low = int(values.min())
        if int(values.max()) - low < 1 << 16:
            return np.argsort((values - low).astype(np.uint16), kind="stable")
    return np.argsort(values, kind="stable")


def _groups(codes: np.ndarray, names: np.ndarray, rows: np.ndarray | None = None) -> list[tuple[str, np.ndarray]]:
    """The rows of each word (``codes`` and ``names`` of :meth:`_Table.codes`; ``rows``: only those), in
    sorted order of the words and each group in table order (as ``groupby(sort=True)``); a missing word is in
    no group, nor is a word without rows."""
    picked = codes if rows is None else codes[rows]
    order = _stable_order(picked)
    bounds = np.searchsorted(picked[order], np.arange(len(names) + 1))
    found = order if rows is None else rows[order]
    return [(str(name), found[bounds[k]:bounds[k + 1]]) for k, name in enumerate(names)
            if bounds[k + 1] > bounds[k]]


def _sums(codes: np.ndarray, names: np.ndarray, values: np.ndarray) -> list[tuple[str, float]]:
    """``values`` added up per word (``codes`` and ``names`` of :meth:`_Table.codes`), in sorted order of the
    words (a missing word counts nowhere).

    Each group's sum is NumPy's pairwise sum of its values in table order, within a few units in the last
    place of the compensated sum of a pandas groupby (a running sum, as ``np.bincount`` makes, drifts further
    over tens of thousands of rows)."""
    return [(str(name), float(values[codes == k].sum())) for k, name in enumerate(names)]


def _counts(words: np.ndarray) -> list[tuple[str, int]]:
    """How many times each distinct word occurs, most frequent first, ties in order of first appearance (as
    ``Series.value_counts``)."""
    codes, names = pd.factorize(words, sort=False)
    counts = np.bincount(codes[codes >= 0], minlength=len(names))
    order = np.argsort(-counts, kind="stable")
    return [(str(names[k]), int(counts[k])) for k in order]


class _Episodes:
    """The episodes table, and the row of each ``(client, episode)`` pair (pairs are unique)."""

    def __init__(self, table: _Table) -> None:
        self.table = table
        self.client = table.ints("client")
        self.episode = table.ints("episode")
        self.size = table.size
        if self.size:
            self._base = (int(self.client.min()), int(self.episode.min()))
            self._width = int(self.episode.max()) - self._base[1] + 1
            span = (int(self.client.max()) - self._base[0] + 1) * self._width
        else:
            self._base, self._width, span = (0, 0), 1, 0
        key = self._key(self.client, self.episode)
        self._dense = span <= 8 * self.size + 4096  # dense ids: a lookup table of every possible pair
        if self._dense:
            self._row = np.full(span, -1, dtype=np.int64)
            self._row[key[::-1]] = np.arange(self.size - 1, -1, -1)  # a repeated pair: its first row
        else:
            self._order = np.argsort(key, kind="stable")
            self._sorted = key[self._order]
        self._by_client = _stable_order(self.client)  # each client's episodes in table order
        self._clients = self.client[self._by_client]
        # where each client's episodes start in ``_by_client``, and how many they are, by client id (ids are
        # dense: a lookup instead of a binary search per query)
        low = int(self.client.min()) if self.size else 0
        width = int(self.client.max()) - low + 1 if self.size else 0
        self._client_low = low
        self._client_dense = width <= 8 * self.size + 4096
        if self._client_dense:
            self._spell_count = np.bincount(self.client - low, minlength=width)
            self._spell_first = np.cumsum(self._spell_count) - self._spell_count

    def _key(self, client: np.ndarray, episode: np.ndarray) -> np.ndarray:
        key: np.ndarray = (client - self._base[0]) * self._width + (episode - self._base[1])
        return key

    def rows(self, client: np.ndarray, episode: np.ndarray) -> np.ndarray:
        """The row of each pair in the episodes table, -1 where it has none."""
        if not self.size or not len(client):
            return np.full(len(client), -1, dtype=np.int64)
        inside = (episode >= self._base[1]) & (episode < self._base[1] + self._width) & (client >= self._base[0])
        key = self._key(client, episode)
        rows: np.ndarray
        if self._dense:
            inside &= key < len(self._row)
            rows = np.where(inside, self._row[np.where(inside, key, 0)], -1)
        else:
            at = np.minimum(np.searchsorted(self._sorted, key), self.size - 1)
            rows = np.where(inside & (self._sorted[at] == key), self._order[at], -1)
        return rows

    def _spells(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each episode row in ``rows`` with the rows of its client's episodes up to it, that one included:
        (the index in ``rows``, the spell's row) pairs."""
        client = self.client[rows]
        if self._client_dense:
            first = self._spell_first[client - self._client_low]
            spells = self._spell_count[client - self._client_low]
        else:
            first = np.searchsorted(self._clients, client, side="left")
            spells = np.searchsorted(self._clients, client, side="right") - first
        pair = np.repeat(np.arange(len(rows)), spells)  # each (row, spell of the same client)
        offset = np.arange(len(pair)) - np.repeat(np.cumsum(spells) - spells, spells)
        spell = self._by_client[np.repeat(first, spells) + offset]
        keep = self.episode[spell] <= self.episode[rows][pair]
        return pair[keep], spell[keep]

    def homeless_days(self, rows: np.ndarray, t: np.ndarray, window: float,
                      spells: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """For each episode row in ``rows``, at its time ``t``: days homeless in ``[t - window, t]`` over that
        episode and the client's earlier ones (``docs/model.md`` section 9, chronic homelessness); ``spells``:
        :meth:`_spells` of ``rows``, when known."""
        if not len(rows):
            return np.zeros(0)
        pair, spell = self._spells(rows) if spells is None else spells
        days = spell_days(t[pair], self.table.floats("homeless_since")[spell], self.table.floats("end")[spell],
                          window)
        total: np.ndarray = np.bincount(pair, weights=days, minlength=len(rows))
        return total

    def chronic(self, rows: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Reaching Home's chronic homelessness of each episode row in ``rows`` at its time ``t``."""
        spells = self._spells(rows) if len(rows) else None
        return is_chronic(lambda window: self.homeless_days(rows, t, window, spells))

    def per_episode(self, client: np.ndarray, episode: np.ndarray, values: np.ndarray) -> np.ndarray:
        """``values`` (one per ``(client, episode)`` pair given) added up per row of the episodes table."""
        at = self.rows(client, episode)
        kept = at >= 0
        total: np.ndarray = np.bincount(at[kept], weights=values[kept], minlength=self.size)
        return total


def _outdoor_nights(locations: _Table, episodes: _Episodes, lo: float, hi: float, census: float) -> np.ndarray:
    """Census instants spent outdoors within ``[lo, hi)``, per row of the episodes table: each location row
    is a spell that lasts until the client's next row, or until ``hi``."""
    if not locations.size:
        return np.zeros(episodes.size)
    client = locations.ints("client")
    time = locations.floats("time")
    # rows written in time order (the engine's): a stable sort by client sorts them by (client, time) too
    in_order = bool(np.all(time[1:] >= time[:-1]))
    order = _stable_order(client) if in_order else np.lexsort((time, client))
    # the spells outdoors (their places in ``order``), each until the client's next row, or until ``hi``
    at = np.flatnonzero((locations.words("location") == "outdoors")[order])  # compared in place: no gather
    rows = order[at]
    following = order[np.minimum(at + 1, len(order) - 1)]
    same = (at + 1 < len(order)) & (client[following] == client[rows])
    end = np.where(same, time[following], hi)
    nights = census_nights(time[rows], end, lo, hi, census)
    return episodes.per_episode(client[rows], locations.ints("episode")[rows], nights)


def _funders_measures(rows: Rows, episodes: _Episodes, census: _Table, calendar: dict[str, str], lo: float,
                      hi: float) -> None:
    """:func:`simulator.metrics.compute.funders_measures` on arrays."""
    table = episodes.table
    reason = table.words("exit_reason")
    source = table.words("source")
    start, end = table.floats("start"), table.floats("end")

    # returns after an exit to housing: the return of (client, episode + 1), if any
    housed = np.flatnonzero((reason == HOUSED) & (end >= lo) & (end < hi))
    returned = np.full(episodes.size, np.nan)
    back = np.flatnonzero(source == "return")
    before = episodes.rows(episodes.client[back], episodes.episode[back] - 1)
    returned[before[before >= 0]] = start[back[before >= 0]]
    follow_up_rows(rows, end[housed], returned[housed] - end[housed], hi)

    first_time_rows(rows, source, start, lo)

    night = count_night(census.values("day"), calendar) if census.size and calendar else None
    on_night = None
    if night is not None:
        when = float(census.floats("time")[night])
        present = np.flatnonzero((start <= when) & (end > when))
        on_night = episodes.chronic(present, np.full(len(present), when))
    window = np.flatnonzero((end >= lo) & (start < hi))
    chronic = episodes.chronic(window, np.minimum(end[window], hi))
    chronic_rows(rows, on_night, episodes.client[window], chronic)

    total = census.values("sheltered") + census.values("outdoors") + census.values("other")
    monthly_rows(rows, start[source != "stock"], end[among(reason, EXIT_REASONS)], total, lo, hi)


def metrics_from_arrays(records: RunRecords, census_time: float = 3 / 24) -> pd.DataFrame:
    """All metrics of one replication as a long table ``replication, regime, metric, dimension, value``: the
    table of :func:`simulator.metrics.compute.replication_metrics` (same rows, order and types), computed from
    the record columns as arrays."""
    lo, hi = records.warmup, records.end_time
    rows = Rows()

    # ---- waits per service
    visits = _Table(records, "visits")
    arrival = visits.floats("arrival")
    observed = np.flatnonzero((arrival >= lo) & (arrival < hi))
    v_start, v_end, v_outcome = visits.floats("start"), visits.floats("end"), visits.words("outcome")
    services = visits.codes("service")
    for service, mine in _groups(*services, observed):
        service_rows(rows, service, arrival[mine], v_start[mine], v_end[mine], v_outcome[mine], hi)

    # ---- utilisation and Little's law monitors
    nodes = _Table(records, "nodes")
    staff = _Table(records, "staff")
    hours = staff.floats("hours")
    if nodes.size:
        by_service = dict(_groups(*services))
        coordinating = staff.words("purpose") != "assessment"
        staff_service = staff.words("service")

        def work_hours(name: str) -> float:
            at = by_service.get(name, np.zeros(0, dtype=np.int64))
            coordination = hours[(staff_service == name) & coordinating].sum()
            return busy_hours(v_start[at], v_end[at], lo, hi) + float(coordination)

        kinds = nodes.words("kind")
        available, present = nodes.floats("available_hours"), nodes.floats("time_avg_present")
        arrivals, offered = nodes.values("arrivals_observed"), nodes.floats("offered_hours")
        for k, name in enumerate(nodes.words("service")):
            node_rows(rows, name, kinds[k], available[k], present[k], arrivals[k], offered[k], hi - lo,
                      partial(work_hours, name))

    # ---- needs
    needs = _Table(records, "needs")
    unmet = need_rows(rows, needs.words("need"), needs.words("outcome"), needs.floats("onset"),
                      needs.floats("end"), lo, hi)

    # ---- shelters, nights and counts
    nights = _Table(records, "nights")
    system = np.flatnonzero(nights.words("shelter") == "all")
    shelter_rows(rows, nights.values("day")[system], nights.values("capacity")[system],
                 nights.values("occupancy")[system], nights.values("refused")[system], records.calendar)
    census = _Table(records, "census")
    counted = census_rows(rows, census.values("day"), census.values("sheltered"), census.values("outdoors"),
                          census.values("other"), records.calendar)

    # ---- episodes: flows, length of time homeless, funders' measures, subgroups
    episodes = _Episodes(_Table(records, "episodes"))
    table = episodes.table
    reason = table.words("exit_reason")
    in_window = np.flatnonzero(flow_rows(rows, episodes.client, table.words("source"), table.words("pattern"),
                                         table.floats("start"), table.floats("end"),
                                         table.floats("homeless_since"), reason, counted, lo, hi))
    _funders_measures(rows, episodes, census, records.calendar, lo, hi)

    outdoors = _outdoor_nights(_Table(records, "locations"), episodes, lo, hi, census_time)
    unmet_days = episodes.per_episode(needs.ints("client"), needs.ints("episode"), unmet)
    subgroup_rows(rows, table.words("gender")[in_window], table.values("indigenous")[in_window],
                  table.words("age_group")[in_window], table.values("needs_at_entry")[in_window],
                  table.words("pattern")[in_window], outdoors[in_window], unmet_days[in_window],
                  table.values("refused_nights")[in_window],
                  (table.floats("end")[in_window] < hi) & (reason[in_window] != CENSORED)
                  & (reason[in_window] == HOUSED))

    # ---- referrals by adjustment type
    referrals = _Table(records, "referrals")
    created = referrals.floats("created")
    sent = np.flatnonzero((created >= lo) & (created < hi))
    outcome, arrived = referrals.words("outcome")[sent], referrals.floats("arrived")[sent]
    referral_rows(rows, "all", outcome, created[sent], arrived)
    for adjustment, mine in _groups(*referrals.codes("adjustment"), sent):
        referral_rows(rows, adjustment, referrals.words("outcome")[mine], created[mine],
                      referrals.floats("arrived")[mine])
    for word, count in _counts(outcome):
        rows.add("referral_outcomes", word, count)

    # ---- coordination staff time and the engine's counters
    rows.add("coordination_staff_hours", "all", hours.sum())
    for adjustment, total in _sums(*staff.codes("adjustment"), hours):
        rows.add("coordination_staff_hours", adjustment, total)
    for purpose, total in _sums(*staff.codes("purpose"), hours):
        rows.add("coordination_staff_hours_by_purpose", purpose, total)
    for key, value in records.counters.items():
        rows.add(key, "all", value)
    return long_table(records, rows)


def mismatches(reference: pd.DataFrame, arrays: pd.DataFrame) -> list[str]:
    """How two long tables of one replication differ (empty: they agree): columns, types, the rows
    ``replication, regime, metric, dimension`` and their order, and every value to the last bit but in
    :data:`SUMMED_DIFFERENTLY` (relative :data:`TOLERANCE` there)."""
    if list(arrays.columns) != list(reference.columns) or list(arrays.dtypes) != list(reference.dtypes):
        return [f"columns {dict(arrays.dtypes)} instead of {dict(reference.dtypes)}"]
    keys = ["replication", "regime", "metric", "dimension"]
    if len(arrays) != len(reference) or not arrays[keys].equals(reference[keys]):
        return [f"rows differ: {len(arrays)} rows, the reference has {len(reference)}"]
    got, want = arrays["value"].to_numpy(), reference["value"].to_numpy()
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    tolerated = reference["metric"].isin(SUMMED_DIFFERENTLY).to_numpy()
    same |= tolerated & np.isclose(got, want, rtol=TOLERANCE, atol=0.0)
    return [f"{metric} [{dimension}]: {a!r}, the reference has {b!r}"
            for metric, dimension, a, b in zip(reference["metric"][~same], reference["dimension"][~same],
                                                got[~same], want[~same], strict=True)]
