"""The parameter table reads the source labels of the scenario file's comments, with each line's full path."""

from __future__ import annotations

import textwrap
from pathlib import Path

from simulator.report.build import _data_row
from simulator.report.sources import find, parse, read
from tests.report._helpers import ROOT, SMALL_TOWN

TEXT = textwrap.dedent("""\
    # A scenario. Labels: [S] sourced, [A] assumption.
    name: example
    warmup: 10 days          # [A] settles the stock
    population:
      inflow:
        # [D] four times a one-night count (2015)
        rate: 4 per day
      shelter_use:
        # [S] Calgary study: stays by pattern (2009)
        transitional:
          stay: 3 days       # no label: not listed
    services:
      # ---- shelters ([S] press) ----
      men:
        capacity: 30         # [S] press, 2018
      # ---- clinics ----
      clinic:
        treats: {primary_care: 0.6,
                 mental_health: 0.3}   # [A] shares treated
    referrals:               # [A] the whole network
      - {from: men, to: clinic}
    """)


def test_each_labelled_line_with_its_path_and_section() -> None:
    header, rows, extends = parse(TEXT)
    assert header.startswith("A scenario.")
    assert extends is None
    assert [(r.section, r.path, r.value, r.label) for r in rows] == [
        ("Calendar and run", "warmup", "10 days", "A"),
        ("Population", "population.inflow.rate", "4 per day", "D"),  # the comment just above a key
        ("Population", "population.shelter_use", "", "S"),  # a comment that opens a block describes its parent
        ("Services: shelters ([S] press)", "services.men.capacity", "30", "S"),
        ("Services: clinics", "services.clinic.treats", "{primary_care: 0.6, mental_health: 0.3}", "A"),
        ("Referral network", "referrals", "", "A"),
    ]
    assert rows[4].note == "[A] shares treated"  # on the last line of a value written over two lines


def test_extends_merges_the_parent_lines(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(TEXT, encoding="utf-8")
    (tmp_path / "child.yaml").write_text("extends: base.yaml\nname: child\nwarmup: 20 days   # [A] longer\n",
                                         encoding="utf-8")
    files, _, rows = read(tmp_path / "child.yaml")
    assert [f.name for f in files] == ["base.yaml", "child.yaml"]
    warmups = [r for r in rows if r.path == "warmup"]
    assert [(r.value, r.note) for r in warmups] == [("20 days", "[A] longer")]
    assert any(r.path == "services.men.capacity" for r in rows)


def test_find_prefers_the_commands_file_and_skips_sweep_specs(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: s\nbase: x.yaml\n", encoding="utf-8")
    scenario = tmp_path / "mine.yaml"
    scenario.write_text(TEXT, encoding="utf-8")
    found = find("example", ["simulator", "sweep", str(spec), str(scenario)])
    assert found.files == (scenario,)
    assert found.count("S") == 2
    assert found.count("D") == 1
    assert found.years() == (2009, 2018)


def test_find_reports_where_it_looked(tmp_path: Path) -> None:
    found = find("no_such_scenario", [])
    assert not found.files
    assert not found.parameters
    assert any("no_such_scenario.yaml" in path for path in found.tried)


def test_montreal_parameters_keep_their_service() -> None:
    found = find("montreal_centre", [])
    paths = {r.path for r in found.parameters}
    assert "services.old_brewery_men.capacity" in paths
    assert "services.old_brewery_women.capacity" in paths
    assert found.count("S") > 5
    assert found.count("A") > 5
    sections = [name for name, _ in found.sections()]
    assert sections[0] == "Calendar and run"
    assert "Population" in sections
    assert any(name.startswith("Services: ") for name in sections)


def test_data_row_follows_the_scenario() -> None:
    town = _data_row({"name": "small_town", "description": "a small town network"},
                     find("small_town", [str(SMALL_TOWN)]))
    assert "small_town" in town
    assert "cites no sources" in town
    assert "Montreal" not in town
    montreal = _data_row({"name": "montreal_centre", "description": "Central Montreal aid."},
                         find("montreal_centre", [str(ROOT / "configs" / "montreal_centre.yaml")]))
    assert "montreal_centre" in montreal
    assert "configs/montreal_centre.yaml" in montreal
    assert "as sourced [S]" in montreal
    assert "mix years" in montreal
    missing = _data_row({"name": "elsewhere"}, find("elsewhere", []))
    assert "was not found" in missing
    assert "Montreal" not in missing


def test_calibrated_values_are_labelled() -> None:
    _, rows, _ = parse("population:\n  inflow:\n    rate: 31.6 per day  # [C] calibrated 2026-11-26 (was 38 per day)\n")
    assert [(r.path, r.label) for r in rows] == [("population.inflow.rate", "C")]


def test_a_key_with_notes_above_and_on_its_line_has_one_row() -> None:
    # a calibrated value whose derivation sits in the comment above: one row, the line's [C] first
    text = ("services:\n  overflow:\n    # [D] 1,623 places less the permanent beds: 580 at most\n"
            "    winter_capacity: 290  # [C] calibrated 2026-11-26 (was 580)\n")
    _, rows, _ = parse(text)
    assert [(r.path, r.value, r.label) for r in rows] == [("services.overflow.winter_capacity", "290", "C")]
    assert rows[0].note == "[C] calibrated 2026-11-26 (was 580); [D] 1,623 places less the permanent beds: 580 at most"
