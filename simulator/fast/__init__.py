"""The compiled batch engine (``engine="fast"``): the model of ``docs/model.md`` run by numba, first for the
scenarios of the textbook queues.

Use it where the SimPy engine is used::

    from simulator import simulate, run_batch
    run = simulate("configs/textbook/mmc.yaml", engine="fast")
    batch = run_batch("configs/textbook/jackson.yaml", replications=50, engine="fast")

or, one level down, :func:`simulator.fast.simulate_records` (the counterpart of
:func:`simulator.engine.simulation.simulate_records`). It writes the same record tables, so every metric of
section 9 is computed by the same code (:func:`simulator.metrics.replication_metrics`).

**What it covers.** Networks of clinics fed by Poisson walk-ins: clinics always open or with opening hours
(section 4.2), with a FIFO or a priority line, any service-time and patience distribution (reneging) and a
waiting-room cap (balking); needs drawn from ``needs.base`` (and ``by_pattern``), walk-ins along ``entry``, a
clinic's ``treats`` probability and its referral edges after each visit (section 5.2), handoffs under the
unilateral and bilateral regimes with every parameter of their types (latency, loss, intake, staff time and
accompaniment taken from the clinics' staff, queue jumps; sections 5.3 to 5.6), the initial stock, and
episodes that end by self-resolution (with its hazard ratios), are followed by returns, or end when the needs
are met (sections 3.4 to 3.7); shelters with their beds, winter beds, intake windows, restrictions, line,
refusals, capacity schedule, evictions and census, and the clients' shelter use (stays, gaps, avoidance,
winter seeking, the initial stock mid-stay or mid-gap; section 4.1), with the contacts at admission that start
referrals (section 5.1), street outreach (section 4.3), housing programmes (slots with their tenancies, earlier
tenants and reserved places released after ``reserved_release``, or vacancies; the list's discipline, patience,
offer refusals and the move-in; section 4.4), returns after housing with the programme's support (sections 3.6
and 3.7) and prerequisites (section 3.7). Every scenario of ``configs/textbook/`` runs on it.

**What it refuses.** Everything else (the access point, cohorts, the case conference and the regimes that use
it or the access point, the event log):
:func:`unsupported` lists each such field with its path, and running such a scenario raises
:class:`FastEngineError` with that list.

**Randomness.** The SimPy engine's streams, draw for draw (section 7): replication ``i`` of two variants of a
scenario sees the same arrivals (common random numbers), a replication depends only on (seed, replication),
and a scenario runs to the same records on both engines: the kernel schedules its events as SimPy does,
so that events at the same instant (the clients served at a clinic's opening) come in the same order.

**Compilation.** The kernel is compiled once and cached on disk (``cache=True``); the first run of a process
loads it (about half a second) or, the very first time on a machine (or after its source changed), compiles it
(about a minute on two busy cores), and logs which (``python -m benchmarks.fast_mmc`` measures both).
"""

from simulator.fast.engine import simulate_records
from simulator.fast.support import FastEngineError, check_supported, unsupported

__all__ = ["FastEngineError", "check_supported", "simulate_records", "unsupported"]
