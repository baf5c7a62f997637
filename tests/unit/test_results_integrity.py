"""Results folders guard their contents: each table file's size, SHA-256 and rows are recorded when it is
written, and ``summarize``, ``report`` and :func:`simulator.results.open` refuse a file that was changed,
truncated, emptied, or that does not belong to its path, naming it and how to repair the folder.

One small run (two regimes, two replications, ten days) is written once; each case damages a copy and
summarises it in this process (:func:`simulator.cli.main`, the code a user runs, after the imports).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from simulator import cli, results
from simulator.io import store
from simulator.io.store import ResultsError
from tests.cli import ROOT, Result, assert_clean_user_error, assert_ok, run_cli

RUN = ["run", str(ROOT / "configs" / "small_town.yaml"), "-n", "2", "--horizon", "10 days", "--warmup", "0 days",
       "--regime", "organic", "--regime", "integrated", "-w", "1", "-q"]
TASK = "point=00000/regime=organic/r00001-00001"
OTHER = "point=00000/regime=integrated/r00001-00001"
TABLES = ("metrics", "nights", "census")


def table_file(root: Path, table: str, key: str = TASK) -> Path:
    return root / "tables" / table / f"{key}.parquet"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("integrity") / "run"
    assert_ok(run_cli(*RUN, "--out", out))
    return out


@pytest.fixture
def copy(written: Path, tmp_path: Path) -> Path:
    target = tmp_path / "results"
    shutil.copytree(written, target)
    return target


def summarize(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> Result:
    args = ["summarize", str(root), *extra]
    capsys.readouterr()
    code = cli.main(args)  # an exception escaping here is the traceback a user would see
    out, err = capsys.readouterr()
    return Result(args, code, out, err)


def refused(result: Result, *names: str) -> str:
    assert_clean_user_error(result)
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.describe()
    for name in names:
        assert name in lines[0], f"the message does not name {name!r}:\n{result.describe()}"
    return lines[0]


# --- what is recorded -----------------------------------------------------------------------------------------


def test_every_table_file_is_recorded_as_written(written: Path) -> None:
    manifest = json.loads((written / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["layout"] == 2
    assert manifest["checksums"] == "per-task"
    for key in manifest["tasks"]:
        record = json.loads((written / "checksums" / f"{key}.json").read_text(encoding="utf-8"))
        assert record["task"] == key
        assert sorted(record["tables"]) == sorted(TABLES)
        for name, entry in record["tables"].items():
            path = table_file(written, name, key)
            assert entry["path"] == path.relative_to(written).as_posix()
            assert entry["bytes"] == path.stat().st_size
            assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
            assert entry["rows"] == pq.read_metadata(path).num_rows > 0


def test_the_record_is_written_before_the_metrics_file_that_marks_the_task_done(
        written: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run killed at any moment leaves every task marked done with the record of exactly its files."""
    frames = {name: pd.read_parquet(table_file(written, name)) for name in TABLES}
    root = tmp_path / "results"
    order: list[str] = []
    for name in ("write_bytes", "write_json"):
        real = getattr(store, name)

        def spy(data: object, path: Path, real: Callable[[object, Path], None] = real) -> None:
            order.append(path.relative_to(root).as_posix())
            real(data, path)

        monkeypatch.setattr(store, name, spy)
    store.write_task(root, store.task_of(TASK), frames)
    assert order == [f"tables/nights/{TASK}.parquet", f"tables/census/{TASK}.parquet", f"checksums/{TASK}.json",
                     f"tables/metrics/{TASK}.parquet"]
    record = json.loads((root / "checksums" / f"{TASK}.json").read_text(encoding="utf-8"))
    for name in TABLES:
        assert record["tables"][name]["sha256"] == hashlib.sha256(table_file(root, name).read_bytes()).hexdigest()


def test_an_intact_folder_opens(written: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert_ok(summarize(written, capsys))
    assert_ok(summarize(written, capsys, "--no-verify"))
    assert len(results.open(written).metrics) == len(results.open(written, verify=False).metrics)


# --- files that do not belong ---------------------------------------------------------------------------------


def swap(a: Path, b: Path) -> None:
    data = a.read_bytes()
    a.write_bytes(b.read_bytes())
    b.write_bytes(data)


SWAPS: dict[str, tuple[str, str]] = {
    "replications": (TASK, "point=00000/regime=organic/r00000-00000"),
    "regimes": (TASK, OTHER),
}


@pytest.mark.parametrize("verify", [True, False], ids=["verify", "no-verify"])
@pytest.mark.parametrize("what", list(SWAPS))
def test_swapped_task_files_are_refused(copy: Path, capsys: pytest.CaptureFixture[str], what: str,
                                        verify: bool) -> None:
    first, second = SWAPS[what]
    swap(table_file(copy, "metrics", first), table_file(copy, "metrics", second))
    line = refused(summarize(copy, capsys, *([] if verify else ["--no-verify"])), "tables/metrics/", "--resume")
    assert first in line or second in line
    if not verify:
        assert "does not belong here" in line


def test_each_table_is_checked_when_read(copy: Path) -> None:
    path = table_file(copy, "nights")
    frame = pd.read_parquet(path)
    frame.loc[frame.index[0], "capacity"] = frame["capacity"].iloc[0] + 1
    frame.to_parquet(path, index=False)
    opened = results.open(copy)
    assert len(opened.metrics)  # its own files are intact
    with pytest.raises(ResultsError, match=f"tables/nights/{TASK}.parquet: is not the file that was written"):
        _ = opened.nights
    assert len(results.open(copy, verify=False).nights)


def test_a_file_from_another_folder_is_refused(copy: Path, written: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Another run of the same scenario (another seed): the file's rows name the right task, its bytes differ."""
    other = tmp_path / "other"
    assert_ok(run_cli(*RUN, "--seed", "99", "--out", other))
    shutil.copyfile(table_file(other, "nights"), table_file(copy, "nights"))
    refused(summarize(copy, capsys), f"tables/nights/{TASK}.parquet", "changed or replaced", "--resume")


def test_tampered_but_valid_parquet_is_refused(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = table_file(copy, "metrics")
    frame = pd.read_parquet(path)
    frame.loc[frame.index[0], "value"] = frame["value"].iloc[0] + 1.0
    frame.to_parquet(path, index=False)
    refused(summarize(copy, capsys), f"tables/metrics/{TASK}.parquet", "changed or replaced", f"checksums/{TASK}.json",
            "--resume")
    opened = results.open(copy)  # opening checks what is cheap; a table is checked when first read
    with pytest.raises(ResultsError, match="changed or replaced"):
        _ = opened.metrics
    with pytest.raises(ResultsError, match="changed or replaced"):
        results.open(copy).verify()
    assert len(results.open(copy, verify=False).metrics)
    # --no-verify reads no checksum: the changed value goes through, as asked
    assert_ok(summarize(copy, capsys, "--no-verify"))


@pytest.mark.parametrize("verify", [True, False], ids=["verify", "no-verify"])
def test_empty_nights_file_is_refused(copy: Path, capsys: pytest.CaptureFixture[str], verify: bool) -> None:
    table_file(copy, "nights").write_bytes(b"")
    refused(summarize(copy, capsys, *([] if verify else ["--no-verify"])), f"tables/nights/{TASK}.parquet",
            "empty", "--resume")


@pytest.mark.parametrize("table", TABLES)
def test_truncated_file_is_refused(copy: Path, capsys: pytest.CaptureFixture[str], table: str) -> None:
    path = table_file(copy, table)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    refused(summarize(copy, capsys), f"tables/{table}/{TASK}.parquet", "cannot be read", "--resume")


def test_missing_record_of_a_finished_task_is_refused(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (copy / "checksums" / f"{TASK}.json").unlink()
    refused(summarize(copy, capsys), f"checksums/{TASK}.json", "missing", "--resume")
    assert_ok(summarize(copy, capsys, "--no-verify"))


def test_the_repair_the_message_gives_works(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table_file(copy, "census").write_bytes(b"")
    refused(summarize(copy, capsys), "--resume")
    for table in TABLES:
        table_file(copy, table).unlink()
    (copy / "checksums" / f"{TASK}.json").unlink()
    assert_ok(run_cli(*RUN, "--out", copy, "--resume"))
    assert_ok(summarize(copy, capsys))


# --- folders of older versions --------------------------------------------------------------------------------


def old_style(root: Path) -> None:
    """The folder as versions before the records wrote it: layout 1, no checksums."""
    shutil.rmtree(root / "checksums")
    manifest_path = root / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest.pop("checksums")
    manifest["layout"] = 1
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def test_an_old_style_folder_still_opens(copy: Path, written: Path, capsys: pytest.CaptureFixture[str],
                                         caplog: pytest.LogCaptureFixture) -> None:
    old_style(copy)
    with caplog.at_level(logging.WARNING, logger="simulator.results"):
        opened = results.open(copy)
    assert "no checksum record" in caplog.text
    assert "sizes and row counts only" in caplog.text
    pd.testing.assert_frame_equal(opened.metrics, results.open(written).metrics)
    assert_ok(summarize(copy, capsys))


CHECKED_WITHOUT_RECORDS: dict[str, tuple[Callable[[Path], None], str]] = {
    "empty": (lambda path: path.write_bytes(b""), "empty"),
    "truncated": (lambda path: path.write_bytes(path.read_bytes()[:100]), "cannot be read"),
}


@pytest.mark.parametrize("damage", list(CHECKED_WITHOUT_RECORDS))
def test_an_old_style_folder_is_still_checked(copy: Path, capsys: pytest.CaptureFixture[str], damage: str) -> None:
    old_style(copy)
    harm, words = CHECKED_WITHOUT_RECORDS[damage]
    harm(table_file(copy, "nights"))
    refused(summarize(copy, capsys), f"tables/nights/{TASK}.parquet", words)
