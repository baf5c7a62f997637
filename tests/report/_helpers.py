"""Helpers of the report tests: the CLI in a fresh process, the external tools (Chromium, poppler), HTML parsing.

The report's PDF is printed by headless Chromium and these tests read it with poppler's ``pdftotext``: both
are Debian packages (``chromium``, ``poppler-utils``) that ``.ci/run`` installs. When one is missing, the tests
that need it are SKIPPED with a one-line reason saying how to install it, so that ``pytest`` passes on a fresh
machine; the report fixtures then build the HTML only (``--no-pdf``) and every test of the HTML still runs.
Under CI (the environment variable ``CI`` set to a true value, as ``.ci/run`` is run) a missing tool FAILS the
test instead, so a CI image without them cannot pass quietly.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests import cli
from tests.cli import Result, assert_ok  # noqa: F401  (re-exported for the report tests)

ROOT = Path(__file__).resolve().parents[2]
SMALL_TOWN = ROOT / "configs" / "small_town.yaml"

#: the sections every report has, in order (h2 headings)
SECTIONS = ["Headline", "Measures funders track", "For whom", "Figures", "All measures, sentence by sentence",
            "Methods and assumptions"]
#: what the PDF text must hold (h2 and h3 headings)
PDF_SECTIONS = ["Headline", "Measures funders track", "Methods and assumptions", "Reproducibility"]

#: the flags the product prints with, plus logging to standard error (console messages land there)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--v=0"]


def run_cli(*args: str | Path, timeout: float = 300) -> Result:
    """``python -m simulator ARGS`` in a fresh process, from the repository root (a report takes longer)."""
    return cli.run_cli(*args, timeout=timeout)


#: what installs every external tool of the report tests (Debian packages)
INSTALL = "apt-get install chromium poppler-utils fonts-dejavu-core"


def in_ci() -> bool:
    """Whether the tests run under CI: the environment variable ``CI`` set to a true value."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes", "on")


def find_tool(command: str) -> str | None:
    """The path of an external tool on PATH, or None (the same lookup as the product's)."""
    return shutil.which(command)


def require_tool(command: str, package: str, why: str) -> str:
    """The path of an external tool; without it the test is SKIPPED, or FAILS under CI (``CI=true``)."""
    found = find_tool(command)
    if found is None:
        if in_ci():
            pytest.fail(f"{command} is not installed ({why}); CI needs the Debian package {package!r}, which "
                        f".ci/run installs ({INSTALL})", pytrace=False)
        pytest.skip(f"{command} is not installed ({why}); install it with: {INSTALL}")
    return found


def chromium() -> str:
    return require_tool("chromium", "chromium", "headless Chromium prints the report's PDF and renders its HTML")


def pdftotext() -> str:
    return require_tool("pdftotext", "poppler-utils", "the tests read the report's PDF with poppler's pdftotext")


@dataclass
class Browser:
    returncode: int
    stdout: str
    stderr: str

    def console_lines(self) -> list[str]:
        """Lines of Chromium's log that come from the page: console messages and uncaught exceptions."""
        return [line for line in self.stderr.splitlines()
                if ":CONSOLE" in line or "Uncaught" in line or "ERROR:CONSOLE" in line]

    def describe(self) -> str:
        return f"exit {self.returncode}\n--- stdout (first 2000)\n{self.stdout[:2000]}\n--- stderr\n{self.stderr}"


def headless(page: Path, profile: Path, *extra: str, timeout: float = 120) -> Browser:
    """Open ``page`` in a real headless Chromium with its own profile folder and capture what it says."""
    profile.mkdir(parents=True, exist_ok=True)
    command = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    return Browser(done.returncode, done.stdout, done.stderr)


def pdf_text(pdf: Path) -> str:
    done = subprocess.run([pdftotext(), "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, f"pdftotext could not read {pdf}: {done.stderr}"
    return done.stdout


def squash(text: str) -> str:
    """Whitespace folded to single spaces (line breaks of the page layout do not matter)."""
    return re.sub(r"\s+", " ", text).strip()


class Page(HTMLParser):
    """Every start tag with its attributes, the text of headings, the cells of tables, the <style> blocks."""

    def __init__(self, document: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[tuple[str, str]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self.tables: list[list[list[str]]] = []
        self._open: str | None = None
        self._cell: list[str] | None = None
        self.feed(document)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = []
        if tag in ("h1", "h2", "h3", "style", "title"):
            self._open = tag
            self._buffer: list[str] = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join(piece.strip() for piece in self._cell if piece.strip()))
            self._cell = None
        if tag == self._open:
            content = "".join(self._buffer)
            if tag == "style":
                self.styles.append(content)
            else:
                self.headings.append((tag, content))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._buffer.append(data)
        if self._cell is not None:
            self._cell.append(data)
        self.text.append(data)

    def row(self, label: str) -> list[str]:
        """The cells of the table row whose first cell is ``label`` (the first such row of the page)."""
        for table in self.tables:
            for cells in table:
                if cells and cells[0] == label:
                    return cells[1:]
        raise AssertionError(f"no table row {label!r}")

    def heading(self, tag: str) -> list[str]:
        return [text for t, text in self.headings if t == tag]

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]
