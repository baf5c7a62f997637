"""A real headless Chromium renders the report: a page that is not blank, no console errors, every section.

The report holds no script, so any console message at all is a fault. ``test_harness_sees_console_errors``
checks, on a deliberately broken page, that the log lines these tests look for do appear when something is
wrong: otherwise a Chromium that logs differently would make the other tests pass vacuously.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from tests.report._helpers import SECTIONS, Browser, headless
from tests.report.conftest import HOSTILE_TITLE, Report


@pytest.fixture(scope="module")
def shot(run_report: Report, tmp_path_factory: pytest.TempPathFactory) -> tuple[Browser, Path]:
    folder = tmp_path_factory.mktemp("shot")
    png = folder / "shot.png"
    browser = headless(run_report.html_path, folder / "profile", f"--screenshot={png}", "--window-size=1200,2000")
    assert browser.returncode == 0, browser.describe()
    assert png.is_file(), f"Chromium wrote no screenshot\n{browser.describe()}"
    return browser, png


def _dump_dom(report: Report, tmp_path_factory: pytest.TempPathFactory) -> Browser:
    browser = headless(report.html_path, tmp_path_factory.mktemp("dom"), "--dump-dom")
    assert browser.returncode == 0, browser.describe()
    return browser


@pytest.fixture(scope="module")
def run_dom(run_report: Report, tmp_path_factory: pytest.TempPathFactory) -> Browser:
    return _dump_dom(run_report, tmp_path_factory)


@pytest.fixture(scope="module")
def sweep_dom(sweep_report: Report, tmp_path_factory: pytest.TempPathFactory) -> Browser:
    return _dump_dom(sweep_report, tmp_path_factory)


@pytest.fixture(scope="module", params=["run", "sweep"])
def dom(request: pytest.FixtureRequest) -> Browser:
    """The DOM of each report as Chromium built it (``--dump-dom``), with Chromium's log."""
    browser: Browser = request.getfixturevalue(f"{request.param}_dom")
    return browser


def test_screenshot_is_not_blank(shot: tuple[Browser, Path]) -> None:
    pixels = matplotlib.image.imread(shot[1])[..., :3]
    assert pixels.shape[:2] == (2000, 1200), pixels.shape
    colours = np.unique((pixels * 255).round().astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 50, f"only {len(colours)} colours: the page looks blank"
    ink = (pixels < 0.9).any(axis=2).mean()
    assert ink > 0.03, f"only {ink:.1%} of the screenshot is not white"
    # text on the left, tables reaching across: ink in the left and right halves of the upper page
    upper = np.asarray((pixels[:1000] < 0.9).any(axis=2), dtype=bool)
    assert upper[:, :600].mean() > 0.01
    assert upper[:, 600:].mean() > 0.005


def test_no_console_errors_while_rendering(shot: tuple[Browser, Path], dom: Browser) -> None:
    for browser in (shot[0], dom):
        assert not browser.console_lines(), "\n".join(browser.console_lines())


def test_dom_has_every_section(dom: Browser) -> None:
    for section in SECTIONS:
        assert re.search(f"<h2( [^>]*)?>{re.escape(section)}</h2>", dom.stdout), section
    assert "<h3>Reproducibility</h3>" in dom.stdout
    assert dom.stdout.count("<img ") >= 4


def test_dom_keeps_the_hostile_title_as_text(run_dom: Browser) -> None:
    assert HOSTILE_TITLE.startswith("<script>alert(1)</script> &")
    assert "<script" not in run_dom.stdout.lower(), "the title became a script element"
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in run_dom.stdout


def test_harness_sees_console_errors(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><h2>Headline</h2><script>console.error('console-marker');"
                    "throw new Error('uncaught-marker');</script></body></html>", encoding="utf-8")
    browser = headless(page, tmp_path / "profile", "--dump-dom")
    lines = "\n".join(browser.console_lines())
    assert "console-marker" in lines, browser.describe()
    assert "uncaught-marker" in lines, browser.describe()
