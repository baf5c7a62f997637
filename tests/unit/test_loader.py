"""Reading scenario files: YAML 1.2 scalars, safe loading, ``extends:``, and problems located in the file."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from simulator.config import ConfigError, load_config
from simulator.config.loader import Mark, Problem, read_yaml

MINIMAL = """\
name: minimal
horizon: 30 days
population:
  inflow:
    rate: 5 per day
services:
  clinic:
    kind: clinic
    staff: 2
    service_time: {dist: exponential, mean: 45 min}
    treats: {primary_care: 0.8}
entry:
  - {need: primary_care, service: clinic, probability: 0.3}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path, overrides=None) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        load_config(path, overrides)
    return info.value.problems


def located(problems: list[Problem]) -> list[tuple[str, int, int, str]]:
    return [(Path(p.mark.file).name, p.mark.line, p.mark.column, p.field) for p in problems]


@pytest.fixture
def minimal(tmp_path) -> Path:
    return write(tmp_path, "minimal.yaml", MINIMAL)


# ---------------------------------------------------------------------------------------------- YAML 1.2

def test_yaml_12_scalars(tmp_path):
    path = write(tmp_path, "scalars.yaml", """\
        time: 17:00
        early: 08:30
        sexagesimal: 1:30
        no_: no
        yes_: yes
        on_: on
        off_: off
        y_: y
        n_: N
        true_: true
        false_: False
        integer: 42
        negative: -3
        zero: 0
        real: 1.5
        exponent: 1e3
        half: .5
        null_: null
        tilde: ~
        octal_like: 010
        quoted: "17:00"
        day: 2022-10-11
    """)
    data, _ = read_yaml(path)
    assert data["time"] == "17:00"
    assert data["early"] == "08:30"
    assert data["sexagesimal"] == "1:30"
    for key, word in (("no_", "no"), ("yes_", "yes"), ("on_", "on"), ("off_", "off"), ("y_", "y"), ("n_", "N")):
        assert data[key] == word, key
    assert data["true_"] is True
    assert data["false_"] is False
    assert data["integer"] == 42
    assert isinstance(data["integer"], int)
    assert data["negative"] == -3
    assert data["zero"] == 0
    assert data["real"] == 1.5
    assert data["exponent"] == 1000.0
    assert data["half"] == 0.5
    assert data["null_"] is None
    assert data["tilde"] is None
    assert data["octal_like"] != 8  # never YAML 1.1 octal
    assert data["quoted"] == "17:00"
    assert data["day"] == date(2022, 10, 11)


def test_yaml_12_words_as_keys(tmp_path):
    path = write(tmp_path, "keys.yaml", """\
        no: 1
        on: 2
        off: 3
    """)
    data, _ = read_yaml(path)
    assert data == {"no": 1, "on": 2, "off": 3}


def test_unquoted_times_of_day_load(minimal, tmp_path):
    text = MINIMAL.replace("    staff: 2\n", "    staff: 2\n    hours: {days: [mon, tue], open: 08:00, close: 17:00}\n")
    scenario = load_config(write(tmp_path, "hours.yaml", text))
    hours = scenario.services["clinic"].hours  # type: ignore[union-attr]
    assert hours is not None
    assert hours.open == pytest.approx(8 / 24)
    assert hours.close == pytest.approx(17 / 24)


def test_marks_of_values_and_keys(tmp_path):
    path = write(tmp_path, "marks.yaml", """\
        a: 1
        b:
          c: [x, y]
          d: {e: 2}
    """)
    data, marks = read_yaml(path)
    assert data == {"a": 1, "b": {"c": ["x", "y"], "d": {"e": 2}}}
    assert (marks[("a",)].line, marks[("a",)].column) == (1, 1)
    assert (marks[("b", "c")].line, marks[("b", "c")].column) == (3, 3)
    assert (marks[("b", "c", 1)].line, marks[("b", "c", 1)].column) == (3, 10)
    assert (marks[("b", "d", "e")].line, marks[("b", "d", "e")].column) == (4, 7)


def test_anchors_and_aliases(tmp_path):
    path = write(tmp_path, "anchors.yaml", """\
        shelters: &shelters [a, b]
        again: *shelters
        defaults: &defaults {staff: 2, kind: clinic}
        clinic:
          <<: *defaults
          hours: none
    """)
    data, _ = read_yaml(path)
    assert data["again"] == ["a", "b"]
    assert data["clinic"] == {"staff": 2, "kind": "clinic", "hours": "none"}


def test_merge_key_values_can_be_overridden(tmp_path):
    path = write(tmp_path, "merge.yaml", """\
        defaults: &defaults {staff: 2, kind: clinic}
        clinic:
          <<: *defaults
          staff: 3
    """)
    data, _ = read_yaml(path)
    assert data["clinic"] == {"kind": "clinic", "staff": 3}


def test_alias_expansion_is_not_exponential(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 5)]
    path = write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    try:
        _, marks = read_yaml(path)
    except ConfigError:
        return  # refusing deep alias expansion is fine too
    assert len(marks) < 10_000


# ---------------------------------------------------------------------------------------------- safe loading

@pytest.mark.parametrize("value", [
    "!!python/name:os.system",
    "!!python/object/apply:os.system [echo]",
    "!!python/object:collections.OrderedDict {}",
    "!!python/object/new:dict {}",
    "!!set {a, b}",
    "!custom value",
])
def test_object_tags_are_refused(tmp_path, value):
    path = write(tmp_path, "tags.yaml", f"name: {value}\n")
    with pytest.raises(ConfigError) as info:
        read_yaml(path)
    [problem] = info.value.problems
    assert (problem.mark.line, problem.mark.column) == (1, 7)


def test_invalid_yaml_is_located(tmp_path):
    path = write(tmp_path, "bad.yaml", "a: 1\nb: [1, 2\nc: 3\n")
    with pytest.raises(ConfigError) as info:
        read_yaml(path)
    [problem] = info.value.problems
    assert problem.message.startswith("invalid YAML")
    assert problem.mark.line in (2, 3)


def test_every_duplicated_key_is_reported(tmp_path):
    path = write(tmp_path, "dup.yaml", """\
        a: 1
        b:
          c: 1
          c: 2
        a: 3
    """)
    with pytest.raises(ConfigError) as info:
        read_yaml(path)
    assert sorted((p.field, p.mark.line, p.mark.column) for p in info.value.problems) == [
        ("a", 5, 1), ("b.c", 4, 3)]
    assert all(p.message == "key appears twice" for p in info.value.problems)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "- a\n- b\n", "just a string\n"])
def test_a_config_must_be_a_mapping(tmp_path, text):
    problems = problems_of(write(tmp_path, "notmap.yaml", text))
    assert [p.message for p in problems] == ["a config must be a mapping of fields"]


def test_multiple_documents_are_refused(tmp_path):
    problems = problems_of(write(tmp_path, "two.yaml", "a: 1\n---\nb: 2\n"))
    assert problems[0].message.startswith("invalid YAML")


def test_missing_file(tmp_path):
    problems = problems_of(tmp_path / "nowhere.yaml")
    assert located(problems) == [("nowhere.yaml", 1, 1, "")]
    assert problems[0].message == "file not found"


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Maison du Père\n".encode("latin-1"))
    problems = problems_of(path)
    assert "cannot read" in problems[0].message


# ---------------------------------------------------------------------------------------------- located problems

def test_problem_format():
    problem = Problem(Mark("a.yaml", 3, 5), "services.clinic.staff", "required field is missing")
    assert str(problem) == "a.yaml:3:5: services.clinic.staff: required field is missing"
    assert str(Problem(Mark("a.yaml", 1, 1), "", "file not found")) == "a.yaml:1:1: file not found"


def test_every_problem_is_reported_sorted_by_place(tmp_path):
    path = write(tmp_path, "many.yaml", """\
        name: many
        horizon: 30
        replications: 0
        population:
          attributes:
            gender: {man: 0.5}
          inflow:
            rate: 5 per fortnight
        services:
          clinic:
            kind: clinic
            staff: 2
            service_time: {dist: exponential, mean: 45 min}
            treats: {primary_care: 1.5}
            colour: blue
        entry:
          - {need: primary_care, service: clinc, probability: 0.3}
        regime: anarchy
    """)
    problems = problems_of(path)
    assert located(problems) == [
        ("many.yaml", 2, 1, "horizon"),
        ("many.yaml", 3, 1, "replications"),
        ("many.yaml", 6, 5, "population.attributes.gender"),
        ("many.yaml", 8, 5, "population.inflow.rate"),
        ("many.yaml", 14, 14, "services.clinic.treats.primary_care"),
        ("many.yaml", 15, 5, "services.clinic.colour"),
        ("many.yaml", 17, 26, "entry[0].service"),
        ("many.yaml", 18, 1, "regime"),
    ]
    messages = {p.field: p.message for p in problems}
    assert "unit" in messages["horizon"]
    assert "sum to 1" in messages["population.attributes.gender"]
    assert "fortnight" in messages["population.inflow.rate"]
    assert messages["services.clinic.colour"] == "unknown field (check the spelling)"
    assert "unknown service 'clinc'" in messages["entry[0].service"]
    assert "unknown regime 'anarchy'" in messages["regime"]


def test_missing_field_points_at_its_parent(tmp_path):
    text = MINIMAL.replace("    staff: 2\n", "")
    problems = problems_of(write(tmp_path, "nostaff.yaml", text))
    assert located(problems) == [("nostaff.yaml", 7, 3, "services.clinic.staff")]
    assert problems[0].message == "required field is missing"


def test_missing_top_level_field(tmp_path):
    text = MINIMAL.replace("name: minimal\n", "")
    problems = problems_of(write(tmp_path, "noname.yaml", text))
    assert [(p.field, p.message) for p in problems] == [("name", "required field is missing")]


def test_unknown_service_kind(tmp_path):
    text = MINIMAL.replace("kind: clinic", "kind: hospital")
    problems = problems_of(write(tmp_path, "kind.yaml", text))
    assert any(p.field.startswith("services.clinic") and "hospital" in p.message for p in problems)


def test_cross_checks_report_every_bad_reference(tmp_path):
    text = MINIMAL + textwrap.dedent("""\
        referrals:
          - {from: clinic, to: nowhere, needs: [mental_health], probability: 0.5}
          - {from: ghost, to: clinic, needs: [primary_care], probability: 0.5}
          - {from: clinic, to: clinic, needs: [primary_care], probability: 0.1}
    """)
    problems = problems_of(write(tmp_path, "refs.yaml", text))
    fields = {p.field: p.message for p in problems}
    assert "unknown service 'nowhere'" in fields["referrals[0].to"]
    assert "unknown service 'ghost'" in fields["referrals[1].from"]
    assert "itself" in fields["referrals[2].to"]


def test_treats_plus_referrals_over_one_is_reported(tmp_path):
    text = MINIMAL.replace("    treats: {primary_care: 0.8}\n", "    treats: {primary_care: 0.8}\n"
                           "  gp:\n    kind: clinic\n    staff: 1\n    service_time: 1 hour\n"
                           "    treats: {primary_care: 1.0}\n")
    text += "referrals:\n  - {from: clinic, to: gp, needs: [primary_care], probability: 0.5}\n"
    problems = problems_of(write(tmp_path, "over.yaml", text))
    assert any("exceed 1" in p.message and "clinic" in p.message for p in problems)


def test_valid_minimal_scenario(minimal):
    scenario = load_config(minimal)
    assert scenario.name == "minimal"
    assert scenario.horizon == 30.0
    assert scenario.population.inflow.rate == 5.0
    assert scenario.services["clinic"].service_time.mean == pytest.approx(45 / 1440)  # type: ignore[union-attr]


def test_overrides_are_validated_like_the_file(minimal):
    scenario = load_config(minimal, {"horizon": "10 days", "warmup": "2 days"})
    assert (scenario.horizon, scenario.warmup) == (10.0, 2.0)
    problems = problems_of(minimal, {"horizon": "10"})
    assert [p.field for p in problems] == ["horizon"]


def test_string_path_is_accepted(minimal):
    assert load_config(str(minimal)).name == "minimal"


# ---------------------------------------------------------------------------------------------- extends

def test_extends_deep_merges(tmp_path, minimal):
    child = write(tmp_path, "child.yaml", """\
        extends: minimal.yaml
        name: child
        services:
          clinic:
            staff: 5
    """)
    scenario = load_config(child)
    assert scenario.name == "child"
    clinic = scenario.services["clinic"]
    assert clinic.staff == 5  # type: ignore[union-attr]
    assert clinic.treats == {"primary_care": 0.8}  # type: ignore[union-attr]
    assert scenario.horizon == 30.0


def test_extends_is_relative_to_the_extending_file(tmp_path, minimal):
    child = write(tmp_path, "sub/dir/child.yaml", "extends: ../../minimal.yaml\nname: deep\n")
    assert load_config(child).name == "deep"


def test_extends_chain(tmp_path, minimal):
    write(tmp_path, "middle.yaml", "extends: minimal.yaml\nname: middle\nseed: 5\n")
    child = write(tmp_path, "child.yaml", "extends: middle.yaml\nname: child\n")
    scenario = load_config(child)
    assert (scenario.name, scenario.seed, scenario.horizon) == ("child", 5, 30.0)


def test_problems_point_into_the_file_that_holds_them(tmp_path):
    write(tmp_path, "base.yaml", MINIMAL.replace("staff: 2", "staff: 0"))
    child = write(tmp_path, "child.yaml", """\
        extends: base.yaml
        name: child
        replications: -1
    """)
    assert located(problems_of(child)) == [
        ("base.yaml", 9, 5, "services.clinic.staff"),
        ("child.yaml", 3, 1, "replications"),
    ]


def test_child_fixes_a_broken_base_value(tmp_path):
    write(tmp_path, "base.yaml", MINIMAL.replace("staff: 2", "staff: 0"))
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nservices:\n  clinic:\n    staff: 4\n")
    assert load_config(child).services["clinic"].staff == 4  # type: ignore[union-attr]


def test_a_replaced_list_is_located_in_the_child(tmp_path, minimal):
    child = write(tmp_path, "child.yaml", """\
        extends: minimal.yaml
        entry:
          - need: primary_care
            service: clinic
    """)
    assert located(problems_of(child)) == [("child.yaml", 3, 5, "entry[0].probability")]


def test_extends_missing_file(tmp_path):
    child = write(tmp_path, "child.yaml", "name: x\nextends: nowhere.yaml\n")
    problems = problems_of(child)
    assert located(problems) == [("child.yaml", 2, 1, "extends")]
    assert "'nowhere.yaml' not found" in problems[0].message


def test_extends_cycle(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path, "b.yaml", "name: b\nextends: c.yaml\n")
    write(tmp_path, "c.yaml", "name: c\nextends: a.yaml\n")
    problems = problems_of(tmp_path / "a.yaml")
    assert len(problems) == 1
    assert problems[0].field == "extends"
    assert "cycle" in problems[0].message
    assert located(problems) == [("c.yaml", 2, 1, "extends")]


def test_extends_itself(tmp_path):
    problems = problems_of(write(tmp_path, "me.yaml", "extends: me.yaml\n"))
    assert located(problems) == [("me.yaml", 1, 1, "extends")]
    assert "cycle" in problems[0].message


@pytest.mark.parametrize("value", ["[a.yaml, b.yaml]", "3", "{file: a.yaml}"])
def test_extends_must_be_a_path(tmp_path, value):
    problems = problems_of(write(tmp_path, "x.yaml", f"extends: {value}\n"))
    assert [(p.field, p.message) for p in problems] == [("extends", "must be the path of another config file")]


def test_problem_in_a_base_of_a_base(tmp_path):
    write(tmp_path, "grand.yaml", MINIMAL.replace("rate: 5 per day", "rate: 5"))
    write(tmp_path, "parent.yaml", "extends: grand.yaml\nname: parent\n")
    child = write(tmp_path, "child.yaml", "extends: parent.yaml\nname: child\n")
    assert located(problems_of(child)) == [("grand.yaml", 5, 5, "population.inflow.rate")]


def test_repository_configs_share_their_base(configs_dir):
    """The regime files extend the default scenario and differ from it only where they say."""
    base = load_config(configs_dir / "montreal_centre.yaml")
    for path in sorted((configs_dir / "regimes").glob("*.yaml")):
        scenario = load_config(path)
        assert scenario.population == base.population, path.name
        assert scenario.regime in scenario.all_regimes(), path.name


# ---------------------------------------------------------------------------------------------- bad input

def _with(text: str, **top: str) -> str:
    """MINIMAL with some top-level lines replaced or added (``key="value as written"``)."""
    lines = [line for line in MINIMAL.splitlines() if line.split(":")[0] not in top]
    return "\n".join([*lines, *(f"{key}: {value}" for key, value in top.items())]) + "\n"


@pytest.mark.parametrize(("written", "words"), [
    ("2022-02-30", "not a real date: '2022-02-30'"),
    ("2021-02-29", "not a real date: '2021-02-29'"),
    ("2022-13-01", "not a real date: '2022-13-01'"),
    ("!!timestamp soon", "not a real date: 'soon'"),
])
def test_unreal_date_is_a_located_problem(tmp_path, written, words):
    problems = problems_of(write(tmp_path, "date.yaml", _with(MINIMAL, start_date=written)))
    assert [(p.field, p.mark.line) for p in problems] == [("start_date", 14)]
    assert words in problems[0].message


@pytest.mark.parametrize(("written", "words"), [
    ("9" * 5000, "cannot read the whole number"),
    ("!!float abc", "cannot read the number 'abc'"),
    ("!!int 1.5", "cannot read the whole number '1.5'"),
])
def test_unconstructible_scalar_is_a_located_problem(tmp_path, written, words):
    problems = problems_of(write(tmp_path, "scalar.yaml", _with(MINIMAL, seed=written)))
    assert [(p.field, p.mark.line, p.mark.column) for p in problems] == [("seed", 14, 7)]
    assert words in problems[0].message
    assert len(str(problems[0])) < 300  # a huge value is shortened, not echoed


def test_unreadable_key_is_a_located_problem(tmp_path):
    path = write(tmp_path, "key.yaml", "services:\n  2022-02-30: {kind: clinic}\n")
    with pytest.raises(ConfigError) as info:
        read_yaml(path)
    (problem,) = info.value.problems
    assert (problem.mark.line, problem.field) == (2, "services")
    assert "not a real date" in problem.message


def test_deeply_nested_file_is_a_problem_not_a_crash(tmp_path):
    path = write(tmp_path, "deep.yaml", "name: x\nhorizon: " + "[" * 5000 + "]" * 5000 + "\n")
    (problem,) = problems_of(path)
    assert "too deeply" in problem.message


@pytest.mark.parametrize(("field", "value", "words"), [
    ("replications", "100000", None),
    ("replications", "100001", "at most 100,000"),
    ("replications", "true", "not true"),
    ("replications", "1e400", "finite number"),
    ("replications", "2.5", "valid integer"),
    ("seed", str(2**63 - 1), None),
    ("seed", str(2**63), "at most 9,223,372,036,854,775,807"),
    ("seed", "false", "not false"),
    ("horizon", "100 years", None),
    ("horizon", "100.01 years", "at most 100 years"),
    ("horizon", "1e400 days", "at most 100 years"),
    ("horizon", "1e400", "not a finite number"),
    ("warmup", "1e400 days", "at most 100 years"),
    ("start_date", "1799-12-31", "between 1800-01-01 and 2500-12-31"),
    ("start_date", "2501-01-01", "between 1800-01-01 and 2500-12-31"),
    ("start_date", "20220101", "YYYY-MM-DD"),
    ("start_date", "'2022-01-01'", None),
])
def test_top_level_bounds(tmp_path, field, value, words):
    path = write(tmp_path, "top.yaml", _with(MINIMAL, **{field: value}))
    if words is None:
        load_config(path)
        return
    problems = problems_of(path)
    assert [p.field for p in problems] == [field]
    assert words in problems[0].message


@pytest.mark.parametrize(("line", "field", "words"), [
    ("    capacity: 1000000", None, None),
    ("    capacity: 1000001", "services.shelter.capacity", "at most 1,000,000"),
    ("    capacity: 99999999999999999999999", "services.shelter.capacity", "at most 1,000,000"),
    ("    capacity: true", "services.shelter.capacity", "not true"),
    ("    capacity: .nan", "services.shelter.capacity", "valid integer"),
    ("    capacity: 1e400", "services.shelter.capacity", "finite number"),
    ("    capacity: 10\n    winter_capacity: 2000000", "services.shelter.winter_capacity", "at most 1,000,000"),
    ("    capacity: 10\n    staff: 100001", "services.shelter.staff", "at most 100,000"),
])
def test_shelter_sizes(tmp_path, line, field, words):
    text = MINIMAL.replace("entry:", "  shelter:\n    kind: shelter\n" + line + "\nentry:")
    text = text.replace("    rate: 5 per day\n",
                        "    rate: 5 per day\n  shelter_use:\n    transitional: {stay: 5 days, gap: 2 days}\n")
    path = write(tmp_path, "shelter.yaml", text)
    if field is None:
        load_config(path)
        return
    problems = problems_of(path)
    assert [p.field for p in problems] == [field]
    assert words in problems[0].message


@pytest.mark.parametrize(("old", "new", "field", "words"), [
    ("staff: 2", "staff: 100000", None, None),
    ("staff: 2", "staff: 100001", "services.clinic.staff", "at most 100,000"),
    ("staff: 2", "staff: true", "services.clinic.staff", "not true"),
    ("mean: 45 min", "mean: 101 years", "services.clinic.service_time.mean", "at most 100 years"),
    ("{dist: exponential, mean: 45 min}", "{dist: lognormal, median: 45 min, sigma: 10}", None, None),
    ("{dist: exponential, mean: 45 min}", "{dist: lognormal, median: 45 min, sigma: 10.5}",
     "services.clinic.service_time.sigma", "at most 10"),
    ("{dist: exponential, mean: 45 min}", "{dist: gamma, mean: 45 min, cv: 101}",
     "services.clinic.service_time.cv", "at most 100"),
    ("{dist: exponential, mean: 45 min}", "{dist: gamma, mean: 45 min, cv: nan}",
     "services.clinic.service_time.cv", "finite number"),
    ("{dist: exponential, mean: 45 min}", "{dist: uniform, low: 0 days, high: 1e400 days}",
     "services.clinic.service_time.high", "at most 100 years"),
    ("treats: {primary_care: 0.8}", "treats: {primary_care: nan}", "services.clinic.treats.primary_care",
     "finite number"),
    ("treats: {primary_care: 0.8}", "treats: {primary_care: true}", "services.clinic.treats.primary_care",
     "not true"),
    ("rate: 5 per day", "rate: 100000 per day", None, None),
    ("rate: 5 per day", "rate: 100001 per day", "population.inflow.rate", "at most 100,000 per day"),
    ("rate: 5 per day", "rate: 1e400 per day", "population.inflow.rate", "at most 100,000 per day"),
    ("rate: 5 per day", "rate: 1e400", "population.inflow.rate", "not a finite number"),
])
def test_service_and_population_bounds(tmp_path, old, new, field, words):
    path = write(tmp_path, "bounds.yaml", MINIMAL.replace(old, new))
    if field is None:
        load_config(path)
        return
    problems = problems_of(path)
    assert [p.field for p in problems] == [field]
    assert words in problems[0].message


@pytest.mark.parametrize(("season", "field", "words"), [
    ('{start: "13-45", end: "04-15"}', "winter.start", "'13-45' is not a real date (month 13"),
    ('{start: "11-15", end: "02-30"}', "winter.end", "'02-30' is not a real date (February has days 01 to 29)"),
    ('{start: "00-00", end: "04-15"}', "winter.start", "month 00"),
    ('{start: "04-31", end: "05-01"}', "winter.start", "April has days 01 to 30"),
    ('{start: "4-1", end: "05-01"}', "winter.start", "pattern"),
])
def test_season_dates_must_be_real(tmp_path, season, field, words):
    problems = problems_of(write(tmp_path, "season.yaml", _with(MINIMAL, winter=season)))
    assert [p.field for p in problems] == [field]
    assert words in problems[0].message


def test_leap_day_season_bounds_are_accepted_and_fall_back_in_other_years(tmp_path):
    """02-29 is a real day: a season ending on it ends on 02-28 in a year without it, one starting on it
    starts on 03-01."""
    from simulator.engine.calendar import in_season

    scenario = load_config(write(tmp_path, "leap.yaml", _with(MINIMAL, winter='{start: "02-29", end: "02-29"}')))
    assert in_season(date(2024, 2, 29), scenario.winter)
    assert not in_season(date(2023, 2, 28), scenario.winter)
    assert not in_season(date(2023, 3, 1), scenario.winter)
    ending = load_config(write(tmp_path, "end.yaml", _with(MINIMAL, winter='{start: "11-15", end: "02-29"}')))
    assert in_season(date(2023, 2, 28), ending.winter)
    assert not in_season(date(2023, 3, 1), ending.winter)
    starting = load_config(write(tmp_path, "start.yaml", _with(MINIMAL, winter='{start: "02-29", end: "04-15"}')))
    assert not in_season(date(2023, 2, 28), starting.winter)
    assert in_season(date(2023, 3, 1), starting.winter)


@pytest.mark.parametrize(("count_date", "words"), [
    ('"02-29"', "only in leap years"),
    ('"02-30"', "not a real date"),
    ('"12-32"', "December has days 01 to 31"),
])
def test_count_date_must_be_a_day_of_every_year(tmp_path, count_date, words):
    problems = problems_of(write(tmp_path, "count.yaml", _with(MINIMAL, outputs=f"{{count_date: {count_date}}}")))
    assert [p.field for p in problems] == ["outputs.count_date"]
    assert words in problems[0].message


@pytest.mark.parametrize(("name", "field"), [
    ('""', "services['']"),
    ('"a b"', r"services['a\x20b']"),
    ('"a.b"', "services['a.b']"),
    ('"a:b"', "services['a:b']"),
    ('"a\\tb"', r"services['a\tb']"),
    ('"a\\u200bb"', r"services['a\u200bb']"),
    ('"a\\u0000b"', r"services['a\x00b']"),
])
def test_odd_service_names_are_refused_on_one_line(tmp_path, name, field):
    text = MINIMAL.replace("entry:", f"  {name}: {{kind: outreach, staff: 1, contacts: 1 per day}}\nentry:")
    problems = problems_of(write(tmp_path, "names.yaml", text))
    assert [p.field for p in problems] == [field]
    assert "\n" not in str(problems[0])


def test_unicode_letters_in_names_are_accepted(tmp_path):
    text = MINIMAL.replace("entry:", "  équipe_de_rue: {kind: outreach, staff: 1, contacts: 1 per day}\nentry:")
    text = text.replace("name: minimal", "name: Centre-ville, année 2022")
    scenario = load_config(write(tmp_path, "unicode.yaml", text))
    assert "équipe_de_rue" in scenario.services


@pytest.mark.parametrize("name", ['""', '"   "', '"two\\nlines"', '"bell\\a"'])
def test_scenario_name_must_be_one_visible_line(tmp_path, name):
    problems = problems_of(write(tmp_path, "title.yaml", MINIMAL.replace("name: minimal", f"name: {name}")))
    assert [p.field for p in problems] == ["name"]


# ---------------------------------------------------------------------------------------------- root causes

REFERRED = MINIMAL.replace("entry:", """\
  gp:
    kind: clinic
    staff: 1
    service_time: 1 hour
    treats: {primary_care: 0.5, mental_health: 0.5}
  team_a: {kind: outreach, staff: 1, contacts: 1 per day}
  team_b: {kind: outreach, staff: 1, contacts: 1 per day}
entry:""") + """\
referrals:
  - {from: [team_a, team_b, clinic], to: gp, needs: [primary_care, mental_health], probability: 0.2}
  - {from: [team_a, team_b], to: gp, needs: [primary_care, mental_health], probability: 0.4}
"""


def test_referred_network_is_valid(tmp_path):
    load_config(write(tmp_path, "referred.yaml", REFERRED))


@pytest.mark.parametrize(("old", "new", "field", "words"), [
    # a probability out of range: the sums it enters are not checked again
    ("probability: 0.4", "probability: 1.5", "referrals[1].probability", "less than or equal to 1"),
    ("probability: 0.4", "probability: .nan", "referrals[1].probability", "valid number"),
    ("probability: 0.4", "probability: true", "referrals[1].probability", "not true"),
    ("treats: {primary_care: 0.8}", "treats: {primary_care: 1.8}", "services.clinic.treats.primary_care",
     "less than or equal to 1"),
    ("treats: {primary_care: 0.8}", "treats: [primary_care]", "services.clinic.treats", "valid dictionary"),
    # a service of an unknown kind: its uses are not reported again
    ("kind: clinic\n    staff: 1", "kind: clnic\n    staff: 1", "services.gp", "'clnic'"),
    # a need that does not exist: not reported as a need the receiver neither treats nor refers
    ("needs: [primary_care, mental_health], probability: 0.2",
     "needs: [primary_care, hunger], probability: 0.2", "referrals[0].needs[1]", "'primary_care'"),
    # a sender that is neither a name nor a list of names: one problem, not one per allowed shape
    ("from: [team_a, team_b], to", "from: 5, to", "referrals[1].from", "valid string"),
])
def test_one_root_cause_gives_one_problem(tmp_path, old, new, field, words):
    assert old in REFERRED
    problems = problems_of(write(tmp_path, "cause.yaml", REFERRED.replace(old, new)))
    assert [p.field for p in problems] == [field], [str(p) for p in problems]
    assert words in problems[0].message


def test_an_unknown_name_is_reported_once_with_its_other_uses(tmp_path):
    text = REFERRED.replace("team_a", "team_x").replace("  team_x: {", "  team_a: {")
    problems = problems_of(write(tmp_path, "unknown.yaml", text))
    assert [p.field for p in problems] == ["referrals[0].from[0]"]
    assert problems[0].message.endswith("; also used at referrals[1].from[0]")


def test_a_service_of_the_wrong_kind_is_reported_once(tmp_path):
    text = REFERRED.replace("to: gp", "to: team_b")
    problems = problems_of(write(tmp_path, "kind.yaml", text))
    assert [p.field for p in problems] == ["referrals[0].to"]
    assert "is a outreach" in problems[0].message or "is an outreach" in problems[0].message
    assert "also used at referrals[1].to" in problems[0].message


def test_conferences_must_be_apart(tmp_path):
    text = MINIMAL + "handoffs:\n  multilateral:\n    conference: {every: 0 days}\n"
    problems = problems_of(write(tmp_path, "every.yaml", text))
    assert [p.field for p in problems] == ["handoffs.multilateral.conference.every"]
    assert "greater than 0" in problems[0].message


def test_real_sums_over_one_are_still_reported(tmp_path):
    problems = problems_of(write(tmp_path, "sum.yaml", REFERRED.replace("probability: 0.4", "probability: 0.9")))
    assert {p.field for p in problems} == {"referrals[1].probability"}
    assert all("exceed 1" in p.message for p in problems)
