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
