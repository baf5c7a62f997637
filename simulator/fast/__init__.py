"""The compiled batch engine (``engine="fast"``): the model of ``docs/model.md`` run by numba.

Use it where the SimPy engine is used::

    from simulator import simulate, run_batch
    run = simulate("configs/textbook/mmc.yaml", engine="fast")
    batch = run_batch("configs/textbook/jackson.yaml", replications=50, engine="fast")

or, one level down, :func:`simulator.fast.simulate_records` (the counterpart of
:func:`simulator.engine.simulation.simulate_records`). It writes the same record tables, so every metric of
section 9 is computed by the same code (:func:`simulator.metrics.replication_metrics`).

**What it covers.** The whole model of ``docs/model.md``: networks of clinics and the access point, with or
without opening hours, FIFO or priority lines, any service-time and patience distribution and a waiting-room cap
(section 4.2); the population's inflow, initial stock and cohort, with their attribute mixes, needs and walk-ins
(section 3), the exits by self-resolution, housing or needs met and the returns after them (sections 3.4 to 3.7);
the referral network and every regime's handoffs (unilateral, bilateral, multilateral through the case
conference with its escalation, integrated through the access point, ties and mixes; sections 5.1 to 5.8);
shelters and the clients' shelter use, street outreach and housing programmes (sections 4.1, 4.3, 4.4); the
prerequisites (section 3.7); and every table of section 8, the event log included. Every shipped scenario runs on
it, the cities under every regime they define.

**What it refuses.** Only what the schema itself does not allow (a regime that mixes in integrated handoffs):
:func:`unsupported` lists each such field with its path, and running such a scenario raises
:class:`FastEngineError` with that list.

**Randomness.** The SimPy engine's streams, draw for draw (section 7): replication ``i`` of two variants of a
scenario sees the same arrivals (common random numbers), a replication depends only on (seed, replication),
and a scenario runs to the same records on both engines: the kernel schedules its events as SimPy does,
so that events at the same instant (the clients served at a clinic's opening) come in the same order.

**Compilation.** The kernel is compiled once and cached on disk (``cache=True``); the first run of a process
loads it (about half a second) or, the very first time on a machine (or after its source changed), compiles it
(about three minutes on two cores), and logs which (``python -m benchmarks.fast_mmc`` measures both).
"""

from simulator.fast.engine import simulate_records
from simulator.fast.support import FastEngineError, check_supported, unsupported

__all__ = ["FastEngineError", "check_supported", "simulate_records", "unsupported"]
