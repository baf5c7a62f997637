"""The PDF opens (poppler reads it) and holds the report's sections and headline sentences."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from simulator import results
from simulator.report import headline_facts
from simulator.report.build import STYLE, print_pdf
from tests.report._helpers import PDF_SECTIONS, chromium, pdf_text, require_tool, squash
from tests.report.conftest import HOSTILE_TITLE, Report


@pytest.fixture(scope="module")
def text(report: Report) -> str:
    return pdf_text(report.pdf_path)


def test_pdf_has_the_sections(text: str) -> None:
    for section in PDF_SECTIONS:
        assert section in text, f"{section!r} is not in the PDF text:\n{text[:3000]}"


def test_pdf_sections_come_in_order(text: str) -> None:
    lines = [line.strip() for line in text.splitlines()]
    positions = [lines.index(section) for section in PDF_SECTIONS]
    assert positions == sorted(positions), dict(zip(PDF_SECTIONS, positions, strict=True))


def test_pdf_says_every_headline_fact(text: str, opened: results.Results) -> None:
    flat = squash(text)
    for fact in headline_facts(opened):
        assert squash(fact.text) in flat, fact.text


def test_pdf_title_is_the_users(run_report: Report) -> None:
    first_lines = squash(pdf_text(run_report.pdf_path))[:200]
    assert first_lines.startswith(squash(HOSTILE_TITLE)), first_lines


def test_pdf_pages(report: Report) -> None:
    pdfinfo = require_tool("pdfinfo", "poppler-utils", "the tests count the PDF's pages with pdfinfo")
    info = subprocess.run([pdfinfo, str(report.pdf_path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert info.returncode == 0, info.stderr
    pages = int(next(line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages:")))
    assert 2 <= pages <= 20, info.stdout


def test_long_table_breaks_across_pages_and_repeats_its_header(tmp_path: Path) -> None:
    # the report's own style and printer: a paragraph, then a table longer than a page
    chromium()
    rows = "".join(f"<tr><th scope='row'>row-{i:03d}</th><td>{i}</td></tr>" for i in range(120))
    page = tmp_path / "long.html"
    page.write_text(f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><style>{STYLE}</style></head>"
                    "<body><h2>Before</h2><p>intro-marker</p><table><thead><tr><th>header-marker</th><th>value</th>"
                    f"</tr></thead><tbody>{rows}</tbody></table></body></html>", encoding="utf-8")
    print_pdf(page, tmp_path / "long.pdf")
    pages = pdf_text(tmp_path / "long.pdf").split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 2, pages
    assert "intro-marker" in pages[0]
    assert "row-000" in pages[0], "the table was pushed to the next page instead of starting under its paragraph"
    for text in pages:
        assert "header-marker" in text, "the header row is not repeated on every page"
    assert all(f"row-{i:03d}" in "".join(pages) for i in range(120))
