"""Every number of the headline is the one the results API computes, written as the sentence says it."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simulator import results
from simulator.report.build import Fact, headline_facts, paired_facts
from tests.report._helpers import Page
from tests.report.conftest import Report

#: how each headline fact writes its number: (metric, scale, decimals)
FORMATS = {"wait": ("wait_median_days", 1, 1), "unsheltered": ("unsheltered_nights_per_client", 1, 1),
           "lost": ("referral_loss_share", 100, 1), "unmet": ("unmet_need_days_per_client", 1, 0)}


def written(value: float, scale: float, decimals: int) -> str:
    """How the report writes a number: rounded, and never as "-0.0"."""
    text = f"{value * scale:,.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def test_facts_cover_every_regime(opened: results.Results, facts: list[Fact]) -> None:
    assert facts, "the headline is empty"
    for regime in opened.regimes:
        keys = {f.key for f in facts if f.regime == regime}
        assert {"wait", "unsheltered", "lost", "unmet"} <= keys, (regime, keys)


def test_each_fact_is_the_summary_row(summary: pd.DataFrame, facts: list[Fact]) -> None:
    indexed = summary.set_index(["regime", "metric", "dimension"])
    for fact in facts:
        assert fact.metric == FORMATS[fact.key][0], fact
        key: Any = (fact.regime, fact.metric, fact.dimension)
        row = indexed.loc[key]
        assert fact.mean == row["mean"], fact
        assert fact.ci_low == row["ci_low"], fact
        assert fact.ci_high == row["ci_high"], fact


def test_each_fact_says_its_numbers(facts: list[Fact]) -> None:
    for fact in facts:
        _, scale, decimals = FORMATS[fact.key]
        value = written(fact.mean, scale, decimals)
        interval = (f"(95% interval {written(fact.ci_low, scale, decimals)} to "
                    f"{written(fact.ci_high, scale, decimals)})")
        assert fact.text.startswith(f"Under the {fact.regime} regime,"), fact
        assert f" {value}{'%' if scale == 100 else ''} " in fact.text, (value, fact.text)
        assert fact.text.endswith(f" {interval}."), (interval, fact.text)


def test_each_fact_is_in_the_report(report: Report, facts: list[Fact]) -> None:
    for fact in facts:
        assert f"<li>{html.escape(fact.text)}</li>" in report.html, fact.text


def test_wait_fact_is_the_mental_health_service(facts: list[Fact]) -> None:
    waits = [f for f in facts if f.key == "wait"]
    assert waits
    assert all("mental" in f.dimension and f" at {f.dimension} is " in f.text for f in waits)


def test_unsheltered_fact_names_the_observed_period(opened: results.Results, facts: list[Fact]) -> None:
    days = f"{float(opened.manifest['horizon_days']):g}"
    unsheltered = [f for f in facts if f.key == "unsheltered"]
    assert unsheltered
    assert all(f"over the {days} observed days" in f.text for f in unsheltered)


def test_paired_facts_are_the_paired_differences(report: Report, opened: results.Results) -> None:
    paired = opened.paired("organic")
    paired = paired[paired["point"] == paired["point"].min()].set_index(["regime", "metric", "dimension"])
    facts = paired_facts(opened, "organic")
    assert {f.metric for f in facts} >= {"unmet_need_days_per_client", "unsheltered_nights_per_client"}
    for fact in facts:
        key: Any = (fact.regime, fact.metric, fact.dimension)
        row = paired.loc[key]
        assert (fact.mean, fact.ci_low, fact.ci_high) == (row["mean_difference"], row["ci_low"], row["ci_high"])
        scale = 100 if fact.metric.endswith("share") else 1
        assert f"by {written(fact.mean, scale, 1)}" in fact.text, fact.text
        assert (f"(paired 95% interval {written(fact.ci_low, scale, 1)} to {written(fact.ci_high, scale, 1)})"
                in fact.text), fact.text
        assert ("can tell from zero" in fact.text) == (fact.ci_low > 0 or fact.ci_high < 0), fact.text
        assert f"<li>{html.escape(fact.text)}</li>" in report.html


def test_measures_table_has_a_column_per_regime(report: Report, opened: results.Results) -> None:
    assert Page(report.html).row("measure") == opened.regimes


@pytest.mark.parametrize(("label", "metric", "dimension", "scale", "decimals"), [
    ("unmet-need days per person (days)", "unmet_need_days_per_client", "all", 1, 0),
    ("referrals lost in handoffs (%)", "referral_loss_share", "all", 100, 1),
    ("shelter requests refused (%)", "turnaway_rate", "all", 100, 2),
    ("unsheltered nights per person: women (nights)", "unsheltered_nights_per_client", "women", 1, 1),
])
def test_table_cells_are_the_summary(report: Report, opened: results.Results, summary: pd.DataFrame, label: str,
                                     metric: str, dimension: str, scale: float, decimals: int) -> None:
    indexed = summary.set_index(["regime", "metric", "dimension"])
    expected = []
    for regime in opened.regimes:
        key: Any = (regime, metric, dimension)
        row = indexed.loc[key]
        expected.append(f"{written(row['mean'], scale, decimals)} {written(row['ci_low'], scale, decimals)} to "
                        f"{written(row['ci_high'], scale, decimals)}")
    assert Page(report.html).row(label) == expected


def synthetic(tmp_path: Path, organic: list[float], integrated: list[float]) -> results.Results:
    """Results holding one metric (unsheltered nights per client) for two regimes, without running anything."""
    rows = [{"point": 0, "replication": i, "regime": regime, "metric": "unsheltered_nights_per_client",
             "dimension": "all", "value": value}
            for regime, values in (("organic", organic), ("integrated", integrated))
            for i, value in enumerate(values)]
    manifest = {"regimes": ["organic", "integrated"], "horizon_days": 20.0, "tasks": [], "spec_hash": "x"}
    made = results.Results(tmp_path, manifest, pd.DataFrame({"point": [0]}))
    made._cache["metrics"] = pd.DataFrame(rows)
    return made


def test_synthetic_facts_round_as_written(tmp_path: Path) -> None:
    made = synthetic(tmp_path, [5.0, 6.0, 7.0], [5.3, 6.3, 7.3])
    texts = [f.text for f in headline_facts(made)]
    assert texts == [
        "Under the organic regime, a person spends 6.0 nights outdoors on average over the 20 observed days "
        "(95% interval 3.5 to 8.5).",
        "Under the integrated regime, a person spends 6.3 nights outdoors on average over the 20 observed days "
        "(95% interval 3.8 to 8.8).",
    ]


def test_no_negative_zero(tmp_path: Path) -> None:
    made = synthetic(tmp_path, [5.0, 6.0, 7.0], [4.95, 6.02, 7.0])  # integrated - organic: mean -0.01
    texts = [f.text for f in paired_facts(made, "organic")]
    assert texts
    assert all("-0.0 " not in text and "-0.0)" not in text for text in texts), texts
