"""One replication on the compiled engine: check the scenario, lay it out, run the kernel, write the records.

:func:`simulate_records` is the compiled counterpart of :func:`simulator.engine.simulation.simulate_records`:
same arguments, same :class:`~simulator.engine.records.RunRecords`. The kernel is compiled once per machine
(numba's on-disk cache beside the package, or ``NUMBA_CACHE_DIR``): the first call in a process loads it
from there, or compiles it when there is nothing to load, and says which in the log (logger
``simulator.fast``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import logging
import platform
import threading
import time

import numpy as np

from simulator.config.schema import Scenario
from simulator.engine.records import RunRecords
from simulator.engine.streams import BLOCK, Streams
from simulator.fast import kernel
from simulator.fast.plan import plan
from simulator.fast.records import to_records
from simulator.fast.support import check_supported

logger = logging.getLogger("simulator.fast")

_tokens = itertools.count(1)
_lock = threading.Lock()
_ready = False
#: the tables' lengths at the end of the last run of a scenario, by scenario (name, regime, horizon, warm-up,
#: the clients expected): the next replication's tables start that long instead of growing there by doublings,
#: each a copy of the table (a hint only: a table still grows when it runs short, and the records are the same)
_ROWS: dict[tuple[object, ...], np.ndarray] = {}
_KEPT = 64


#: glibc's ``mallopt`` settings: blocks up to 32 MiB from the heap (the most it allows) instead of mapped pages
#: of their own, and up to 256 MiB of freed heap kept for the next allocations instead of handed back at once
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_KEEP_FREED = 256 << 20
_HEAP_BLOCKS = 32 << 20


def _keep_freed_memory() -> bool:
    """Ask the C allocator (glibc's only) to keep freed memory for the process's next allocations.

    A replication writes its tables (hundreds of bytes a client) into fresh memory and frees them at its end.
    glibc hands blocks that large back to the system when they are freed and maps new pages for the next
    replication: a page fault for every 4 KiB written, each costing more than the writes to it, most of all
    when the records are all a caller keeps (``simulate_records`` in a loop). Kept, the next replication
    reuses the same pages. The process then holds on to at most 256 MiB of freed memory.
    Nothing changes elsewhere (another C library, or no ``mallopt``): the records are the same either way."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _HEAP_BLOCKS)) and bool(mallopt(_M_TRIM_THRESHOLD, _KEEP_FREED))


def _first_call_notice() -> float | None:
    """Log, before the first run of this process, that the kernel is being loaded or compiled (and keep freed
    memory from then on: :func:`_keep_freed_memory`)."""
    global _ready
    with _lock:
        if _ready:
            return None
        _ready = True
        kept = _keep_freed_memory()
    logger.debug("fast engine: freed memory kept for reuse: %s", kept)
    logger.info("fast engine: loading the compiled kernel, or compiling it on its first use on this machine (a "
                "one-time cost of about three minutes; cached on disk for later processes)")
    return time.perf_counter()


def _first_call_done(started: float) -> None:
    stats = kernel.run_kernel.stats
    hits, misses = sum(stats.cache_hits.values()), sum(stats.cache_misses.values())
    how = "compiled (nothing cached yet)" if misses and not hits else "loaded from the cache"
    logger.info("fast engine: kernel %s, first run done in %.2f s", how, time.perf_counter() - started)


def simulate_records(scenario: Scenario, seed: int, replication: int = 0) -> RunRecords:
    """Run one replication of ``scenario`` on the compiled engine and return its raw records.

    Raises :class:`simulator.fast.support.FastEngineError` listing every feature of the scenario that the
    compiled engine does not implement.
    """
    check_supported(scenario)
    layout = plan(scenario)
    streams = Streams(seed, replication)
    token = next(_tokens)
    kernel.GENERATORS[token] = [streams[name].generator for name in layout.streams]
    buf = np.zeros((len(layout.streams), kernel.DRAW_KINDS, BLOCK))
    # (empty: refilled on first use; a last row for the callbacks, see kernel._refill)
    pos = np.full((len(layout.streams) + 1, kernel.DRAW_KINDS), BLOCK, dtype=np.int64)
    pos[-1] = 0
    started = _first_call_notice()
    key = (scenario.name, scenario.regime, scenario.end_time, scenario.warmup, layout.arguments["expected_clients"])
    hint = _ROWS.get(key)
    try:
        result = kernel.run_kernel(token, buf, pos, np.zeros(kernel.HINTS, dtype=np.int64) if hint is None else hint,
                                   **layout.arguments)
        failure = kernel.FAILURES.get(token)
    finally:
        del kernel.GENERATORS[token]
        kernel.FAILURES.pop(token, None)
    if failure is not None:
        raise RuntimeError("the compiled engine could not draw from its random streams") from failure
    if started is not None:
        _first_call_done(started)
    _remember_rows(key, result)
    return to_records(scenario, layout, seed, replication, result)


def _remember_rows(key: tuple[object, ...], result: tuple[np.ndarray, ...]) -> None:
    """Keep the lengths of the tables of ``result`` (:func:`kernel.run_kernel`'s), an eighth more, for the next
    run of the same scenario."""
    rows = np.zeros(kernel.HINTS, dtype=np.int64)
    for hint, table in ((kernel.HINT_CLIENTS, 0), (kernel.HINT_EPISODES, 1), (kernel.HINT_NEEDS, 3),
                        (kernel.HINT_VISITS, 5), (kernel.HINT_REFERRALS, 7), (kernel.HINT_STAFF, 9),
                        (kernel.HINT_LOCATIONS, 14), (kernel.HINT_NIGHTS, 16), (kernel.HINT_CENSUS, 17),
                        (kernel.HINT_APPLICATIONS, 20), (kernel.HINT_LOG, 26)):
        length = len(result[table])
        rows[hint] = length + length // 8 + 64
    with _lock:
        if key not in _ROWS and len(_ROWS) >= _KEPT:
            del _ROWS[next(iter(_ROWS))]
        _ROWS[key] = rows
