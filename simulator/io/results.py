"""Provenance and atomic writing: the hash of a scenario, package versions, files written atomically, and
output paths checked before anything runs.

The layout of results folders is in :mod:`simulator.io.store`. Each file is written to a temporary name in
the same folder and renamed into place, so a reader never sees a half-written file, and an interrupted run
never corrupts a table already written.

:func:`check_output_file` and :func:`check_output_folder` tell, before a simulation starts, whether an output
can be written where the user asked: the path is not a folder (or a file), no file stands in its chain of
folders, and the nearest folder that exists accepts a new file. Write permission is tested by creating (and
at once removing) a temporary file there, not with :func:`os.access`, which answers yes for a superuser even
where the file system is read-only. The checks create no folder: a refused command leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.config import Scenario


class OutputError(Exception):
    """An output path that cannot be written (a file where a folder is needed, a read-only folder, ...)."""


PACKAGES = ("simulator", "simpy", "numpy", "pandas", "pyarrow", "pydantic", "scipy")


def scenario_json(scenario: Scenario) -> str:
    """The scenario as canonical JSON (sorted keys), the basis of its hash."""
    return json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":"))


def config_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario: equal hashes mean equal models."""
    return hashlib.sha256(scenario_json(scenario).encode("utf-8")).hexdigest()


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are meant to be shared like any file
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_json(data: Any, path: Path) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n",
                                                  encoding="utf-8"))


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def write_bytes(data: bytes, path: Path) -> None:
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def _nearest_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists (as a file or a folder)."""
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path(os.curdir)  # pragma: no cover - the root always exists


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _probe(folder: Path, flag: str, path: Path) -> None:
    """Create and remove a temporary file in ``folder``: whether a file can be written there."""
    try:
        fd, name = tempfile.mkstemp(prefix=".simulator-probe-", dir=folder)
    except OSError as exc:
        where = "" if folder == path else f" (in {folder})"
        raise OutputError(f"{flag} {path}: cannot write there{where}: {_why(exc)}") from None
    os.close(fd)
    os.unlink(name)


def _check_ancestors(path: Path, flag: str) -> None:
    """A path that does not exist yet: its nearest existing ancestor is a folder that accepts files."""
    ancestor = _nearest_existing(path.absolute())
    if not ancestor.is_dir():
        shown = ancestor if path.is_absolute() else Path(os.path.relpath(ancestor))
        raise OutputError(f"{flag} {path}: {shown} is a file, not a folder")
    _probe(ancestor, flag, path)


def check_output_file(path: str | os.PathLike[str], flag: str) -> None:
    """Raise :class:`OutputError` unless a file can be written at ``path`` (it is replaced if it exists).

    ``flag`` names the option in the message (``--csv``). Nothing is created.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{flag} {path}: is a folder; give the name of a file")
    if os.path.lexists(path):
        if not path.is_file():
            raise OutputError(f"{flag} {path}: exists and is not a regular file")
        _probe(path.parent if str(path.parent) else Path(os.curdir), flag, path)  # replaced atomically
        return
    _check_ancestors(path, flag)


def check_output_folder(path: str | os.PathLike[str], flag: str, *, results: bool = False,
                        resume: bool = False) -> None:
    """Raise :class:`OutputError` unless ``path`` is a folder that exists and accepts files, or can be made.

    With ``results`` the folder is a results folder: one that exists, is not empty and has no
    ``manifest.json`` is refused unless ``resume`` (whether a folder with a manifest holds this spec is
    :func:`simulator.io.store.prepare`'s to say). Nothing is created.
    """
    path = Path(path)
    if os.path.lexists(path) and not path.is_dir():
        raise OutputError(f"{flag} {path}: is a file, not a folder")
    if not path.is_dir():
        _check_ancestors(path, flag)
        return
    if results and not resume and not (path / "manifest.json").exists() and any(path.iterdir()):
        raise OutputError(f"{flag} {path}: exists and is not a results folder; choose a new or empty folder")
    _probe(path, flag, path)
