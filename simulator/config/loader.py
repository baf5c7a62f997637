"""Reading scenario files: safe YAML, ``extends:``, and errors that name file, line and field.

YAML is composed with PyYAML's safe loader (no object construction) and a YAML 1.2-like resolver, so that
``17:00`` stays a time and ``no`` stays a word. While building plain data the loader records where every
value came from (file, line, column); when pydantic or the cross-checks report a problem at a field path,
that path is mapped back to its place in the file the user wrote, including through ``extends:`` chains.

Every problem is collected and reported together, as ``FILE:LINE:COL: field.path: message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from simulator.config.checks import cross_check
from simulator.config.paths import PathKey as PathKey
from simulator.config.paths import dotted as dotted
from simulator.config.resources import StaffingError, staffing
from simulator.config.schema import Scenario, with_regime


@dataclass(frozen=True)
class Mark:
    file: str
    line: int
    column: int


@dataclass(frozen=True)
class Problem:
    """One problem of a config, located in its file."""

    mark: Mark
    field: str
    message: str

    def __str__(self) -> str:
        where = self.mark.file if self.mark.line == 0 else f"{self.mark.file}:{self.mark.line}:{self.mark.column}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ConfigError(Exception):
    """A config could not be read or is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Loader(yaml.SafeLoader):
    """Safe loader with YAML 1.2 booleans and no sexagesimal numbers."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:bool",
                                                            "tag:yaml.org,2002:int",
                                                            "tag:yaml.org,2002:float")]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_yaml(path: Path) -> tuple[Any, dict[PathKey, Mark]]:
    """Read one YAML file into plain data and the mark of every value (and of every mapping key).

    Raises
    ------
    ConfigError
        If the file is missing, is not valid YAML, or repeats a key.
    """
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem(Mark(shown, 1, 1), "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(Mark(shown, 1, 1), "", f"cannot read file: {exc}")]) from None
    loader = _Loader(text)
    marks: dict[PathKey, Mark] = {}
    problems: list[Problem] = []
    try:
        node = loader.get_single_node()

        sizes: dict[int, int] = {}

        def expanded_size(node: yaml.Node) -> int:
            """Values the node stands for once aliases are expanded (memoised: aliases share nodes)."""
            known = sizes.get(id(node))
            if known is not None:
                return known
            sizes[id(node)] = 1  # a recursive alias counts once; the constructor refuses recursion anyway
            if isinstance(node, yaml.MappingNode):
                size = 1 + sum(expanded_size(k) + expanded_size(v) for k, v in node.value)
            elif isinstance(node, yaml.SequenceNode):
                size = 1 + sum(expanded_size(item) for item in node.value)
            else:
                size = 1
            sizes[id(node)] = size
            return size

        built: dict[int, Any] = {}

        def build(node: yaml.Node, key: PathKey) -> Any:
            mark = Mark(shown, node.start_mark.line + 1, node.start_mark.column + 1)
            marks.setdefault(key, mark)
            if id(node) in built:
                return built[id(node)]  # an alias: the same value again (nothing downstream mutates it)
            built[id(node)] = value = _build(node, key, mark)
            return value

        def _build(node: yaml.Node, key: PathKey, mark: Mark) -> Any:
            if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _PLAIN_TAGS:
                # safe loading: a tag asking for an object (e.g. !!python/object) is refused, not ignored
                raise ConfigError([Problem(mark, dotted(key), f"tag {node.tag!r} is not allowed in a config")])
            if isinstance(node, yaml.MappingNode):
                own = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
                loader.flatten_mapping(node)
                # after flattening, merged pairs ('<<: *anchor') come first and the mapping's own pairs last:
                # own keys override merged ones; only an own key written twice is a duplicate
                first_own = len(node.value) - own
                out: dict[Any, Any] = {}
                own_names: set[Any] = set()
                for index, (key_node, value_node) in enumerate(node.value):
                    name = construct(key_node, key)
                    if not isinstance(name, str | int):
                        name = str(name)
                    child = (*key, name)
                    key_mark = Mark(shown, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                    if index >= first_own:
                        if name in own_names:
                            problems.append(Problem(key_mark, dotted(child), "key appears twice"))
                        own_names.add(name)
                    marks[child] = key_mark
                    out[name] = build(value_node, child)
                return out
            if isinstance(node, yaml.SequenceNode):
                return [build(item, (*key, i)) for i, item in enumerate(node.value)]
            return construct(node, key)

        def construct(node: yaml.Node, key: PathKey) -> Any:
            """A scalar's value; one the YAML constructor cannot build (2022-02-30) is a located problem."""
            try:
                return loader.construct_object(node, deep=True)
            except yaml.YAMLError:
                raise
            except _CONSTRUCTOR_ERRORS as exc:
                mark = Mark(shown, node.start_mark.line + 1, node.start_mark.column + 1)
                problems.append(Problem(mark, dotted(key), _unreadable(node, exc)))
                return None

        if node is not None and expanded_size(node) > MAX_VALUES:
            raise ConfigError([Problem(Mark(shown, 1, 1), "", f"the file expands to more than {MAX_VALUES:,} "
                                       "values through its aliases; a config is never that large")])
        data = build(node, ()) if node is not None else None
    except RecursionError:
        raise ConfigError([Problem(Mark(shown, 1, 1), "", "the file nests lists or mappings too deeply; "
                                   "a config is never that deep")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ConfigError([Problem(Mark(shown, line, col), "", f"invalid YAML: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(Mark(shown, 1, 1), "", f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    if problems:
        raise ConfigError(problems)
    return data, marks


MAX_VALUES = 100_000
_CONSTRUCTOR_ERRORS = (ValueError, OverflowError, TypeError, AttributeError, IndexError, KeyError)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def _unreadable(node: yaml.Node, exc: Exception) -> str:
    """Why a scalar could not be read, naming what was written (shortened if it is very long)."""
    text = str(node.value)
    shown = repr(text if len(text) <= 40 else f"{text[:20]}...{text[-10:]}")
    reason = str(exc).split(";")[0] if isinstance(exc, ValueError | OverflowError) else ""
    reason = f" ({reason})" if reason else ""
    if node.tag == _TIMESTAMP:
        return f"not a real date: {shown}{reason}"
    if node.tag == "tag:yaml.org,2002:int":
        return f"cannot read the whole number {shown}{reason}"
    if node.tag == "tag:yaml.org,2002:float":
        return f"cannot read the number {shown}{reason}"
    return f"cannot read {shown} as {node.tag.rsplit(':', 1)[-1]}{reason}"
_PLAIN_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap"})


def split_path(path: str) -> PathKey:
    """A dotted path as written in specs (``referrals.0.tie``) as a path key (``("referrals", 0, "tie")``)."""
    return tuple(int(part) if part.isdigit() else part for part in path.split("."))




def _merge(base: Any, over: Any) -> Any:
    """Deep-merge ``over`` onto ``base``: mappings merge key by key, anything else is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for name, value in over.items():
            out[name] = _merge(base[name], value) if name in base else value
        return out
    return over


def _replaced_paths(base: Any, over: Any, key: PathKey) -> list[PathKey]:
    """Paths where ``over`` replaces ``base`` instead of merging into it."""
    if isinstance(base, dict) and isinstance(over, dict):
        out: list[PathKey] = []
        for name, value in over.items():
            if name in base:
                out.extend(_replaced_paths(base[name], value, (*key, name)))
        return out
    return [key]


def load_data(path: Path, _seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], dict[PathKey, Mark]]:
    """Read a config file and the files it ``extends``, merged, with the mark of every value."""
    path = Path(path)
    data, marks = read_yaml(path)
    shown = display_path(path)
    if not isinstance(data, dict):
        raise ConfigError([Problem(Mark(shown, 1, 1), "", "a config must be a mapping of fields")])
    parent = data.pop("extends", None)
    if parent is None:
        return data, marks
    where = marks.get(("extends",), Mark(shown, 1, 1))
    if not isinstance(parent, str):
        raise ConfigError([Problem(where, "extends", "must be the path of another config file")])
    parent_path = (path.parent / parent).resolve()
    if parent_path in _seen or parent_path == path.resolve():
        raise ConfigError([Problem(where, "extends", f"{parent!r} extends itself in a cycle")])
    if not parent_path.exists():
        raise ConfigError([Problem(where, "extends", f"file {parent!r} not found")])
    base, base_marks = load_data(parent_path, (*_seen, path.resolve()))
    # the extending file wins for every path it writes; the rest points into the base file, except below a
    # value the extending file replaced whole (a list, a scalar): those base marks no longer describe the data
    replaced = _replaced_paths(base, data, ())
    kept = {key: mark for key, mark in base_marks.items()
            if not any(key[: len(path)] == path for path in replaced)}
    return _merge(base, data), {**kept, **marks}


_UNION_TAGS = frozenset({"clinic", "shelter", "outreach", "housing", "access_point", "fixed", "exponential",
                         "lognormal", "gamma", "uniform", "triangular"})
_PYDANTIC_PREFIXES = ("function-", "tagged-union", "literal[", "dict[", "list[", "str", "int", "float", "bool")
_PYDANTIC_TYPES = frozenset({"str", "int", "float", "bool", "date", "none"})


def _locate(loc: tuple[Any, ...], data: Any) -> PathKey:
    """Map a pydantic error location onto the data: drop union tags and validator names that are not keys."""
    out: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            out.append(part)
            node = node[part]
            continue
        if part == "[key]":  # the error is in a mapping's key itself: point at the key
            continue
        is_tag = isinstance(part, str) and (part in _UNION_TAGS or part.startswith(_PYDANTIC_PREFIXES))
        # a branch of a union (``str``, ``list[str]``) at the end of a location, where the data is a scalar or
        # a list, names no key: the problem is the value itself (``from: 5``)
        is_branch = isinstance(part, str) and not isinstance(node, dict) and (
            part in _PYDANTIC_TYPES or part.startswith(_PYDANTIC_PREFIXES[:5]))
        if (is_tag and (index < len(loc) - 1 or isinstance(node, dict))) or is_branch:
            continue
        out.append(part)  # a missing or unknown key: name it
        node = None
    return tuple(out)


def mark_for(path: PathKey, marks: dict[PathKey, Mark], default: Mark) -> Mark:
    for end in range(len(path), -1, -1):
        if path[:end] in marks:
            return marks[path[:end]]
    return default


def _clean(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


def validation_problems(exc: ValidationError, data: Any, marks: dict[PathKey, Mark],
                        default: Mark) -> list[Problem]:
    """pydantic's errors as located problems, in the words a config author understands.

    A value that fits none of the shapes a field allows (``from: 5`` is neither a name nor a list of names) is
    one problem, whose message lists what each shape wanted.
    """
    by_path: dict[PathKey, list[str]] = {}
    for err in exc.errors(include_url=False):
        path = _locate(tuple(err["loc"]), data)
        message = _clean(err["msg"])
        if err["type"] == "extra_forbidden":
            message = "unknown field (check the spelling)"
        elif err["type"] == "missing":
            message = "required field is missing"
        elif err["type"] == "finite_number":
            message = "must be a finite number (not NaN; a number too large to read, such as 1e400, is infinite)"
        messages = by_path.setdefault(path, [])
        if message not in messages:
            messages.append(message)
    return [Problem(mark_for(path, marks, default), dotted(path), "; or ".join(messages))
            for path, messages in by_path.items()]


def staffing_problems(scenario: Scenario) -> list[tuple[PathKey, str]]:
    """With ``resources.equal``: a regime the rule cannot re-staff (see :mod:`simulator.config.resources`)."""
    if not scenario.resources.equal:
        return []
    found: list[tuple[PathKey, str]] = []
    for name, regime in scenario.all_regimes().items():
        if regime.assignment == "integrated" and scenario.handoffs.integrated is not None:
            try:
                staffing(with_regime(scenario, name))
            except StaffingError as exc:
                found.append((("resources", "rule"), f"regime {name!r}: {exc}"))
                break
    return found


def validate_data(data: dict[str, Any], marks: dict[PathKey, Mark], source: str) -> Scenario:
    """Validate merged config data; raise :class:`ConfigError` listing every problem."""
    default = Mark(source, 1, 1)
    problems: list[Problem] = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems.extend(validation_problems(exc, data, marks, default))
    for path, message in cross_check(data):
        problems.append(Problem(mark_for(path, marks, default), dotted(path), message))
    if scenario is not None and not problems:
        for path, message in staffing_problems(scenario):
            problems.append(Problem(mark_for(path, marks, default), dotted(path), message))
    if problems:
        unique = list(dict.fromkeys(problems))
        unique.sort(key=lambda p: (p.mark.file, p.mark.line, p.mark.column))
        raise ConfigError(unique)
    assert scenario is not None
    return scenario


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, merge (``extends:``) and validate a scenario file.

    Parameters
    ----------
    path
        A YAML scenario file.
    overrides
        Optional top-level fields to set after reading (e.g. ``{"horizon": "30 days"}``); they are validated
        like the file's own fields.

    Raises
    ------
    ConfigError
        Listing every problem found, each with its file, line, column and field.
    """
    path = Path(path)
    data, marks = load_data(path)
    if overrides:
        data = {**data, **overrides}
        # a problem in an override points at the command line, not at the file's line it replaced
        marks = {key: mark for key, mark in marks.items() if not key or key[0] not in overrides}
        marks.update({(name,): Mark("command line", 0, 0) for name in overrides})
    return validate_data(data, marks, display_path(path))
