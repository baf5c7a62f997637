"""Where a scenario's numbers come from: the source labels in the comments of its YAML file.

The packaged scenarios label each parameter in a comment: ``[S]`` sourced, ``[D]`` derived from sourced
figures, ``[A]`` assumption (sweep it), ``[C]`` calibrated (written back by ``simulator calibrate --write``).
The resolved scenario stored in a results folder has lost its comments, so the report reads the scenario's
file again (the one named in the command, ``configs/NAME.yaml``, or the files it ``extends``) and keeps, for
every labelled line, the parameter's full path in the file, its value as written and its note. A comment on
the lines just above a key belongs to that key; a comment that opens a block belongs to the block's parent
(it describes the section); a ``# ---- title ----`` line starts a subsection (the kinds of services in
``montreal_centre.yaml``).

Nothing here validates the file: :func:`simulator.config.load_config` does that. This is a reader of comments,
and when it finds no file it says so rather than guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from simulator.report.labels import capitalise

#: a source label: [S], [D], [A], [C], or with a qualifier as in [S 2023] or [S Calgary]
LABEL = re.compile(r"\[(S|D|A|C)(?:\s[^\]]*)?\]")
#: what each label means, in the order a table's legend lists them
LABELS = {"S": "sourced", "D": "derived from sourced figures", "C": "calibrated", "A": "assumption"}
YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
KEY = re.compile(r"^(?P<indent>\s*)(?P<item>-\s+)?(?P<key>[A-Za-z_][\w]*):(?:\s+(?P<rest>.*))?$")
DIVIDER = re.compile(r"^-{3,}\s*(?P<title>.*?)\s*-*$")

#: section titles of the scenario's top-level blocks
SECTIONS = {"population": "Population", "services": "Services", "entry": "Clients who go on their own",
            "referrals": "Referral network", "handoffs": "Handoffs (what each adjustment type does)",
            "regimes": "Regimes", "outputs": "Outputs"}
#: the section of top-level settings (start date, warm-up, winter season)
SETTINGS = "Calendar and run"


@dataclass(frozen=True)
class SourcedParameter:
    """One labelled line of a scenario file: where it sits, its value as written and its note."""

    section: str
    path: str
    value: str
    note: str

    @property
    def label(self) -> str:
        """The parameter's first source label: "S", "D", "C" or "A"."""
        found = LABEL.search(self.note)
        return found.group(1) if found else ""


@dataclass(frozen=True)
class ScenarioSources:
    """The labelled parameters of a scenario's file(s); ``files`` is empty when no file was found."""

    files: tuple[Path, ...] = ()
    parameters: tuple[SourcedParameter, ...] = ()
    header: str = ""
    tried: tuple[str, ...] = field(default=(), compare=False)

    def count(self, label: str) -> int:
        """How many parameters carry ``label`` ("S", "D", "C" or "A") as their first label."""
        return sum(1 for p in self.parameters if p.label == label)

    def years(self) -> tuple[int, int] | None:
        """The first and last years the notes of sourced and derived parameters cite, if any."""
        found = [int(y) for p in self.parameters if p.label in ("S", "D") for y in YEAR.findall(p.note)]
        return (min(found), max(found)) if found else None

    def sections(self) -> list[tuple[str, list[SourcedParameter]]]:
        """The parameters grouped by section, in the order of the file."""
        grouped: dict[str, list[SourcedParameter]] = {}
        for parameter in self.parameters:
            grouped.setdefault(parameter.section, []).append(parameter)
        return list(grouped.items())


def _split_comment(text: str) -> tuple[str, str]:
    """``value  # note`` -> (value, note), ignoring a ``#`` inside quotes."""
    quote = ""
    for i, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or text[i - 1].isspace()):
            return text[:i].rstrip(), text[i + 1:].strip()
    return text.rstrip(), ""


def _depth(text: str) -> int:
    """Brackets a flow value leaves open (a list or mapping written over several lines)."""
    return text.count("[") + text.count("{") - text.count("]") - text.count("}")


def parse(text: str) -> tuple[str, list[SourcedParameter], str | None]:
    """The file's header comment, its labelled parameters, and the file it ``extends`` (if any)."""
    header: list[str] = []
    rows: list[SourcedParameter] = []
    extends: str | None = None
    stack: list[tuple[int, str]] = []  # (indent, key) of the blocks the current line is in
    pending: list[str] = []  # comment lines just above the current line
    subsection = ""
    seen_key = False
    previous_indent = -1
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        stripped = line.strip()
        if not stripped:
            pending = []
            continue
        if stripped.startswith("#"):
            comment = stripped.lstrip("#").strip()
            if not seen_key:
                header.append(comment)
            elif divider := DIVIDER.match(comment):
                subsection = divider.group("title")
                pending = []
            else:
                pending.append(comment)
            continue
        match = KEY.match(line)
        if match is None:  # a list item without a key, or a document marker
            pending = []
            continue
        seen_key = True
        indent = len(match.group("indent")) + len(match.group("item") or "")
        key = match.group("key")
        value, note = _split_comment(match.group("rest") or "")
        notes = [note] if note else []
        while _depth(value) > 0 and i < len(lines):  # a flow value over several lines
            more, more_note = _split_comment(lines[i].strip())
            i += 1
            value = f"{value} {more}"
            notes += [more_note] if more_note else []
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if indent == 0:
            subsection = ""
        path = [k for _, k in stack] + [key]
        if indent == 0 and key == "extends":
            extends = value.strip("'\"")
        section = _section(path, subsection)
        above = ""
        if pending:
            if not value and indent > previous_indent and stack:  # the comment opens the parent's block
                parent = [k for _, k in stack]
                block_note = " ".join(pending)
                if LABEL.search(block_note):
                    rows.append(SourcedParameter(_section(parent, subsection), ".".join(parent), "", block_note))
            else:
                above = " ".join(pending)
            pending = []
        joined = "; ".join(part for part in (" ".join(notes), above) if part)  # one row a key: its line first
        if LABEL.search(joined):
            rows.append(SourcedParameter(section, ".".join(path), value, joined))
        stack.append((indent, key))
        previous_indent = indent
    return " ".join(header), rows, extends


def _section(path: Sequence[str], subsection: str) -> str:
    if len(path) == 1:
        return SECTIONS.get(path[0], SETTINGS)
    title = SECTIONS.get(path[0], capitalise(path[0].replace("_", " ")))
    if path[0] == "services" and subsection:
        return f"{title}: {subsection}"
    return title


def read(path: Path, seen: Iterable[Path] = ()) -> tuple[list[Path], str, list[SourcedParameter]]:
    """The labelled parameters of ``path`` and of the files it extends (a child's line replaces its parent's)."""
    seen = [*seen, path.resolve()]
    header, rows, extends = parse(path.read_text(encoding="utf-8"))
    files = [path]
    if extends:
        parent = (path.parent / extends).resolve()
        if parent.is_file() and parent not in seen:
            parent_files, parent_header, parent_rows = read(parent, seen)
            own = {row.path for row in rows}
            rows = [row for row in parent_rows if row.path not in own] + rows
            files = parent_files + files
            header = header or parent_header
    return files, header, rows


def find(scenario_name: str, command: Sequence[str], spec_base: str | None = None) -> ScenarioSources:
    """The sources of a scenario: from the file the command ran, its sweep's base, or ``configs/NAME.yaml``.

    A sweep spec (a file with a top-level ``base:``) is not a scenario and is passed over.
    """
    root = Path(__file__).resolve().parents[2]
    candidates: list[Path] = [Path(arg) for arg in command if arg.endswith((".yaml", ".yml"))]
    if spec_base and spec_base.endswith((".yaml", ".yml")):
        candidates.append(Path(spec_base))
    for folder in (Path("configs"), root / "configs"):
        candidates += [folder / f"{scenario_name}.yaml", *sorted(folder.glob(f"*/{scenario_name}.yaml"))]
    tried = tuple(dict.fromkeys(str(c) for c in candidates))
    for candidate in candidates:
        if not candidate.is_file():
            continue
        text = candidate.read_text(encoding="utf-8")
        if re.search(r"^base:", text, re.MULTILINE):
            continue
        files, header, rows = read(candidate)
        return ScenarioSources(tuple(files), tuple(rows), header, tried)
    return ScenarioSources(tried=tried)
