"""The national-commissioning list: who no home in the region can meet, the rule behind each, the counts,
and where the list is written (summary.json, national_commissioning.csv, the CLI line)."""

from __future__ import annotations

import json

import pandas as pd
from hypothesis import HealthCheck, given, settings

from rcc.beyond_region import COMBINATION, DISTANCE, REASON_LABELS, beyond_region
from rcc.cli import main
from rcc.data import read_instance
from rcc.data.write import write_instance
from rcc.exit_codes import EXIT_OK
from rcc.model import Child, Home, Instance
from rcc.outputs import write_outputs
from rcc.service import SolveParams, candidate_pairs, solve_checked
from tests.bruteforce import pair_feasible
from tests.conftest import FIXTURES
from tests.strategies import tiny_instances

MANCHESTER, SALFORD = "E08000003", "E08000006"
CENTRE = (53.48, -2.24)


def _child(child_id: str, la: str = MANCHESTER, at=CENTRE, **fields) -> Child:
    values = {"age": 10, "sex": "F", "need_level": 1} | fields
    return Child(child_id, la, at[0], at[1], **values)


def _home(home_id: str, **fields) -> Home:
    values = {"provider": "P", "setting": "childrens_home", "la_code": MANCHESTER, "lat": CENTRE[0],
              "lon": CENTRE[1] + 0.01, "vacancies": 2, "min_age": 0, "max_age": 17, "max_need_level": 3,
              "weekly_cost": 4000.0} | fields
    return Home(home_id, **values)


def hand_made() -> Instance:
    """Two homes, both with a child living there: H1 for ages 8–17 with a self-harm specialism, H2 for ages
    0–5 without one; both meet need levels up to 3. One child fits; each other child is shut out by one rule."""
    homes = (_home("H1", min_age=8, specialisms=frozenset({"self_harm"}), resident_ages=(12,)),
             _home("H2", max_age=5, resident_ages=(4,)))
    kids = (
        _child("FITS"),
        _child("NEEDS", needs=frozenset({"bsl"})),  # no home offers BSL
        _child("AGE", age=7),  # between H2's 5 and H1's 8
        _child("LEVEL", need_level=4),  # both homes stop at 3
        _child("SOLO", solo=True),  # both homes have a child living there
        _child("FAR", la=SALFORD, at=(51.5, -0.12)),  # London: H1 fits every other rule, 260 km away
        _child("BOTH", age=3, needs=frozenset({"self_harm"})),  # H1 is for older children, H2 lacks the specialism
    )
    return Instance(kids, homes, name="hand-made")


def test_each_child_no_home_can_meet_is_listed_with_the_rule_that_excludes_every_home():
    """Every reason on a hand-made region: specialism, age, need level, solo, distance and a combination;
    the child who fits a home is not listed."""
    listed = beyond_region(hand_made()).children.set_index("child_id")
    assert "FITS" not in listed.index
    assert listed["reason"].to_dict() == {"NEEDS": "needs", "AGE": "age", "LEVEL": "need_level", "SOLO": "residents",
                                          "FAR": DISTANCE, "BOTH": COMBINATION}
    assert listed.loc["BOTH", "rules"].split(";") == ["age", "needs"]
    assert "bsl, which no home in the region offers" in listed.loc["NEEDS", "why"]
    assert "aged 7" in listed.loc["AGE", "why"] and "need level 4" in listed.loc["LEVEL", "why"]
    assert listed.loc["SOLO", "why"].startswith("Must live alone, and every home has children living there")
    assert "beyond the child's maximum of 50 miles" in listed.loc["FAR", "why"]
    assert "1 home(s): the child's age is outside" in listed.loc["BOTH", "why"]
    assert "1 of the rest: the home lacks a specialism" in listed.loc["BOTH", "why"]


def test_counts_per_authority_name_and_per_reason():
    """Five children of Manchester and one of Salford, by name; one per reason, labelled in words."""
    listed = beyond_region(hand_made())
    by_la = listed.by_authority().set_index("authority")
    assert by_la["children"].to_dict() == {"Manchester": 5, "Salford": 1}
    assert by_la.loc["Salford", DISTANCE] == 1 and by_la.loc["Manchester", DISTANCE] == 0
    by_reason = listed.by_reason().set_index("reason")
    assert by_reason["children"].to_dict() == dict.fromkeys(["needs", "age", "need_level", "residents", DISTANCE,
                                                             COMBINATION], 1)
    assert by_reason.loc["needs", "label"] == REASON_LABELS["needs"]
    block = listed.summary()
    assert block["children"] == 6 and block["by_reason"]["age"] == {"label": REASON_LABELS["age"], "children": 1}
    assert [a["authority"] for a in block["by_authority"]] == ["Manchester", "Salford"]


def test_several_rules_that_each_exclude_every_home_are_all_named():
    """A child too young for every home whose need level no home meets: headed by need level, age also said."""
    region = Instance((_child("C1", age=2, need_level=4),), (_home("H1", min_age=8),), name="r")
    row = beyond_region(region).children.iloc[0]
    assert row["reason"] == "need_level" and row["rules"] == "need_level;age"
    assert "also: no home is registered for a child aged 2" in row["why"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances())
def test_listed_children_are_exactly_those_the_brute_force_finds_no_home_for(instance):
    """Against the brute-force referee: a child is listed if and only if no home is pairwise feasible."""
    homeless = {c.child_id for c in instance.children
                if not any(pair_feasible(instance, c, h) for h in instance.homes)}
    listed = beyond_region(instance)
    assert set(listed.child_ids) == homeless
    assert set(listed.children["reason"]) <= set(REASON_LABELS) | {"kinship"}


def test_a_solve_writes_the_list_beside_the_assignments_and_in_the_summary(tmp_path):
    """``write_outputs``: national_commissioning.csv (one row per listed child) and summary.json's block."""
    solved = solve_checked(hand_made(), params=SolveParams(time_limit=5))
    write_outputs(solved, tmp_path)
    written = pd.read_csv(tmp_path / "national_commissioning.csv", dtype=str)
    assert sorted(written["child_id"]) == ["AGE", "BOTH", "FAR", "LEVEL", "NEEDS", "SOLO"]
    assert list(written.columns) == ["child_id", "la_code", "authority", "age", "need_level", "reason", "rules", "why"]
    block = json.loads((tmp_path / "summary.json").read_text())["beyond_region"]
    assert block["children"] == 6 and {c["child_id"] for c in block["list"]} == set(written["child_id"])


def test_rcc_solve_says_how_many_children_no_home_can_meet(tmp_path, capsys):
    """The CLI summary has a line for the list, with the reasons in words and the file it wrote."""
    folder = tmp_path / "hand-made"
    write_instance(hand_made(), folder)
    code = main(["solve", str(folder), "--out", str(tmp_path / "out"), "--time-limit", "5",
                 "--db", f"sqlite:///{tmp_path / 'runs.db'}"])
    assert code == EXIT_OK
    out = capsys.readouterr().out
    assert "national commissioning: 6 child(ren) no home in the region can meet" in out
    assert "1 — no home offers every specialism the child needs" in out and "national_commissioning.csv" in out
    assert (tmp_path / "out" / "national_commissioning.csv").is_file()


def test_greater_manchester_lists_the_children_with_no_feasible_pair_each_with_a_reason():
    """The bundled region: some children no home can meet (13 when written), exactly those without a candidate
    pair, every one with a reason in words and counted under one authority."""
    region = read_instance(FIXTURES / "greater-manchester")
    listed = beyond_region(region)
    pairs = candidate_pairs(region)
    assert set(listed.child_ids) == {c.child_id for c in region.children} - set(pairs["child_id"])
    assert len(listed.children) > 0 and listed.children["why"].str.len().min() > 20
    assert listed.by_authority()["children"].sum() == len(listed.children)


def test_the_written_list_holds_no_live_formula(tmp_path):
    """A hostile child ID on the list is written inert (a leading apostrophe), like every table rcc writes."""
    region = hand_made()
    region = region.replace(children=(*region.children, _child('=HYPERLINK("http://x")', age=7)))
    write_outputs(solve_checked(region, params=SolveParams(time_limit=5)), tmp_path)
    written = pd.read_csv(tmp_path / "national_commissioning.csv", dtype=str)
    assert "'=HYPERLINK(\"http://x\")" in set(written["child_id"])
    assert not written["child_id"].str.startswith(("=", "+", "@")).any()
