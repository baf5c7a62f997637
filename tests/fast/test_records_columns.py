"""What the compiled engine does around its kernel: the record columns read from its row-major tables, the plan's
kept calendar, the conference route shared with the SimPy engine, and the allocator setting that lets a
replication reuse the memory of the one before."""

from __future__ import annotations

import platform
from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from simulator import load_config, with_regime
from simulator.config.schema import Clinic, Housing, Season
from simulator.engine.network import Network, conference_route
from simulator.engine.streams import Streams
from simulator.fast import engine
from simulator.fast.plan import _meeting_days
from simulator.fast.records import _columns
from tests.fast._cities import CONFIGS

CITIES = (CONFIGS / "montreal_centre.yaml", CONFIGS / "small_town.yaml")


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_columns_are_the_tables_columns(data: st.DataObject) -> None:
    """Each row of ``_columns(table, *picked)`` is that column of the table, contiguous, in the table's dtype,
    whatever the columns picked (repeated, in any order) and however many rows (none included)."""
    dtype = data.draw(st.sampled_from([np.int64, np.float64]))
    rows = data.draw(st.integers(0, 300))
    width = data.draw(st.integers(1, 24))
    elements = st.integers(-2**40, 2**40) if dtype is np.int64 else st.floats(allow_nan=True, width=64)
    table = data.draw(arrays(dtype, (rows, width), elements=elements))
    picked = data.draw(st.lists(st.integers(0, width - 1), min_size=1, max_size=8))
    out = _columns(table, *picked)
    assert out.dtype == table.dtype
    assert out.shape == (len(picked), rows)
    for k, column in enumerate(picked):
        assert out[k].flags.c_contiguous
        np.testing.assert_array_equal(out[k], table[:, column])


def test_the_meeting_days_kept_are_a_fresh_copy_each_time() -> None:
    """The conference's meeting days are computed once per calendar and handed out as a copy: the kernel's
    argument never aliases the kept array, and it is the day-by-day answer."""
    start, winter = date(2025, 1, 1), Season(start="12-01", end="03-31")
    days, holidays = frozenset({"tue", "thu"}), frozenset({date(2025, 1, 2), date(2025, 3, 4)})
    first = _meeting_days(start, winter, days, holidays, 120)
    expected = [(start + timedelta(days=d)).strftime("%a").lower() in days
                and start + timedelta(days=d) not in holidays for d in range(120)]
    assert first.tolist() == expected
    first[:] = True
    assert _meeting_days(start, winter, days, holidays, 120).tolist() == expected


def test_the_conference_route_sends_each_need_where_it_is_likeliest_met() -> None:
    """The conference route (the plan's, and the SimPy engine's network's) sends each need that a clinic treats
    to a clinic with the highest probability of meeting it, and housing to a programme with the largest
    reserved share, on both cities under three regimes."""
    for config in CITIES:
        base = load_config(config)
        for regime in ("bilateral", "multilateral", "integrated"):
            scenario = with_regime(base, regime)
            route = conference_route(scenario)
            assert route == Network(scenario, Streams(0, 0)).conference_route
            clinics = {name: spec for name, spec in scenario.services.items() if isinstance(spec, Clinic)}
            housing = {name: spec for name, spec in scenario.services.items() if isinstance(spec, Housing)}
            treated = {str(need) for spec in clinics.values() for need in spec.treats}
            assert set(route) == treated | ({"housing"} if housing else set())
            for need, target in route.items():
                if need == "housing":
                    assert housing[target].reserved_share == max(h.reserved_share for h in housing.values())
                else:
                    best = max(spec.treats.get(need, 0.0) for spec in clinics.values())
                    assert clinics[target].treats[need] == best


def test_freed_memory_is_kept_under_glibc() -> None:
    """Where the C library is glibc, the engine's allocator setting is accepted (``mallopt`` says so);
    elsewhere the engine leaves the allocator alone."""
    kept = engine._keep_freed_memory()
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert kept
    else:
        assert not kept
