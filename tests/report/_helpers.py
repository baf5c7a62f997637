"""Helpers of the report tests: the CLI in a fresh process, the external tools (Chromium, poppler), HTML parsing.

The report's PDF is printed by headless Chromium and these tests read it with poppler's ``pdftotext``: both
are Debian packages (``chromium``, ``poppler-utils``) that ``.ci/run`` installs. When one is missing the tests
that need it FAIL with a message saying so; they never skip, so a CI image without them cannot pass quietly.
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


def require_tool(command: str, package: str, why: str) -> str:
    """The path of an external tool, or a FAILED test saying which Debian package ``.ci/run`` installs."""
    found = shutil.which(command) or next(
        (p for p in (f"/usr/bin/{command}",) if Path(p).exists() and os.access(p, os.X_OK)), None)
    if found is None:
        pytest.fail(f"{command} is not installed: {why}. It is the Debian package {package!r}, which .ci/run "
                    f"installs (apt-get install {package}); install it to run the report tests.", pytrace=False)
    return found


def chromium() -> str:
    return require_tool("chromium", "chromium", "the report's PDF is printed, and its HTML rendered, by headless "
                                                "Chromium")


def pdftotext() -> str:
    return require_tool("pdftotext", "poppler-utils", "the tests read the report's PDF with pdftotext")


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
