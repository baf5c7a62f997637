"""The report's templates: a folder of the user's restyles the page (``report.css``) or changes a part of it (a
``report.html.j2`` extending ``base/report.html.j2``), a broken template is a clear error, and the page stays
one self-contained file.

Each report is built once per module, in this process, from the run's results folder and with the hostile
title (what the user types is escaped in a user's template too). Two builds of the same results differ in the
build time and in one figure's pixels (seaborn draws the unmet-need bars' bootstrap intervals from an unseeded
generator): :func:`masked` hides both.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from simulator.report import ReportError, build_report
from simulator.report.build import STYLE, TEMPLATES, environment
from tests.report import test_self_contained as self_contained
from tests.report._helpers import SECTIONS, Page
from tests.report.conftest import HOSTILE_TITLE, Report

#: a style sheet of the user's: nothing of the packaged one
USER_CSS = "body{font-family:Georgia,serif;color:#000;max-width:48rem}\nh2{color:#7a0019}\n/* board-style-marker */\n"

#: a page that changes one block, the headline: two sentences and a line of its own (with the title, escaped)
HEADLINE_TEMPLATE = """{% extends "base/report.html.j2" %}
{% block headline %}
<h2>Headline</h2>
<p class='board'>For the board ({{ title }}): the first two findings.</p>
<ul class='facts headline'>
{% for sentence in headline[:2] %}
<li>{{ sentence }}</li>
{% endfor %}
</ul>
{% endblock %}
"""

#: a page that keeps the packaged style and adds the rules of a file of its own folder
EXTRA_STYLE_TEMPLATE = """{% extends "base/report.html.j2" %}
{% block style %}{{ super() }}{{ inline("extra.css") }}{% endblock %}
"""
EXTRA_CSS = "h1{color:#005a32}/* extra-style-marker */\n"


def masked(document: str) -> str:
    """The page without what differs between two builds of the same results (the build time, figure pixels)."""
    document = re.sub(r"built: [^<\n]*", "built: -", document)
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]*", "data:image/png;base64,-", document)


def without_style(document: str) -> str:
    return re.sub(r"<style>.*?</style>", "<style></style>", document, count=1, flags=re.DOTALL)


def folder(root: Path, **files: str) -> Path:
    """A template folder holding ``files`` (name with dots written as ``__``: ``report__css``)."""
    root.mkdir(parents=True)
    for name, text in files.items():
        (root / name.replace("__", ".")).write_text(text, encoding="utf-8")
    return root


def built(run_results: Path, out: Path, template_dir: Path | None = None) -> Report:
    build_report(run_results, out, HOSTILE_TITLE, pdf=False, template_dir=template_dir)
    return Report(run_results, out, None, HOSTILE_TITLE, False)


@pytest.fixture(scope="module")
def default(run_results: Path, tmp_path_factory: pytest.TempPathFactory) -> Report:
    return built(run_results, tmp_path_factory.mktemp("default") / "report")


@pytest.fixture(scope="module")
def restyled(run_results: Path, tmp_path_factory: pytest.TempPathFactory) -> Report:
    templates = folder(tmp_path_factory.mktemp("restyled") / "templates", report__css=USER_CSS)
    return built(run_results, templates.parent / "report", templates)


@pytest.fixture(scope="module")
def headline_block(run_results: Path, tmp_path_factory: pytest.TempPathFactory) -> Report:
    templates = folder(tmp_path_factory.mktemp("headline") / "templates", report__html__j2=HEADLINE_TEMPLATE)
    return built(run_results, templates.parent / "report", templates)


@pytest.fixture(scope="module")
def extra_style(run_results: Path, tmp_path_factory: pytest.TempPathFactory) -> Report:
    templates = folder(tmp_path_factory.mktemp("extra") / "templates", report__html__j2=EXTRA_STYLE_TEMPLATE,
                       extra__css=EXTRA_CSS)
    return built(run_results, templates.parent / "report", templates)


def test_templates_are_packaged() -> None:
    assert {p.name for p in TEMPLATES.iterdir()} >= {"report.html.j2", "macros.html.j2", "report.css"}
    assert (TEMPLATES / "report.css").read_text(encoding="utf-8") == STYLE
    # "base/" always names the packaged page, whatever a user's folder holds
    assert Path(environment().get_template("base/report.html.j2").filename or "") == TEMPLATES / "report.html.j2"


def test_the_packaged_style_is_inlined(default: Report) -> None:
    assert [style.strip() for style in Page(default.html).styles] == [STYLE.strip()]


def test_a_users_stylesheet_changes_the_style_and_nothing_else(default: Report, restyled: Report) -> None:
    assert [style.strip() for style in Page(restyled.html).styles] == [USER_CSS.strip()]
    assert "max-width:60rem" not in restyled.html, "the packaged style sheet should be replaced, not added to"
    assert masked(without_style(restyled.html)) == masked(without_style(default.html))


def test_a_users_page_overrides_one_block(default: Report, headline_block: Report) -> None:
    page, document = Page(headline_block.html), headline_block.html
    assert [h for h in page.heading("h2") if h in SECTIONS] == SECTIONS
    # the block as the user wrote it: two sentences, a line of its own, the title escaped there too
    section = document.split("<h2>Headline</h2>", 1)[1].split("<h2", 1)[0]
    expected = default.html.split("<h2>Headline</h2>", 1)[1].split("<h2", 1)[0]
    assert re.findall(r"<li>.*?</li>", section) == re.findall(r"<li>.*?</li>", expected)[:2]
    assert f"<p class='board'>For the board ({html.escape(HOSTILE_TITLE)}): the first two findings.</p>" in section
    assert "<script" not in document.lower()
    assert "Every measure for every regime" not in section, "the packaged block should be replaced"
    # every other block as packaged
    before, after = (masked(d.split("<h2>Headline</h2>", 1)[0]) for d in (document, default.html))
    assert before == after
    rest, packaged = (masked(d.split("<h2>Measures funders track</h2>", 1)[1]) for d in (document, default.html))
    assert rest == packaged


def test_a_users_page_can_add_rules_to_the_packaged_style(extra_style: Report) -> None:
    styles = Page(extra_style.html).styles
    assert len(styles) == 1
    assert styles[0].strip() == (STYLE + EXTRA_CSS).strip()


@pytest.mark.parametrize("name", ["restyled", "headline_block", "extra_style"])
@pytest.mark.parametrize("check", [self_contained.test_no_network_urls_in_attributes,
                                   self_contained.test_no_network_urls_in_styles,
                                   self_contained.test_every_image_is_an_embedded_png_with_alt_text,
                                   self_contained.test_document_declares_its_encoding_and_language,
                                   self_contained.test_figures_print_at_their_own_size],
                         ids=lambda check: check.__name__.removeprefix("test_"))
def test_a_user_templates_page_stays_self_contained(name: str, check: Callable[[Report], None],
                                                   request: pytest.FixtureRequest) -> None:
    assert sorted(p.name for p in request.getfixturevalue(name).out.iterdir()) == ["report.html"]
    check(request.getfixturevalue(name))


def error_of(run_results: Path, tmp_path: Path, **files: str) -> str:
    templates = folder(tmp_path / "templates", **files)
    with pytest.raises(ReportError) as caught:
        build_report(run_results, tmp_path / "report", pdf=False, template_dir=templates)
    assert not (tmp_path / "report" / "report.html").exists()
    return str(caught.value)


def test_a_syntax_error_names_the_file_and_line(run_results: Path, tmp_path: Path) -> None:
    message = error_of(run_results, tmp_path, report__html__j2=(
        '{% extends "base/report.html.j2" %}\n{% block footer %}\n<p>{% if %}</p>\n{% endblock %}\n'))
    assert str(tmp_path / "templates" / "report.html.j2") in message
    assert "line 3" in message
    assert "syntax error" in message


def test_a_syntax_error_in_a_users_macros_names_that_file(run_results: Path, tmp_path: Path) -> None:
    message = error_of(run_results, tmp_path, macros__html__j2="{% macro table(t) %}\n{{ t.caption }\n{% endmacro %}\n")
    assert str(tmp_path / "templates" / "macros.html.j2") in message
    assert "line 2" in message


def test_an_undefined_variable_names_the_file_and_line(run_results: Path, tmp_path: Path) -> None:
    message = error_of(run_results, tmp_path, report__html__j2=(
        '{% extends "base/report.html.j2" %}\n{% block footer %}\n\n<p>{{ no_such_number }}</p>\n{% endblock %}\n'))
    assert str(tmp_path / "templates" / "report.html.j2") in message
    assert "line 4" in message
    assert "no_such_number" in message


def test_extending_a_missing_template_names_it(run_results: Path, tmp_path: Path) -> None:
    message = error_of(run_results, tmp_path, report__html__j2='{% extends "base/no_such_page.html.j2" %}\n')
    assert "base/no_such_page.html.j2" in message
    assert "base/report.html.j2" in message, "the message should say what a user's page can extend"


def test_a_missing_template_folder_is_an_error(run_results: Path, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=re.escape(str(tmp_path / "nowhere"))):
        build_report(run_results, tmp_path / "report", pdf=False, template_dir=tmp_path / "nowhere")
    assert not (tmp_path / "report").exists(), "nothing should be written for a wrong template folder"


def test_a_folder_that_overrides_nothing_is_an_error(run_results: Path, tmp_path: Path) -> None:
    templates = folder(tmp_path / "templates", style__css="h1{color:red}")
    with pytest.raises(ReportError, match=re.escape("holds none of report.html.j2, report.css")):
        build_report(run_results, tmp_path / "report", pdf=False, template_dir=templates)


def test_the_command_line_takes_a_template_folder(run_results: Path, tmp_path: Path) -> None:
    """``simulator report --template-dir DIR`` restyles the page; a folder that does not exist is a clear error."""
    from tests.cli import assert_ok, run_cli

    style = tmp_path / "style"
    style.mkdir()
    (style / "report.css").write_text("body{color:#123456}", encoding="utf-8")
    result = run_cli("report", run_results, "-o", tmp_path / "out", "--no-pdf", "--template-dir", style)
    assert_ok(result)
    assert "body{color:#123456}" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    missing = run_cli("report", run_results, "-o", tmp_path / "out2", "--no-pdf", "--template-dir",
                      tmp_path / "nowhere")
    assert missing.returncode == 2
    assert "no such template folder" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert not (tmp_path / "out2" / "report.html").exists()
