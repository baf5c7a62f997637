"""``simulator report`` builds the HTML and the PDF from a run's results folder and from a sweep's."""

from __future__ import annotations

import html
import json
import shlex
import warnings
from pathlib import Path

from simulator.report import build_report
from tests.report._helpers import SECTIONS, Page
from tests.report.conftest import Report


def test_writes_html_and_pdf(report: Report) -> None:
    assert report.html_path.is_file(), report.result.describe()
    assert report.pdf_path.is_file(), report.result.describe()
    # figures are embedded, so even the smallest report is tens of kilobytes
    assert report.html_path.stat().st_size > 50_000
    assert report.pdf_path.stat().st_size > 20_000
    assert report.pdf_path.read_bytes()[:5] == b"%PDF-"
    assert report.pdf_path.read_bytes().rstrip().endswith(b"%%EOF")
    assert sorted(p.name for p in report.out.iterdir()) == ["report.html", "report.pdf"], (
        "temporary files were left next to the report")
    assert "wrote" in report.result.stdout
    assert "report.html" in report.result.stdout


def test_has_every_section_in_order(report: Report) -> None:
    page = Page(report.html)
    headings = page.heading("h2")
    assert [h for h in headings if h in SECTIONS] == SECTIONS, headings
    assert {"Reporting items (STRESS-DES)", "Limitations", "Reproducibility"} <= set(page.heading("h3"))


def test_default_title_names_the_results(sweep_report: Report) -> None:
    page = Page(sweep_report.html)
    assert page.heading("h1") == ["What the model says: tiny_report"]


def test_sweep_report_shows_the_swept_parameter(sweep_report: Report) -> None:
    page = Page(sweep_report.html)
    assert "Across the swept parameters" in page.heading("h2")
    # the parameter by its service's label, then its path in the scenario
    assert ("Unmet-need days per person against Men Shelter — capacity (services.men_shelter.capacity)."
            in sweep_report.html)
    assert "Which swept parameters move unmet-need days most." in sweep_report.html


def test_run_report_has_no_sweep_section(run_report: Report) -> None:
    assert "Across the swept parameters" not in Page(run_report.html).heading("h2")


def test_reproducibility_names_the_results(report: Report) -> None:
    manifest = json.loads((report.results / "manifest.json").read_text(encoding="utf-8"))
    assert f"spec hash: {manifest['spec_hash']}" in report.html
    assert f"seed: {manifest['seed']}" in report.html


def test_reproducibility_command_can_be_pasted(run_report: Report) -> None:
    manifest = json.loads((run_report.results / "manifest.json").read_text(encoding="utf-8"))
    assert "20 days" in manifest["command"], "the fixture's command should hold an argument with a space"
    prefix = "results made by: "
    line = next(line for line in html.unescape(run_report.html).splitlines() if line.startswith(prefix))
    assert shlex.split(line[len(prefix):]) == manifest["command"]


def test_building_a_report_emits_no_deprecation_warnings(run_results: Path, tmp_path: Path) -> None:
    # Matplotlib 3.11 deprecates boxplot(vert=...), which seaborn 0.13's boxplot passes whatever its orient:
    # the report draws its boxes with Matplotlib's orientation= instead
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build_report(run_results, tmp_path / "report", pdf=False)
    deprecated = [w for w in caught
                  if issubclass(w.category, DeprecationWarning | PendingDeprecationWarning | FutureWarning)]
    assert not deprecated, "\n".join(f"{w.category.__name__} {w.filename}:{w.lineno}: {w.message}"
                                     for w in deprecated)


def test_service_ids_are_not_shown_raw(run_report: Report) -> None:
    # small_town's services have no organisation: their identifiers, title-cased, in every table and sentence
    page = Page(run_report.html)
    cells = [cell for table in page.tables for row in table for cell in row]
    text = " ".join(page.text)
    for raw in ("mental_health", "men_shelter", "income_documents", "housing_first"):
        assert not any(raw in cell for cell in cells), raw
        assert raw not in text.split("Reproducibility")[0], raw


def test_methods_say_what_each_regime_does(run_report: Report) -> None:
    page = Page(run_report.html)
    assert page.row("Organic")[0].startswith("The observed mix: bilateral where a tie exists")
    assert page.row("Integrated")[0].startswith("Formally integrated: one coordinated access point")
