"""``simulator run`` and ``simulator regimes`` as a user runs them: outputs, determinism and user errors.

The commands that run in a fresh process run once each, concurrently, at the start (each CLI process spends
about two seconds importing numpy, pandas, pydantic and scipy), and the tests read their results. The other
user errors are checked in process through ``simulator.cli.main``, which is what the console script calls.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from tests.e2e._helpers import DATA, MMC, PROBLEM, Result, assert_clean_user_error, assert_ok, run_cli

SHORT = ["--horizon", "6 days", "--warmup", "1 day", "-n", "3", "-q"]
TWO_REGIMES = ["--regime", "organic", "--regime", "unilateral"]
TOP_LEVEL = {"manifest.json", "spec.json", "points.parquet", "scenarios", "tables", "sweep.log", "checksums"}


def table(folder: Path, name: str) -> pd.DataFrame:
    """A table of a results folder, read as a user reads it."""
    from simulator import results

    return results.open(folder).table(name)

#: user errors of ``simulator run`` checked in a fresh process: (arguments after ``run``, words on stderr)
RUN_ERRORS_PROCESS = ("broken_config",)

#: user errors of ``simulator run``: (arguments after ``run``, words stderr must contain)
RUN_ERRORS: dict[str, tuple[list[str], list[str]]] = {
    "unknown_regime": ([str(MMC), "--regime", "anarchy", "-q"],
                       ["unknown regime 'anarchy'", "organic", "unilateral"]),
    "unknown_regime_among_good": ([str(MMC), "--regime", "organic", "--regime", "anarchy", "-q"],
                                  ["unknown regime 'anarchy'"]),
    "horizon_without_unit": ([str(MMC), "--horizon", "30", "-q"], ["--horizon", "'30'"]),
    "horizon_unknown_unit": ([str(MMC), "--horizon", "10 fortnights", "-q"], ["--horizon", "fortnights"]),
    "negative_warmup": ([str(MMC), "--warmup=-3 days", "-q"], ["--warmup", "negative"]),
    "zero_horizon": ([str(MMC), "--horizon", "0 days", "-q"], ["horizon: "]),
    "zero_replications": ([str(MMC), "-n", "0", "-q"], ["replications", "at least 1"]),
    "negative_replications": ([str(MMC), "-n", "-3", "-q"], ["replications", "at least 1"]),
    "replications_not_a_number": ([str(MMC), "--replications", "two", "-q"], ["replications", "'two'"]),
    "zero_workers": ([str(MMC), "--workers", "0", "-q"], ["workers", "at least 1"]),
    "negative_seed": ([str(MMC), "--seed=-1", "-q"], ["seed", "negative"]),
    "missing_config": ([str(DATA / "no_such_file.yaml"), "-q"], ["no_such_file.yaml:1:1: file not found"]),
    "broken_config": ([str(DATA / "many_problems.yaml"), "-q"],
                      ["many_problems.yaml:2:1: horizon:", "many_problems.yaml:18:1: regime:",
                       "problems found"]),
    "integrated_without_section": ([str(MMC), "--regime", "integrated", "-q"],
                                   ["integrated", "handoffs.integrated"]),
    "equal_resources_infeasible": ([str(DATA / "equal_resources_infeasible.yaml"), "--equal-resources", "-q"],
                                   ["--equal-resources", "resources.rule", "needs 9 staff",
                                    "clinics can give 1 of their 5"]),
}


def run_main(argv: list[str]) -> Result:
    """``simulator ARGV`` in this process: argparse errors exit through ``SystemExit``, others return."""
    from simulator.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return Result(argv, code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def out_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="module")
def runs(out_root) -> dict[str, Result]:
    """Run every command of this module concurrently; results by name."""
    commands: dict[str, tuple[list[str], Path | None]] = {
        # determinism: a and b are the same command; c differs only in --workers
        "a": (["run", str(MMC), *SHORT, "--seed", "11", *TWO_REGIMES, "--workers", "1", "--event-log",
               "--out", str(out_root / "a"), "--csv", str(out_root / "a_summary.csv")], None),
        "b": (["run", str(MMC), *SHORT, "--seed", "11", *TWO_REGIMES, "--workers", "1", "--event-log",
               "--out", str(out_root / "b")], None),
        "c": (["run", str(MMC), *SHORT, "--seed", "11", *TWO_REGIMES, "--workers", "2", "--event-log",
               "--out", str(out_root / "c")], None),
    }
    for name in RUN_ERRORS_PROCESS:
        commands[f"error_{name}"] = (["run", *RUN_ERRORS[name][0]], None)
    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        futures = {name: pool.submit(run_cli, *args, cwd=cwd) for name, (args, cwd) in commands.items()}
        done = {name: future.result() for name, future in futures.items()}
    # in process (same code path as the console script, without the start-up cost)
    # another seed, no event log, the scenario's own regime (one of TWO_REGIMES)
    done["d"] = run_main(["run", str(MMC), *SHORT, "--seed", "12", "--workers", "1", "--out", str(out_root / "d")])
    # 'all' regimes of a scenario that defines its own regime and the integrated section
    done["all"] = run_main(["run", str(DATA / "valid_small.yaml"), "--regime", "all", "--horizon", "10 days",
                            "-n", "2", "--workers", "1", "-q"])
    done["regimes_default"] = run_main(["regimes"])
    return done


# ---------------------------------------------------------------------------------------------- errors

@pytest.mark.parametrize("name", RUN_ERRORS_PROCESS)
def test_run_user_errors_exit_2_without_traceback(runs, name):
    result = runs[f"error_{name}"]
    assert_clean_user_error(result)
    for words in RUN_ERRORS[name][1]:
        assert words in result.stderr, result.describe()
    assert result.stdout == "", result.describe()  # no summary table after an error


@pytest.mark.parametrize("name", sorted(RUN_ERRORS))
def test_run_user_errors_in_process(name):
    args, words = RUN_ERRORS[name]
    result = run_main(["run", *args])
    assert_clean_user_error(result)
    for word in words:
        assert word in result.stderr, result.describe()
    assert result.stdout == "", result.describe()


def test_broken_config_is_reported_like_validate(runs):
    result = runs["error_broken_config"]
    lines = [line for line in result.stderr.splitlines() if PROBLEM.match(line)]
    assert len(lines) >= 8, result.describe()


def test_no_command_is_a_usage_error():
    result = run_main([])
    assert_clean_user_error(result)
    assert "usage:" in result.stderr


def test_version():
    result = run_main(["--version"])
    assert_ok(result)
    assert re.match(r"^simulator \d+\.\d+", result.stdout)


# ---------------------------------------------------------------------------------------------- regimes

def test_regimes_lists_builtin_and_scenario_regimes(monkeypatch):
    monkeypatch.chdir(DATA)
    result = run_main(["regimes", "valid_small.yaml"])
    assert_ok(result)
    names = [line[2:].split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert names == ["organic", "unilateral", "bilateral", "multilateral", "integrated", "half_and_half"]
    active = [line for line in result.stdout.splitlines() if line.startswith("*")]
    assert len(active) == 1
    assert active[0].split()[1] == "half_and_half"
    assert "half the handoffs unilateral" in active[0]


def test_regimes_of_the_default_scenario(runs):
    result = runs["regimes_default"]
    assert_ok(result)
    assert re.search(r"^\* organic\b", result.stdout, re.MULTILINE), result.describe()


def test_regimes_of_a_broken_scenario(monkeypatch):
    monkeypatch.chdir(DATA)
    result = run_main(["regimes", "many_problems.yaml"])
    assert_clean_user_error(result)
    assert "many_problems.yaml:18:1: regime: unknown regime 'anarchy'" in result.stderr


# ---------------------------------------------------------------------------------------------- summary

def _table_rows(stdout: str) -> dict[str, list[str]]:
    """The summary table's cells by row label (box-drawing table as rich prints it)."""
    rows: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        if line.startswith(("│", "┃")):
            cells = [c.strip() for c in line.strip("│┃").split("│" if line.startswith("│") else "┃")]
            rows[cells[0]] = cells[1:]
    return rows


def test_run_prints_a_summary_per_regime(runs):
    result = runs["a"]
    assert_ok(result)
    text = " ".join(result.stdout.split())  # the title may be folded to the table's width
    assert "mmc: 3 replications x 2 regimes" in text
    assert "6 days observed after 1 days warm-up, seed 11" in text
    assert "mean [95% interval]" in text
    rows = _table_rows(result.stdout)
    assert rows["metric"] == ["organic", "unilateral"]
    cell = re.compile(r"^-?[\d,]+(\.\d+)? \[-?[\d,]+(\.\d+)?, -?[\d,]+(\.\d+)?\]$")
    wait = rows["mean wait of those served (days): clinic"]
    assert all(cell.match(c) for c in wait), wait
    assert "results in" in result.stdout


def test_summary_cells_are_the_mean_and_t_interval_of_the_metrics(runs, out_root):
    metrics = table(out_root / "a", "metrics")
    rows = _table_rows(runs["a"].stdout)
    for column, regime in enumerate(["organic", "unilateral"]):
        chosen = (metrics["metric"] == "wait_mean_days") & (metrics["dimension"] == "clinic") & (
            metrics["regime"] == regime)
        values = metrics.loc[chosen, "value"].to_numpy()
        assert len(values) == 3
        mean = values.mean()
        half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
        expected = f"{mean:,.2f} [{mean - half:,.2f}, {mean + half:,.2f}]"
        assert rows["mean wait of those served (days): clinic"][column] == expected
        # beside it, the share of the clinic's arrivals who gave up (reneged) or were turned away (balked)
        chosen = (metrics["metric"] == "abandonment_share") & (metrics["dimension"] == "clinic") & (
            metrics["regime"] == regime)
        shares = metrics.loc[chosen, "value"].to_numpy() * 100
        mean = shares.mean()
        half = stats.t.ppf(0.975, len(shares) - 1) * shares.std(ddof=1) / math.sqrt(len(shares))
        expected = f"{mean:,.1f} [{mean - half:,.1f}, {mean + half:,.1f}]"
        assert rows["gave up or turned away (%): clinic"][column] == expected


def test_regime_all_runs_every_regime(runs):
    result = runs["all"]
    assert_ok(result)
    assert "2 replications x 6 regimes" in " ".join(result.stdout.split())
    header = _table_rows(result.stdout)["metric"]
    assert header == ["organic", "unilateral", "bilateral", "multilateral", "integrated", "half_and_half"]


# ---------------------------------------------------------------------------------------------- results folder

def test_results_folder_has_every_table(runs, out_root):
    for name in "abc":
        assert_ok(runs[name])
        assert {p.name for p in (out_root / name).iterdir()} == TOP_LEVEL
        assert {p.name for p in (out_root / name / "tables").iterdir()} == {"metrics", "nights", "census",
                                                                             "events"}
    assert_ok(runs["d"])
    assert {p.name for p in (out_root / "d" / "tables").iterdir()} == {"metrics", "nights", "census"}


def test_tables_have_their_columns(out_root):
    from simulator import results

    folder = out_root / "a"
    metrics = table(folder, "metrics")
    assert list(metrics.columns) == ["point", "replication", "regime", "metric", "dimension", "value"]
    assert sorted(metrics["replication"].unique()) == [0, 1, 2]
    assert sorted(metrics["regime"].unique()) == ["organic", "unilateral"]
    summary = results.open(folder).summary()
    assert {"point", "regime", "metric", "dimension", "n", "mean", "std", "ci_low", "ci_high"} <= set(
        summary.columns)
    assert (summary["n"] <= 3).all()
    for name in ("nights", "census", "events"):
        frame = table(folder, name)
        assert list(frame.columns[:3]) == ["point", "replication", "regime"], name
    events = table(folder, "events")
    assert len(events) > 0
    assert set(events["regime"]) == {"organic", "unilateral"}


def test_csv_is_the_summary_table(out_root):
    from simulator import results

    csv = pd.read_csv(out_root / "a_summary.csv", keep_default_na=False, na_values=[""])
    parquet = results.open(out_root / "a").summary()
    assert list(csv.columns) == list(parquet.columns)
    assert len(csv) == len(parquet)
    pd.testing.assert_series_equal(csv["mean"], parquet["mean"], check_exact=False, rtol=1e-12,
                                   check_dtype=False)


def test_manifest_records_provenance(out_root):
    manifest = json.loads((out_root / "a" / "manifest.json").read_text(encoding="utf-8"))
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["base_config_hash"])
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["spec_hash"])
    assert manifest["seed"] == 11
    assert manifest["replications"] == 3
    assert manifest["regimes"] == ["organic", "unilateral"]
    assert manifest["horizon_days"] == 6
    assert manifest["warmup_days"] == 1
    versions = manifest["versions"]
    for package in ("python", "simulator", "numpy", "pandas", "simpy"):
        assert versions.get(package), package
        assert versions[package] != "not installed", package
    import simulator

    assert versions["simulator"] == simulator.__version__
    assert "run" in manifest["command"]


def test_config_hash_is_the_hash_of_scenario_json(out_root):
    for name in "ad":
        folder = out_root / name
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        scenario = json.loads((folder / "scenarios" / "point=00000.json").read_text(encoding="utf-8"))
        canonical = json.dumps(scenario, sort_keys=True, separators=(",", ":"))
        assert hashlib.sha256(canonical.encode("utf-8")).hexdigest() == manifest["base_config_hash"]
        points = pd.read_parquet(folder / "points.parquet")
        assert points["config_hash"].tolist() == [manifest["base_config_hash"]]


def test_results_files_follow_the_umask(out_root):
    umask = os.umask(0)
    os.umask(umask)
    for path in (out_root / "a").rglob("*"):
        if path.is_file() and path.name != "sweep.log":
            assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path.name


# ---------------------------------------------------------------------------------------------- determinism

def test_same_seed_same_metrics(out_root):
    a, b = out_root / "a", out_root / "b"
    files = sorted(p.relative_to(a) for p in (a / "tables").rglob("*.parquet"))
    assert files == sorted(p.relative_to(b) for p in (b / "tables").rglob("*.parquet"))
    for path in files:
        assert (a / path).read_bytes() == (b / path).read_bytes(), path
    scenario = Path("scenarios") / "point=00000.json"
    assert (a / scenario).read_text() == (b / scenario).read_text()
    hashes = [json.loads((f / "manifest.json").read_text())["spec_hash"] for f in (a, b)]
    assert hashes[0] == hashes[1]


def test_workers_do_not_change_results(out_root):
    a, c = out_root / "a", out_root / "c"
    for name in ("metrics", "nights", "census", "events"):
        pd.testing.assert_frame_equal(table(a, name), table(c, name), check_exact=True, obj=name)


def test_another_seed_gives_other_draws(out_root):
    from simulator import load_config

    default = load_config(MMC).regime  # run d names no regime: the scenario's own
    a = table(out_root / "a", "metrics").query("regime == @default")
    d = table(out_root / "d", "metrics")
    assert set(d["regime"]) == {default}
    merged = a.merge(d, on=["point", "replication", "regime", "metric", "dimension"], suffixes=("_a", "_d"))
    assert len(merged) == len(a)
    assert not merged["value_a"].equals(merged["value_d"])
    visits = merged.query("metric == 'visits' and dimension == 'clinic'")
    assert (visits["value_a"] != visits["value_d"]).any()


def test_a_saturated_clinic_prints_both_waits_and_who_gave_up() -> None:
    """configs/textbook/mmc_saturated.yaml (M/M/3+M at twice its capacity): the summary prints the wait of those
    served, the time in line of all who joined and the share who gave up, one under the other; the two waits
    are apart (Erlang A: 1.25 and 1.01 hours) and about half gave up (0.504)."""
    result = run_cli("run", "configs/textbook/mmc_saturated.yaml", "-n", "4", "--horizon", "40 days", "--warmup",
                     "2 days", "-q", "-w", "1")
    assert_ok(result)
    lines = [line for line in result.stdout.splitlines() if line.startswith("│")]
    labels = [line.strip("│").split("│")[0].strip() for line in lines]
    first = labels.index("mean wait of those served (days): clinic")
    assert labels[first + 1:first + 3] == ["time in line of all who joined (days): clinic",
                                           "gave up or turned away (%): clinic"]
    rows = _table_rows(result.stdout)

    def mean(label: str) -> float:
        return float(rows[label][0].split(" ")[0].replace(",", ""))

    served = mean("mean wait of those served (days): clinic") * 24
    joined = mean("time in line of all who joined (days): clinic") * 24
    assert served > joined * 1.1, (served, joined)  # hours; 24% apart in theory
    assert 45 < mean("gave up or turned away (%): clinic") < 56
