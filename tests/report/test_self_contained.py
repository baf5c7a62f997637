"""The HTML stands alone: nothing fetched from a network, figures embedded as PNG data, user text escaped."""

from __future__ import annotations

import base64
import html
import io
import re

import matplotlib.image

from simulator.report import figures
from tests.report._helpers import Page
from tests.report.conftest import HOSTILE_TITLE, Report

#: a URL that leaves the file: a scheme with a network location, or a protocol-relative one
NETWORK = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
PNG_DATA = "data:image/png;base64,"


def test_no_network_urls_in_attributes(report: Report) -> None:
    page = Page(report.html)
    for tag, attrs in page.tags:
        for name in ("src", "href", "srcset", "poster", "data", "action", "background"):
            value = attrs.get(name)
            if value is not None:
                assert not NETWORK.match(value), f"<{tag} {name}={value[:80]!r}> fetches from the network"
    assert not page.all("script"), "the report needs no script"
    assert not page.all("link"), "styles are inline: no <link> to fetch"
    assert not page.all("iframe")


def test_no_network_urls_in_styles(report: Report) -> None:
    page = Page(report.html)
    styles = page.styles + [attrs["style"] or "" for _, attrs in page.tags if "style" in attrs]
    assert page.styles, "the styles should be inline in a <style> block"
    for style in styles:
        assert "@import" not in style, style
        for url in re.findall(r"url\(\s*['\"]?([^'\")]*)", style):
            assert not NETWORK.match(url), f"url({url}) in a style fetches from the network"


def test_every_image_is_an_embedded_png_with_alt_text(report: Report) -> None:
    images = Page(report.html).all("img")
    assert len(images) >= 4, "the report should hold its figures (waits, unmet needs, occupancy, funnel...)"
    for attrs in images:
        src = attrs.get("src") or ""
        alt = (attrs.get("alt") or "").strip()
        assert src.startswith(PNG_DATA), f"<img src={src[:60]!r}> is not an embedded PNG"
        assert len(alt) > 20, f"<img> with src {src[:40]!r}... has no useful alt text: {alt!r}"
        data = base64.b64decode(src[len(PNG_DATA):], validate=True)
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        pixels = matplotlib.image.imread(io.BytesIO(data), format="png")
        assert min(pixels.shape[:2]) > 100, pixels.shape


def test_document_declares_its_encoding_and_language(report: Report) -> None:
    page = Page(report.html)
    assert report.html.startswith("<!DOCTYPE html>")
    assert any((attrs.get("charset") or "").lower() == "utf-8" for attrs in page.all("meta"))
    assert page.all("html")[0].get("lang") == "en"


def test_hostile_title_is_escaped(run_report: Report) -> None:
    document = run_report.html
    escaped = html.escape(HOSTILE_TITLE, quote=True)
    assert f"<h1>{escaped}</h1>" in document
    assert f"<title>{escaped}</title>" in document
    assert "<script" not in document.lower(), "a raw <script> tag came through from the title"
    assert "alert(1)</script>" not in document
    page = Page(document)
    assert page.heading("h1") == [HOSTILE_TITLE], "the title should read, once unescaped, as the user typed it"


def test_figures_print_at_their_own_size(report: Report) -> None:
    # drawn at most figures.WIDTH inches wide (the text width of an A4 page), shown at 96 CSS pixels an inch:
    # the PDF prints them at their own size instead of shrinking a wide figure and its text
    for attrs in Page(report.html).all("img"):
        data = base64.b64decode((attrs.get("src") or "")[len(PNG_DATA):])
        height, width = matplotlib.image.imread(io.BytesIO(data), format="png").shape[:2]
        assert width <= (figures.WIDTH + 0.3) * figures.DPI, f"a figure {width / figures.DPI:.1f} inches wide"
        assert attrs.get("width") == str(round(width * 96 / figures.DPI)), attrs.get("width")
        assert attrs.get("height") == str(round(height * 96 / figures.DPI)), attrs.get("height")


def test_long_tables_may_break_across_pages(report: Report) -> None:
    style = "".join(Page(report.html).styles)
    assert "thead{display:table-header-group}" in style, "the header row should repeat on every page"
    # only tables marked short (class "keep") and figures are kept in one piece
    for rule in re.findall(r"([^{}]+)\{([^{}]*break-inside:avoid[^{}]*)\}", style):
        selector = rule[0].strip().split("}")[-1]
        assert selector in ("tr", "figure", "table.keep", "pre"), selector
