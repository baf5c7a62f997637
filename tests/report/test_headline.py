"""Every number of the text is the one the results API computes, written as the sentence says it.

The headline is short (:func:`headline_summary`: the baseline's main measures and the clearest paired
differences); every fact, for every regime, is in the section "All measures, sentence by sentence". Intervals
of bounded measures are shown clipped to their bounds while the facts keep the API's numbers.
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simulator import results
from simulator.report.build import Fact, build_html, headline_facts, headline_summary, paired_facts
from tests.report._helpers import Page
from tests.report.conftest import Report

#: how each fact writes its number: (metric, scale, decimals, lower bound, upper bound)
FORMATS = {"wait": ("wait_median_days", 1, 1, 0.0, math.inf),
           "unsheltered": ("unsheltered_nights_per_client", 1, 1, 0.0, math.inf),
           "lost": ("referral_loss_share", 100, 1, 0.0, 1.0),
           "unmet": ("unmet_need_days_per_client", 1, 0, 0.0, math.inf)}


def written(value: float, scale: float, decimals: int) -> str:
    """How the report writes a number: rounded, and never as "-0.0"."""
    text = f"{value * scale:,.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def headline_items(document: str) -> list[str]:
    """The sentences of the Headline section, unescaped."""
    section = document.split("<h2>Headline</h2>", 1)[1].split("<h2", 1)[0]
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", section, re.DOTALL)]


def section_items(document: str, heading: str) -> list[str]:
    section = re.split(r"<h2[^>]*>" + re.escape(heading) + "</h2>", document, maxsplit=1)[1].split("<h2", 1)[0]
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", section, re.DOTALL)]


def test_facts_cover_every_regime(opened: results.Results, facts: list[Fact]) -> None:
    assert facts, "the report has no facts"
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
        assert fact.ci_low == row["ci_low"], fact  # the API's number, not clipped
        assert fact.ci_high == row["ci_high"], fact


def test_each_fact_says_its_numbers(facts: list[Fact], summary: pd.DataFrame) -> None:
    indexed = summary.set_index(["regime", "metric", "dimension"])
    for fact in facts:
        _, scale, decimals, low, high = FORMATS[fact.key]
        value = written(fact.mean, scale, decimals)
        interval = (f"(95% interval {written(max(fact.ci_low, low), scale, decimals)} to "
                    f"{written(min(fact.ci_high, high), scale, decimals)})")
        assert fact.text.startswith(f"Under the {fact.regime.replace('_', ' ')} regime,"), fact
        assert f" {value}{'%' if scale == 100 else ''} " in fact.text, (value, fact.text)
        row = indexed.loc[(fact.regime, fact.metric, fact.dimension)]
        text = fact.text
        if row["few"]:  # a figure on few data says so, with the observations behind it
            text, note = text.split(" (Few data: ", 1)
            expected = (f"{int(row['observations']):,} observations over {int(row['n'])} replications"
                        if pd.notna(row["observations"]) else f"{int(row['n'])} replication")
            assert note.startswith(expected), (expected, note)
        else:
            assert "Few data" not in text, text
        assert text.endswith(f" {interval}."), (interval, fact.text)


def test_a_wait_is_never_said_without_those_who_gave_up(facts: list[Fact], summary: pd.DataFrame) -> None:
    indexed = summary.set_index(["regime", "metric", "dimension"])
    waits = [f for f in facts if f.key == "wait"]
    assert waits
    for fact in waits:
        row = indexed.loc[(fact.regime, "abandonment_share", fact.dimension)]
        low, high = max(row["ci_low"], 0.0), min(row["ci_high"], 1.0)
        said = (f"{written(row['mean'], 100, 1)}% of those who joined the line at Mental Health gave up or were "
                f"turned away (95% interval {written(low, 100, 1)} to {written(high, 100, 1)})")
        assert said in fact.text, (said, fact.text)
        line = indexed.loc[(fact.regime, "line_time_median_days", fact.dimension)]
        assert f"the median time in line of all who joined is {written(line['mean'], 1, 1)} days" in fact.text
        assert "the median wait of those served" in fact.text


def test_every_fact_is_in_the_all_measures_section(report: Report, opened: results.Results,
                                                   facts: list[Fact]) -> None:
    listed = section_items(report.html, "All measures, sentence by sentence")
    paired = paired_facts(opened, "organic")
    assert listed == [f.text for f in facts + paired]


def test_wait_fact_names_the_service_by_its_label(facts: list[Fact]) -> None:
    # small_town's mental health clinic has no organisation: its identifier, title-cased
    waits = [f for f in facts if f.key == "wait"]
    assert waits
    assert all(f.dimension == "mental_health" and " at Mental Health is " in f.text for f in waits)
    assert not any("mental_health" in f.text for f in waits)


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
        share = fact.metric.endswith("share")
        scale = 100 if share else 1
        low, high = (max(fact.ci_low, -1.0), min(fact.ci_high, 1.0)) if share else (fact.ci_low, fact.ci_high)
        assert f"by {written(fact.mean, scale, 1)}" in fact.text, fact.text
        assert f"(paired 95% interval {written(low, scale, 1)} to {written(high, scale, 1)})" in fact.text, fact.text
        assert ("can tell from zero" in fact.text) == (fact.ci_low > 0 or fact.ci_high < 0), fact.text
        assert f"<li>{html.escape(fact.text)}</li>" in report.html


def test_headline_is_short_and_made_of_facts(report: Report, opened: results.Results, facts: list[Fact]) -> None:
    items = headline_items(report.html)
    paired = paired_facts(opened, "organic")
    summary = headline_summary(opened, "organic")
    assert 4 <= len(items) <= 8, items
    assert items == [f.text for f in summary]
    for fact in summary:
        if fact.key == "no_clear_difference":
            # says no regime differs clearly: true of every paired interval of that measure, and holds no number
            assert fact.measures, fact
            measured = [f for f in paired if (f.metric, f.dimension) in fact.measures]
            assert measured, fact.text
            assert all(f.ci_low <= 0 <= f.ci_high for f in measured), fact.text
            assert not re.search(r"\d", fact.text.replace("95% interval", "")), fact.text
        else:
            assert fact in facts or fact in paired, fact  # the same numbers and sentence as the full list


def test_headline_opens_with_the_baseline_measures(opened: results.Results, facts: list[Fact]) -> None:
    summary = headline_summary(opened, "organic")
    base = [f for f in summary if f.key in FORMATS]
    assert [f.key for f in base] == ["unmet", "lost", "wait", "unsheltered"]
    assert {f.regime for f in base} == {"organic"}


def test_measures_table_has_a_column_per_regime(report: Report, opened: results.Results) -> None:
    assert Page(report.html).row("measure") == [r.replace("_", " ").capitalize() for r in opened.regimes]


@pytest.mark.parametrize(("label", "metric", "dimension", "scale", "decimals"), [
    ("unmet-need days per person (days)", "unmet_need_days_per_client", "all", 1, 0),
    ("referrals lost in handoffs (%)", "referral_loss_share", "all", 100, 1),
    ("shelter requests refused (%)", "turnaway_rate", "all", 100, 2),
    ("unsheltered nights per person: women (nights)", "unsheltered_nights_per_client", "women", 1, 1),
])
def test_table_cells_are_the_summary(report: Report, opened: results.Results, summary: pd.DataFrame, label: str,
                                     metric: str, dimension: str, scale: float, decimals: int) -> None:
    indexed = summary.set_index(["regime", "metric", "dimension"])
    high_bound = 1.0 if scale == 100 else math.inf
    expected = []
    for regime in opened.regimes:
        key: Any = (regime, metric, dimension)
        row = indexed.loc[key]
        low, high = max(row["ci_low"], 0.0), min(row["ci_high"], high_bound)
        expected.append(f"{written(row['mean'], scale, decimals)} {written(low, scale, decimals)} to "
                        f"{written(high, scale, decimals)}")
    assert Page(report.html).row(label) == expected


def test_wait_table_rows_are_service_labels(report: Report, opened: results.Results, summary: pd.DataFrame) -> None:
    """Each service's wait in its two forms, with the share who gave up beside them, labelled by name."""
    table = next(t for t in Page(report.html).tables if t and t[0] and t[0][0] == "service")
    labels = [cells[0] for cells in table[1:]]
    assert labels, table
    assert not any("_" in name for name in labels), labels
    forms = [": wait of those served (days)", ": time in line of all who joined (days)",
             ": gave up or were turned away (%)"]
    services = [label.removesuffix(forms[0]) for label in labels[::3]]
    assert labels == [f"{service}{form}" for service in services for form in forms], labels
    assert "Mental Health" in services, services
    assert "CLSC" in services, services
    waits = summary[(summary["metric"] == "wait_median_days") & summary["mean"].notna()]
    assert len(services) == waits["dimension"].nunique()


# ---- synthetic results: chosen numbers, nothing simulated ---------------------------------------------------

def synthetic(tmp_path: Path, values: dict[str, list[float]], metric: str = "unsheltered_nights_per_client",
              extra: list[dict[str, Any]] | None = None) -> results.Results:
    """Results holding one metric (by default unsheltered nights per client) for the given regimes."""
    rows = [{"point": 0, "replication": i, "regime": regime, "metric": metric, "dimension": "all", "value": value}
            for regime, series in values.items() for i, value in enumerate(series)]
    rows += extra or []
    manifest = {"regimes": list(values), "horizon_days": 20.0, "tasks": [], "spec_hash": "x", "name": "synthetic",
                "replications": len(next(iter(values.values())))}
    made = results.Results(tmp_path, manifest, pd.DataFrame({"point": [0]}))
    made._cache["metrics"] = pd.DataFrame(rows)
    return made


def test_synthetic_facts_round_as_written(tmp_path: Path) -> None:
    made = synthetic(tmp_path, {"organic": [5.0, 6.0, 7.0], "integrated": [5.3, 6.3, 7.3]})
    texts = [f.text for f in headline_facts(made)]
    assert texts == [
        "Under the organic regime, a person spends 6.0 nights outdoors on average over the 20 observed days "
        "(95% interval 3.5 to 8.5).",
        "Under the integrated regime, a person spends 6.3 nights outdoors on average over the 20 observed days "
        "(95% interval 3.8 to 8.8).",
    ]


def test_no_negative_zero(tmp_path: Path) -> None:
    made = synthetic(tmp_path, {"organic": [5.0, 6.0, 7.0], "integrated": [4.95, 6.02, 7.0]})  # mean -0.01
    texts = [f.text for f in paired_facts(made, "organic")]
    assert texts
    assert all("-0.0 " not in text and "-0.0)" not in text for text in texts), texts


def test_share_interval_is_clipped_in_the_text_only(tmp_path: Path) -> None:
    # three replications losing 0.1%, 0% and 3% of referrals: the t-interval starts below zero
    made = synthetic(tmp_path, {"organic": [0.001, 0.0, 0.03]}, "referral_loss_share")
    fact = next(f for f in headline_facts(made) if f.key == "lost")
    raw = made.summary().set_index("regime").loc["organic"]
    assert fact.ci_low == raw["ci_low"] < 0, "the fact keeps the API's unclipped number"
    assert fact.text.endswith(f"(95% interval 0.0 to {written(fact.ci_high, 100, 1)}).")


def test_count_interval_is_clipped_at_zero(tmp_path: Path) -> None:
    made = synthetic(tmp_path, {"organic": [0.0, 0.0, 3.0]})
    fact = headline_facts(made)[0]
    assert fact.ci_low < 0
    assert "(95% interval 0.0 to " in fact.text
    assert "interval -" not in fact.text


def test_summary_picks_the_largest_clear_difference_per_measure(tmp_path: Path) -> None:
    # unsheltered nights: b clearly lower than the baseline, c lower still; unmet-need days: no clear difference
    unmet = [{"point": 0, "replication": i, "regime": regime, "metric": "unmet_need_days_per_client",
              "dimension": "all", "value": value}
             for regime, series in {"organic": [100.0, 110.0, 120.0], "b": [101.0, 108.0, 121.0],
                                    "c": [99.0, 112.0, 119.0]}.items() for i, value in enumerate(series)]
    made = synthetic(tmp_path, {"organic": [10.0, 12.0, 14.0], "b": [8.9, 11.0, 12.9], "c": [5.0, 7.1, 8.9]},
                     extra=unmet)
    chosen = headline_summary(made, "organic")
    assert [f.key for f in chosen] == ["unmet", "unsheltered", "paired", "no_clear_difference"]
    paired = chosen[2]
    assert (paired.regime, paired.metric) == ("c", "unsheltered_nights_per_client")
    assert paired.ci_high < 0
    assert chosen[3].measures == (("unmet_need_days_per_client", "all"),)
    assert chosen[3].text.startswith("No other regime differs from the organic regime in unmet-need days per person "
                                     "by an amount")


def test_headline_of_one_regime_has_no_comparison(tmp_path: Path) -> None:
    made = synthetic(tmp_path, {"organic": [5.0, 6.0, 7.0]})
    assert [f.key for f in headline_summary(made)] == ["unsheltered"]


def test_synthetic_report_clips_table_intervals(tmp_path: Path) -> None:
    rows = [{"point": 0, "replication": i, "regime": "organic", "metric": "turnaway_rate", "dimension": "all",
             "value": value} for i, value in enumerate([0.0, 0.0, 0.01])]
    made = synthetic(tmp_path, {"organic": [5.0, 6.0, 7.0]}, extra=rows)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "point=00000.json").write_text(json.dumps({"name": "synthetic", "services": {}}),
                                                             encoding="utf-8")
    made._cache.update(nights=pd.DataFrame(), census=pd.DataFrame())
    page = Page(build_html(made, "synthetic"))
    raw = made.summary().set_index("metric").loc["turnaway_rate"]
    assert raw["ci_low"] < 0
    assert page.row("shelter requests refused (%)") == [f"0.33 0.00 to {written(raw['ci_high'], 100, 2)}"]


def test_a_wait_on_few_served_visits_is_flagged_in_the_sentence_and_the_table(tmp_path: Path) -> None:
    # one served visit in each of three replications: a median wait from 3 observations in all
    extra = [{"point": 0, "replication": i, "regime": "organic", "metric": m, "dimension": "mental_health",
              "value": v}
             for i in range(3) for m, v in (("wait_median_days", 170.0 + i), ("visits_served", 1.0),
                                            ("visits", 40.0), ("abandonment_share", 0.5),
                                            ("line_time_median_days", 60.0))]
    made = synthetic(tmp_path, {"organic": [5.0, 6.0, 7.0]}, extra=extra)
    fact = next(f for f in headline_facts(made) if f.key == "wait")
    assert fact.text.endswith("(Few data: 3 observations over 3 replications; read this figure with care.)")
    assert "50.0% of those who joined the line at " in fact.text
    summary = made.summary()
    from simulator.report.build import _measures_table, _wait_rows
    from simulator.report.labels import Labels

    table = _measures_table(summary, ["organic"], Labels(), _wait_rows(summary, Labels()))
    assert table is not None
    cells = {row.label: row.cells[0] for row in table.rows}
    served = next(cell for label, cell in cells.items() if "wait of those served" in label)
    joined = next(cell for label, cell in cells.items() if "time in line of all who joined" in label)
    assert served is not None
    assert served.few  # 3 served visits
    assert joined is not None
    assert not joined.few  # 120 visits joined the line
    assert any(note.startswith("Greyed, with †") for note in table.notes)
