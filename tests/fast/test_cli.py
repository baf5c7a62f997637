"""``simulator run --engine fast``: the same summary as the SimPy engine on a network of clinics, and a clear
refusal, naming every field, of a scenario the compiled engine does not cover."""

from __future__ import annotations

from tests.cli import assert_clean_user_error, assert_ok, run_cli

MMC = "configs/textbook/mmc.yaml"


def test_run_with_the_fast_engine_prints_the_simpy_engines_summary() -> None:
    args = ("run", MMC, "-n", "3", "--horizon", "20 days", "--warmup", "2 days", "-q", "-w", "1")
    fast = run_cli(*args, "--engine", "fast", timeout=300)
    simpy = run_cli(*args)
    assert_ok(fast)
    assert_ok(simpy)
    table = [line for line in fast.stdout.splitlines() if line.startswith("│")]
    assert table
    assert table == [line for line in simpy.stdout.splitlines() if line.startswith("│")]


def test_run_with_the_fast_engine_refuses_what_it_does_not_cover() -> None:
    result = run_cli("run", "configs/small_town.yaml", "--engine", "fast", "-n", "1", "-q")
    assert_clean_user_error(result)
    assert "services.men_shelter.kind: shelters are not in the fast engine yet" in result.stderr
    assert "services.outreach.kind" in result.stderr
    out = run_cli("run", MMC, "--engine", "fast", "-n", "1", "-q", "--out", "/nonexistent/never")
    assert_clean_user_error(out)
    assert "leave out --out" in out.stderr
