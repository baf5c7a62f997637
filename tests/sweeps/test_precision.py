"""Precision on demand: replications are added in batches until every named metric's 95% half-width is within
target, in memory (``run_batch``), in a results folder (``simulator run --out``) and per point of a sweep;
the replications are the same common-random-number streams whatever the batches, and an interrupted sweep
resumes to the same replications."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from simulator import results
from simulator.batch import load_sweep, run_batch, run_sweep
from simulator.batch.precision import Assessment, PrecisionError, Target, next_count, parse_targets
from simulator.config import load_config
from tests.sweeps._helpers import SHORT, SMALL_TOWN, assert_user_error, run_cli, tiny_spec, write_spec

SCENARIO = load_config(SMALL_TOWN, SHORT)
#: a target the small town meets after a few batches: its one-night count within 4% of its mean
TARGETS = parse_targets("count_total=4%")


# ---- reading targets ------------------------------------------------------------------------------------------

def test_targets_are_read_absolute_or_relative_with_an_optional_dimension() -> None:
    assert parse_targets("count_total=2%, wait_mean_days:clsc=1.5") == [
        Target("count_total", "all", 0.02, True), Target("wait_mean_days", "clsc", 1.5, False)]
    assert parse_targets(["unsheltered_nights=1e2"]) == [Target("unsheltered_nights", "all", 100.0, False)]


@pytest.mark.parametrize(("text", "said"), [
    ("count_total", "METRIC[:DIMENSION]=HALF_WIDTH[%]"),
    ("count_total=-1", "METRIC[:DIMENSION]=HALF_WIDTH[%]"),
    ("count_total=0", "positive"),
    ("count_total=150%", "below 100%"),
    ("count_totl=2%", "unknown metric 'count_totl'"),
    ("", "METRIC[:DIMENSION]=HALF_WIDTH[%]"),
])
def test_a_bad_target_is_refused_with_what_to_write(text: str, said: str) -> None:
    with pytest.raises(PrecisionError, match=said.replace("[", r"\[").replace("]", r"\]")):
        parse_targets(text)


def _assessed(ratio: float, std: float = 1.0) -> Assessment:
    return Assessment(Target("count_total", "all", 1.0, False), "organic", 10, 5.0, ratio, 1.0, ratio, std)


@pytest.mark.parametrize(("n", "ratio", "std", "maximum", "step", "expected"), [
    (10, 0.9, 5.0, 100, 1, 10),  # met: stop, whatever the spread
    (10, 1.3, 3.0, 100, 1, 36),  # (2 x 3 / 1)^2 = 36 replications for a half-width of 1
    (10, 1.01, 0.5, 100, 1, 11),  # (2 x 0.5)^2 = 1: at least one more
    (10, 2.0, 5.0, 25, 1, 25),  # 100 wanted, never past the maximum
    (10, 1.5, 2.3, 100, 4, 24),  # (4.6)^2 = 21.2 -> 22, in whole tasks of 4
    (25, 3.0, 9.0, 25, 1, 25),  # at the maximum already
    (10, math.inf, math.nan, 60, 1, 60),  # no spread to plan from: straight to the maximum
])
def test_the_next_batch_aims_at_the_count_the_widest_interval_asks_for(n: int, ratio: float, std: float,
                                                                       maximum: int, step: int,
                                                                       expected: int) -> None:
    assert next_count(n, [_assessed(0.5, 9.0), _assessed(ratio, std)], maximum, step) == expected


# ---- in memory -----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def precise() -> object:
    return run_batch(SCENARIO, 3, seed=5, regimes=["organic", "integrated"], precision=TARGETS,
                     max_replications=60)


def test_replications_are_added_until_every_regime_meets_the_target(precise: object) -> None:
    batch = precise
    assert 3 < batch.replications < 60  # type: ignore[attr-defined]
    assessments = batch.precision  # type: ignore[attr-defined]
    assert {a.regime for a in assessments} == {"organic", "integrated"}
    assert all(a.met for a in assessments)
    summary = batch.summary().set_index(["regime", "metric", "dimension"])  # type: ignore[attr-defined]
    for regime in ("organic", "integrated"):
        row = summary.loc[(regime, "count_total", "all")]
        assert row["n"] == batch.replications  # type: ignore[attr-defined]
        assert (row["ci_high"] - row["ci_low"]) / 2 <= 0.04 * row["mean"]


def test_the_batches_draw_the_same_replications_as_one_run(precise: object) -> None:
    """Replication i is the same whatever batch it ran in: the tables equal one run of that many."""
    batch = precise
    plain = run_batch(SCENARIO, batch.replications, seed=5, regimes=["organic", "integrated"])  # type: ignore[attr-defined]
    pdt.assert_frame_equal(batch.metrics, plain.metrics)  # type: ignore[attr-defined]
    pdt.assert_frame_equal(batch.nights, plain.nights)  # type: ignore[attr-defined]


def test_a_target_out_of_reach_stops_at_the_maximum() -> None:
    batch = run_batch(SCENARIO, 2, seed=5, precision=parse_targets("count_total=0.01%"), max_replications=5)
    assert batch.replications == 5
    assert not all(a.met for a in batch.precision)


def test_a_dimension_the_metric_does_not_have_is_named() -> None:
    with pytest.raises(PrecisionError, match=r"count_total \[men\].*its dimensions here: all"):
        run_batch(SCENARIO, 2, seed=5, precision=parse_targets("count_total:men=5%"))


# ---- results folders and sweeps -----------------------------------------------------------------------------

def test_run_out_writes_the_replications_it_needed(tmp_path: Path, precise: object) -> None:
    result = run_cli("run", SMALL_TOWN, "-n", "3", "--seed", "5", "--regime", "organic", "--regime", "integrated",
                     "--horizon", SHORT["horizon"], "--warmup", SHORT["warmup"], "--precision", "count_total=4%",
                     "--max-replications", "60", "--out", tmp_path / "out", "-q", "-w", "2")
    assert result.returncode == 0, result.describe()
    n = precise.replications  # type: ignore[attr-defined]
    assert f"precision reached with {n} replications per regime (at most 60)" in result.stdout
    assert "count_total:all=4%: met" in result.stdout
    opened = results.open(tmp_path / "out")
    assert opened.manifest["replications"] == n
    assert opened.manifest["precision"]["points"]["0"]["replications"] == n
    metrics = opened.metrics.drop(columns=["point"])
    expected = precise.metrics  # type: ignore[attr-defined]
    pdt.assert_frame_equal(metrics.sort_values(["regime", "replication", "metric", "dimension"])
                           .reset_index(drop=True),
                           expected.sort_values(["regime", "replication", "metric", "dimension"])
                           .reset_index(drop=True), check_dtype=False)


def test_a_target_not_met_warns_and_still_writes_the_summary(tmp_path: Path) -> None:
    result = run_cli("run", SMALL_TOWN, "-n", "2", "--horizon", SHORT["horizon"], "--warmup", SHORT["warmup"],
                     "--precision", "count_total=0.01%", "--max-replications", "3", "-q", "-w", "1")
    assert result.returncode == 0, result.describe()
    assert "precision NOT reached with 3 replications per regime (at most 3)" in result.stdout
    assert "warning: --precision: not every target was met" in result.stderr


@pytest.mark.parametrize(("args", "said"), [
    (["--precision", "count_totl=2%"], "unknown metric 'count_totl'"),
    (["--precision", "count_total:men=2%"], "no value of count_total [men]"),
    (["--max-replications", "5"], "--max-replications goes with --precision"),
    (["--precision", "count_total=2%", "--max-replications", "1"], "below the first batch"),
])
def test_run_refuses_a_bad_precision_request(args: list[str], said: str) -> None:
    result = run_cli("run", SMALL_TOWN, "-n", "2", "--horizon", "2 days", "--warmup", "1 day", "-q", *args)
    assert_user_error(result)
    assert said in result.stderr


def _precise_spec(tmp_path: Path) -> Path:
    spec = tiny_spec(replications=2, replications_per_task=1,
                     precision={"targets": ["unsheltered_nights_per_client=4%"], "max_replications": 40})
    return write_spec(tmp_path / "precise.yaml", spec)


def test_each_point_of_a_sweep_gets_the_replications_its_targets_ask_for(tmp_path: Path) -> None:
    folder = run_sweep(load_sweep(_precise_spec(tmp_path)), tmp_path / "out", executor="serial")
    opened = results.open(folder)
    counts = {int(p): v["replications"] for p, v in opened.manifest["precision"]["points"].items()}
    assert set(counts) == {0, 1}
    summary = opened.summary().set_index(["point", "regime", "metric", "dimension"])
    for point, n in counts.items():
        assert 2 <= n <= 40
        for regime in ("organic", "integrated"):
            row = summary.loc[(point, regime, "unsheltered_nights_per_client", "all")]
            assert row["n"] == n
            if n < 40:
                assert (row["ci_high"] - row["ci_low"]) / 2 <= 0.04 * row["mean"]
    # the same streams as a plain run: point 0's replications are those of a sweep without precision
    plain = run_batch(load_sweep(_precise_spec(tmp_path)).points[0].scenario, counts[0], seed=3,
                      regimes=["organic", "integrated"])
    mine = opened.metrics[opened.metrics["point"] == 0].drop(columns=["point"])
    key = ["regime", "replication", "metric", "dimension"]
    pdt.assert_frame_equal(mine.sort_values(key).reset_index(drop=True),
                           plain.metrics.sort_values(key).reset_index(drop=True), check_dtype=False)


def test_an_interrupted_precise_sweep_resumes_to_the_same_replications(tmp_path: Path) -> None:
    spec = _precise_spec(tmp_path)
    whole = run_sweep(load_sweep(spec), tmp_path / "whole", executor="serial")
    cut = tmp_path / "cut"
    shutil.copytree(whole, cut)
    manifest = json.loads((cut / "manifest.json").read_text(encoding="utf-8"))
    # as if stopped in the second batch: the manifest lists it, some of its tasks are not written
    later = [key for key in manifest["tasks"] if not key.endswith(("r00000-00000", "r00001-00001"))]
    assert later, "the target should need more than the first batch"
    for key in later[len(later) // 2:]:
        for table in ("metrics", "nights", "census"):
            (cut / "tables" / table / f"{key}.parquet").unlink()
        (cut / "checksums" / f"{key}.json").unlink()
    del manifest["precision"]
    (cut / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(results.ResultsError, match="incomplete"):
        results.open(cut)
    run_sweep(load_sweep(spec), cut, executor="serial", resume=True)
    a, b = results.open(whole), results.open(cut)
    assert a.manifest["precision"] == b.manifest["precision"]
    assert a.manifest["tasks"] == b.manifest["tasks"]
    key = ["point", "regime", "replication", "metric", "dimension"]
    pdt.assert_frame_equal(a.metrics.sort_values(key).reset_index(drop=True),
                           b.metrics.sort_values(key).reset_index(drop=True))


def test_a_bad_precision_in_a_sweep_spec_is_located(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "bad.yaml", tiny_spec(precision={"targets": ["count_totl=2%"],
                                                                  "max_replications": 10}))
    result = run_cli("sweep", spec, "--out", tmp_path / "out", "-q")
    assert_user_error(result)
    assert "unknown metric 'count_totl'" in result.stderr
    assert "bad.yaml" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_spec_without_precision_keeps_its_hash(tiny_path: Path) -> None:
    """Results folders written before precision existed still resume: the field is left out of the hash."""
    sweep = load_sweep(tiny_path)
    assert "precision" not in json.dumps(sweep.spec.model_dump(mode="json", exclude={"precision"}))
    assert sweep.spec.precision is None
    pd.testing.assert_index_equal(pd.Index([sweep.spec_hash()]), pd.Index([load_sweep(tiny_path).spec_hash()]))
