"""``simulator validate``: every problem of a broken file, located as ``FILE:LINE:COL: field.path: message``.

Each broken fixture lives in ``tests/e2e/data``; the expected locations below are the lines of those files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from simulator.cli import main
from tests.e2e._helpers import DATA, PROBLEM, SUMMARY_LINE, assert_clean_user_error, assert_ok, run_cli


@dataclass(frozen=True)
class Expected:
    """One problem the CLI must print: where it is, which field, and words its message must contain."""

    file: str
    line: int
    col: int
    field: str  # "" for problems of the file itself (invalid YAML, file not found)
    words: str

    def matches(self, line: str) -> bool:
        match = PROBLEM.match(line)
        if match is None or (match["file"], int(match["line"]), int(match["col"])) != (
                self.file, self.line, self.col):
            return False
        rest = match["rest"]
        if self.field:
            if not rest.startswith(f"{self.field}: "):
                return False
            rest = rest[len(self.field) + 2:]
        return self.words.lower() in rest.lower()


E = Expected

#: fixture file -> every problem its validation must list
BROKEN: dict[str, list[Expected]] = {
    "typo.yaml": [E("typo.yaml", 14, 1, "replicatons", "unknown field")],
    "negative_capacity.yaml": [
        E("negative_capacity.yaml", 13, 5, "services.shelter.capacity", "greater than or equal to 0")],
    "unknown_service.yaml": [
        E("unknown_service.yaml", 18, 22, "referrals[1].to", "unknown service 'detox_clinic'")],
    "probability_gt_1.yaml": [
        E("probability_gt_1.yaml", 15, 5, "entry[0].probability", "less than or equal to 1")],
    "mix_not_one.yaml": [
        E("mix_not_one.yaml", 5, 5, "population.attributes.gender", "sum to 1")],
    "duration_no_unit.yaml": [
        E("duration_no_unit.yaml", 12, 7, "services.clinic.service_time.mean", "no unit")],
    "unknown_distribution.yaml": [
        E("unknown_distribution.yaml", 10, 5, "services.clinic.service_time", "weibull")],
    "invalid_yaml.yaml": [E("invalid_yaml.yaml", 6, 9, "", "invalid YAML")],
    "duplicate_key.yaml": [E("duplicate_key.yaml", 11, 5, "services.clinic.staff", "appears twice")],
    "missing_required.yaml": [
        E("missing_required.yaml", 7, 3, "services.clinic.staff", "required field is missing")],
    "extends_missing.yaml": [E("extends_missing.yaml", 2, 1, "extends", "'no_such_base.yaml' not found")],
    # a extends b extends a: reported at the link that closes the cycle
    "cycle_a.yaml": [E("cycle_b.yaml", 2, 1, "extends", "cycle")],
    "self_extends.yaml": [E("self_extends.yaml", 2, 1, "extends", "cycle")],
    "unknown_regime.yaml": [E("unknown_regime.yaml", 11, 1, "regime", "unknown regime 'anarchy'")],
    # the problem is in the base file: it must point to the base file's line, not to the child
    "extends_broken_base.yaml": [
        E("broken_base.yaml", 10, 5, "services.clinic.staff", "greater than or equal to 1")],
    "broken_base.yaml": [E("broken_base.yaml", 10, 5, "services.clinic.staff", "greater than or equal to 1")],
    # YAML is read safely: a tag that would build a Python object is refused, never constructed
    "python_tag_scalar.yaml": [E("python_tag_scalar.yaml", 1, 7, "", "python/name:os.system")],
    "python_tag_apply.yaml": [E("python_tag_apply.yaml", 2, 7, "name", "python/object/apply:os.system")],
    "python_tag_mapping.yaml": [E("python_tag_mapping.yaml", 3, 13, "population", "python/object")],
    # a child that replaces a base list: a field missing from the child's item is the child's problem
    "extends_replaced_list.yaml": [
        E("extends_replaced_list.yaml", 4, 5, "entry[0].probability", "required field is missing")],
    "zero_horizon.yaml": [E("zero_horizon.yaml", 2, 1, "horizon", "greater than 0")],
    "many_problems.yaml": [
        E("many_problems.yaml", 2, 1, "horizon", "no unit"),
        E("many_problems.yaml", 5, 5, "population.attributes.gender", "sum to 1"),
        E("many_problems.yaml", 11, 5, "services.shelter.capacity", "greater than or equal to 0"),
        E("many_problems.yaml", 12, 3, "services.clinic.service_time", "required field is missing"),
        E("many_problems.yaml", 15, 5, "services.clinic.service_tme", "unknown field"),
        E("many_problems.yaml", 17, 21, "referrals[0].to", "unknown service 'nowhere'"),
        E("many_problems.yaml", 17, 57, "referrals[0].probability", "less than or equal to 1"),
        E("many_problems.yaml", 18, 1, "regime", "unknown regime 'anarchy'"),
    ],
    # bad input is refused, located, and never crashes, hangs or passes: numbers that overflow to infinity
    "bad_horizon_overflow.yaml": [
        E("bad_horizon_overflow.yaml", 4, 1, "horizon", "too long: at most 100 years"),
        E("bad_horizon_overflow.yaml", 5, 1, "warmup", "too long: at most 100 years")],
    "bad_number_infinite.yaml": [
        E("bad_number_infinite.yaml", 4, 1, "horizon", "not a finite number"),
        E("bad_number_infinite.yaml", 5, 1, "replications", "finite number"),
        E("bad_number_infinite.yaml", 8, 5, "population.attributes.indigenous", "finite number")],
    "bad_not_a_number.yaml": [
        E("bad_not_a_number.yaml", 3, 1, "horizon", "not a finite number"),
        E("bad_not_a_number.yaml", 6, 5, "population.attributes.indigenous", "finite number"),
        E("bad_not_a_number.yaml", 9, 49, "population.inflow.seasonal[11]", "valid number"),
        E("bad_not_a_number.yaml", 14, 47, "services.clinic.service_time.cv", "finite number"),
        E("bad_not_a_number.yaml", 15, 14, "services.clinic.treats.primary_care", "valid number")],
    # ...too large for 64 bits or beyond any city, with the ceiling in the message
    "bad_capacity_huge.yaml": [
        E("bad_capacity_huge.yaml", 6, 5, "services.men_shelter.capacity", "at most 1,000,000")],
    "bad_absurd_numbers.yaml": [
        E("bad_absurd_numbers.yaml", 3, 1, "horizon", "at most 100 years"),
        E("bad_absurd_numbers.yaml", 4, 1, "replications", "at most 100,000"),
        E("bad_absurd_numbers.yaml", 5, 1, "seed", "at most 9,223,372,036,854,775,807"),
        E("bad_absurd_numbers.yaml", 8, 5, "population.inflow.rate", "at most 100,000 per day"),
        E("bad_absurd_numbers.yaml", 9, 49, "population.inflow.seasonal[11]", "at most 100"),
        E("bad_absurd_numbers.yaml", 10, 19, "population.initial_stock.count", "at most 1,000,000"),
        E("bad_absurd_numbers.yaml", 14, 5, "services.clinic.staff", "at most 100,000"),
        E("bad_absurd_numbers.yaml", 15, 53, "services.clinic.service_time.sigma", "at most 10"),
        E("bad_absurd_numbers.yaml", 16, 35, "services.clinic.patience.mean", "at most 100 years"),
        E("bad_absurd_numbers.yaml", 20, 18, "handoffs.multilateral.conference.max_cases", "at most 100,000"),
        E("bad_absurd_numbers.yaml", 24, 16, "handoffs.integrated.priority.chronic", "between -1,000 and 1,000")],
    "bad_negative_numbers.yaml": [
        E("bad_negative_numbers.yaml", 3, 1, "horizon", "negative"),
        E("bad_negative_numbers.yaml", 4, 1, "replications", "greater than or equal to 1"),
        E("bad_negative_numbers.yaml", 5, 1, "seed", "greater than or equal to 0"),
        E("bad_negative_numbers.yaml", 8, 5, "population.inflow.rate", "negative"),
        E("bad_negative_numbers.yaml", 9, 49, "population.inflow.seasonal[11]", "greater than or equal to 0"),
        E("bad_negative_numbers.yaml", 10, 19, "population.initial_stock.count", "greater than or equal to 0"),
        E("bad_negative_numbers.yaml", 14, 5, "services.clinic.staff", "greater than or equal to 1"),
        E("bad_negative_numbers.yaml", 15, 35, "services.clinic.service_time.low", "negative"),
        E("bad_negative_numbers.yaml", 16, 5, "services.clinic.waitlist_cap", "greater than or equal to 0"),
        E("bad_negative_numbers.yaml", 22, 5, "handoffs.integrated.target_pressure", "greater than or equal to 0")],
    # ...true/false read as 1/0
    "bad_bool_numbers.yaml": [
        E("bad_bool_numbers.yaml", 4, 1, "replications", "not true"),
        E("bad_bool_numbers.yaml", 15, 5, "services.shelter.capacity", "not true"),
        E("bad_bool_numbers.yaml", 16, 5, "services.shelter.staff", "not false"),
        E("bad_bool_numbers.yaml", 20, 53, "services.clinic.service_time.sigma", "not true"),
        E("bad_bool_numbers.yaml", 21, 14, "services.clinic.treats.primary_care", "not false")],
    # ...dates that do not exist
    "bad_start_date.yaml": [E("bad_start_date.yaml", 4, 13, "start_date", "not a real date: '2022-02-30'")],
    "bad_month_day.yaml": [
        E("bad_month_day.yaml", 4, 10, "winter.start", "'13-45' is not a real date (month 13"),
        E("bad_month_day.yaml", 4, 26, "winter.end", "'02-30' is not a real date"),
        E("bad_month_day.yaml", 6, 3, "outputs.count_date", "'00-00' is not a real date (month 00")],
    "bad_count_leap_day.yaml": [
        E("bad_count_leap_day.yaml", 5, 3, "outputs.count_date", "only in leap years")],
    # ...names that cannot be written in a field path, a command line or a table
    "bad_names.yaml": [
        E("bad_names.yaml", 2, 1, "name", "may not be empty"),
        E("bad_names.yaml", 8, 3, "services['']", "may not be empty"),
        E("bad_names.yaml", 9, 3, r"services['street\x20team']", "a space"),
        E("bad_names.yaml", 10, 3, "services['team.b']", "'.'"),
        E("bad_names.yaml", 11, 3, r"services['team\u200bc']", "invisible character"),
        E("bad_names.yaml", 14, 3, r"regimes['my\x20regime\n']", "a space")],
    # one root cause, one message
    "bad_referral_probability.yaml": [
        E("bad_referral_probability.yaml", 20, 5, "referrals[0].probability", "less than or equal to 1")],
    "bad_service_references.yaml": [
        E("bad_service_references.yaml", 17, 3, "services.detox", "'clnic'"),
        E("bad_service_references.yaml", 19, 26, "entry[0].service",
          "unknown service 'clinc' (known services: clinic, detox, shelter); also used at referrals[0].from, "
          "referrals[1].to"),
        E("bad_service_references.yaml", 25, 20, "referrals[4].to", "also used at referrals[5].to"),
        E("bad_service_references.yaml", 27, 20, "referrals[6].to", "itself"),
        E("bad_service_references.yaml", 27, 40, "referrals[6].needs[0]", "'primary_care'")],
}

#: fixtures whose every problem is listed above, and nothing else: one message per root cause
EXACT = ["bad_referral_probability.yaml", "bad_service_references.yaml", "bad_capacity_huge.yaml",
         "bad_start_date.yaml", "bad_month_day.yaml", "bad_horizon_overflow.yaml", "bad_names.yaml",
         "bad_bool_numbers.yaml", "bad_absurd_numbers.yaml", "bad_negative_numbers.yaml"]

VALID = ["valid_small.yaml", "extends_valid.yaml", "equal_resources_infeasible.yaml"]


def _check_block(block: list[str], expected: list[Expected], describe: str) -> None:
    assert block, describe
    for problem in expected:
        assert any(problem.matches(line) for line in block), f"missing {problem}\n{describe}"
    # every line but the count is a located problem on one line, and the count is right
    *problems, count = block
    assert SUMMARY_LINE.match(count), describe
    for line in problems:
        assert PROBLEM.match(line), f"not a FILE:LINE:COL: line: {line!r}\n{describe}"
    assert int(SUMMARY_LINE.match(count)["count"]) == len(problems), describe  # type: ignore[index]
    keys = [(m["file"], int(m["line"]), int(m["col"])) for m in map(PROBLEM.match, problems) if m]
    assert keys == sorted(keys), f"problems are not listed in file order\n{describe}"


def test_every_fixture_is_covered(data_dir):
    names = {p.name for p in data_dir.glob("*.yaml")}
    covered = set(BROKEN) | set(VALID) | {"cycle_b.yaml"}
    assert names == covered


def test_validate_all_fixtures_at_once_exits_2(validate_all):
    result = validate_all.result
    assert_clean_user_error(result)
    assert set(validate_all.passed) >= set(VALID), result.describe()


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_fixture_reports_located_problems(validate_all, name):
    _check_block(validate_all.block(name), BROKEN[name], validate_all.result.describe())


def test_many_problems_lists_every_problem(validate_all):
    block = validate_all.block("many_problems.yaml")
    count = int(SUMMARY_LINE.match(block[-1])["count"])  # type: ignore[index]
    assert count >= len(BROKEN["many_problems.yaml"])


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_fixture_alone_exits_2(name, monkeypatch, capsys):
    """In process, one file at a time: exit code 2 and the same located problems."""
    monkeypatch.chdir(DATA)
    assert main(["validate", name]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    lines = captured.err.splitlines()
    for problem in BROKEN[name]:
        assert any(problem.matches(line) for line in lines), f"missing {problem}\n{captured.err}"
    assert ": ok (" not in captured.out


@pytest.mark.parametrize("name", VALID)
def test_valid_fixture_is_ok(validate_all, name):
    line = next(li for li in validate_all.result.stdout.splitlines() if li.startswith(f"{name}: ok ("))
    assert re.match(rf"^{re.escape(name)}: ok \(.+\)$", line)


def test_valid_files_exit_0_and_say_ok():
    result = run_cli("validate", "valid_small.yaml", "extends_valid.yaml", cwd=DATA)
    assert_ok(result)
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith("valid_small.yaml: ok (small")
    assert lines[1].startswith("extends_valid.yaml: ok (small_child")


def test_an_overloaded_clinic_is_a_warning_not_an_error():
    """configs/textbook/mmc_patience.yaml offers 3 Erlangs to 3 staff (rho = 1, kept stable by abandonment):
    valid, exit 0, with one warning naming the service and its load from the rates."""
    result = run_cli("validate", "configs/textbook/mmc_patience.yaml", "configs/textbook/mmc.yaml")
    assert_ok(result)
    warnings = result.stderr.splitlines()
    assert warnings == ["warning: configs/textbook/mmc_patience.yaml: services.clinic: offered load at least "
                        "1.00 from the walk-ins of new clients alone (rates): at or above what its staff can "
                        "give (utilisation 1)"], result.describe()


def test_console_script_shows_paths_as_the_user_gave_them():
    """The installed ``simulator`` script, run from the repository root with a relative path: problems name
    that relative path."""
    result = run_cli("validate", "tests/e2e/data/typo.yaml", script=True)
    assert_clean_user_error(result)
    assert result.stderr.startswith("tests/e2e/data/typo.yaml:14:1: replicatons: unknown field")


@pytest.mark.parametrize("name", EXACT)
def test_one_message_per_root_cause(validate_all, name):
    """No derived problem repeats one already reported (a probability of 1.5 on an edge of three senders for
    three needs used to add nine 'exceed 1' lines; a misspelt service, one line per use)."""
    block = validate_all.block(name)
    assert len(block) - 1 == len(BROKEN[name]), "\n".join(block)


def test_run_refuses_a_horizon_that_overflows_at_once():
    """``--horizon "1e400 days"`` used to be read as infinity: the run never ended."""
    for flag in ("--horizon", "--warmup"):
        result = run_cli("run", "configs/textbook/mm1.yaml", flag, "1e400 days", "-n", "1", timeout=60)
        assert_clean_user_error(result)
        assert "at most 100 years" in result.stderr, result.describe()


def test_run_refuses_an_overflowing_file_at_once(data_dir):
    result = run_cli("run", data_dir / "bad_horizon_overflow.yaml", "-n", "1", timeout=60)
    assert_clean_user_error(result)
    assert any(m["field"] == "horizon" and "at most 100 years" in m["message"] for m in result.problems()), \
        result.describe()


def test_problem_lines_are_never_folded(validate_all):
    """Long messages (the unknown-distribution one is ~200 characters) stay on one grep-able line."""
    block = validate_all.block("unknown_distribution.yaml")
    assert len(block) == 2, "\n".join(block)
    assert "'triangular'" in block[0]


def test_missing_file_is_a_located_problem(validate_all):
    block = validate_all.block("no_such_file.yaml")
    assert block == ["no_such_file.yaml:1:1: file not found", "1 problem found"]


def test_python_object_tag_is_never_constructed(validate_all, data_dir):
    """A config that would run a command if loaded unsafely does not run it (and is refused)."""
    assert not (data_dir / "python_tag_apply.pwned").exists()
    assert validate_all.block("python_tag_apply.yaml")


def test_extends_valid_merges_the_base(data_dir):
    from simulator import load_config

    child = load_config(data_dir / "extends_valid.yaml")
    base = load_config(data_dir / "valid_small.yaml")
    assert child.name == "small_child"
    assert child.services["shelter"].capacity == 10  # type: ignore[union-attr]
    assert base.services["shelter"].capacity == 40  # type: ignore[union-attr]
    assert child.services["shelter"].staff == base.services["shelter"].staff  # type: ignore[union-attr]
    assert child.referrals == base.referrals
    assert child.regime == base.regime == "half_and_half"
