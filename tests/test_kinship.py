"""Family and friends (kinship) carers: rule 10 keeps everyone else out, each child goes to their carer
unless a rule forbids it, and the explanation and KPIs say so."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcc.check import check_assignment, verify
from rcc.imports.ssda903 import render_files as render_903
from rcc.model import Instance, Weights
from rcc.priorities import Objective
from rcc.service import frontier_checked, greedy_checked, solve_checked
from rcc.solver.candidates import candidate_pairs, excluding_rules
from rcc.solver.cpsat import solve
from rcc.solver.greedy import solve_greedy
from rcc.solver.kinship import kinship
from rcc.solver.params import SolveParams
from rcc.solver.plan import solve_plan
from tests.bruteforce import brute_force, feasible_assignments, objective, pair_feasible, penny_rounding
from tests.builders import BOLTON, DIDSBURY, PICCADILLY, WITHINGTON, child, home
from tests.strategies import tiny_instances

QUICK = SolveParams(time_limit=10, workers=1)
LA_MANCHESTER = "E08000003"
RULE = "the home is a family or friends carer approved for another child only"


def carer(home_id: str = "K1", reserved_for: str = "C1", at=BOLTON, **changes):
    """A foster carer 17 km from Withington at the kinship allowance, approved for ``reserved_for``."""
    fields = dict(setting="foster", vacancies=1, weekly_cost=200.0, max_need_level=2, sector="local_authority",
                  reserved_for=reserved_for)
    return home(home_id, at=at, **{**fields, **changes})


def _near_and_cheap(*kids, carers=()) -> Instance:
    """Children from Withington, a cheap home next door with room for all, and the given carers: an
    optimiser left to itself would send every child to the home next door."""
    near = home("H1", at=DIDSBURY, vacancies=len(kids), weekly_cost=100.0)
    return Instance(children=kids, homes=(near, *carers), name="kinship")


# --- rule 10 ---------------------------------------------------------------------------------------


def test_kinship_carer_is_no_candidate_for_any_other_child():
    """C2 may not go to C1's carer; C1 may; excluding_rules names the rule for C2."""
    instance = _near_and_cheap(child("C1"), child("C2"), carers=(carer(),))
    pairs = candidate_pairs(instance)
    assert set(zip(pairs["child_id"], pairs["home_id"], strict=True)) == {("C1", "H1"), ("C1", "K1"), ("C2", "H1")}
    assert excluding_rules(instance, 1) == {RULE: 1}


def test_carer_approved_for_a_sibling_group_takes_its_members_only():
    instance = _near_and_cheap(child("C1", sibling_group="G1"), child("C2", sibling_group="G1"), child("C3"),
                               carers=(carer(reserved_for="G1", vacancies=2),))
    pairs = candidate_pairs(instance)
    assert sorted(pairs.loc[pairs["home_id"] == "K1", "child_id"]) == ["C1", "C2"]


def test_checker_refuses_a_child_in_a_home_reserved_for_another():
    instance = _near_and_cheap(child("C1"), child("C2"), carers=(carer(),))
    check = check_assignment(instance, {"C1": "H1", "C2": "K1"})
    assert check.violations == ("child C2 is placed in home K1, a family or friends carer approved only for C1 "
                                "(rule 10: kinship)",)


@st.composite
def with_carers(draw):
    """A tiny random instance in which some homes are reserved for a child or a sibling group."""
    instance = draw(tiny_instances(max_children=5, max_homes=4))
    names = [c.child_id for c in instance.children] + ["G1", "G2"]
    homes = tuple(dataclasses.replace(h, reserved_for=draw(st.sampled_from([None, None, *names])))
                  for h in instance.homes)
    return dataclasses.replace(instance, homes=homes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(with_carers())
def test_candidate_pairs_apply_rule_10_as_the_brute_force_reads_it(instance):
    pairs = candidate_pairs(instance)
    found = set(zip(pairs["child_id"], pairs["home_id"], strict=True))
    expected = {(c.child_id, h.home_id) for c in instance.children for h in instance.homes
                if pair_feasible(instance, c, h)}
    assert found == expected


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(with_carers())
def test_cpsat_optimum_with_kinship_carers_equals_brute_force(instance):
    """Without pins CP-SAT reaches the brute-force optimum under rule 10, and the checker agrees."""
    best, _ = brute_force(instance)
    result = solve(instance, params=QUICK)
    verify(result, instance)
    assert result.objective == pytest.approx(best, abs=penny_rounding(instance))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(with_carers())
def test_every_plan_keeps_the_kinship_pins_and_is_best_among_plans_that_do(instance):
    """The weighted plan keeps every kinship pin (each an approved child of that carer) and is the
    brute-force best of the plans that keep them; the status quo keeps them too."""
    pins = kinship(instance, candidate_pairs(instance)).pins
    for child_id, home_id in pins.items():
        assert instance.home_by_id[home_id].reserved_for in (child_id, instance.child_by_id[child_id].sibling_group)
    result = solve_plan(instance, objective=Objective(mode="weighted"), params=QUICK)
    verify(result, instance)
    assert all(result.assignment[c] == h for c, h in pins.items())
    greedy = solve_greedy(instance)
    verify(greedy, instance)
    assert all(greedy.assignment[c] == h for c, h in pins.items())
    keeping = [objective(instance, a) for a in feasible_assignments(instance)
               if all(a[c] == h for c, h in pins.items())]
    assert result.objective == pytest.approx(min(keeping), abs=penny_rounding(instance))


# --- the matcher: placed with their carer unless a rule forbids it -----------------------------------


def test_child_goes_to_their_carer_though_a_nearer_cheaper_home_has_room():
    """In the plan, in the status quo and under the weighted score alike; the reason says so, and the
    placement counts in every measure (its £200 a week, its distance)."""
    instance = _near_and_cheap(child("C1"), child("C2"), carers=(carer(),))
    solved = solve_checked(instance, params=QUICK)
    assert solved.result.assignment == {"C1": "K1", "C2": "H1"}
    assert solved.explainer.reason("C1").startswith("Placed with their family or friends carer (K1), 1")
    assert solved.check.measures["weekly_spend"] == pytest.approx(300.0)
    assert solved.check.km["C1"] > 16
    assert greedy_checked(instance).result.assignment["C1"] == "K1"
    weighted = solve_checked(instance, params=QUICK, objective=Objective(mode="weighted"))
    assert weighted.result.assignment["C1"] == "K1"
    assert solve_checked(instance, params=QUICK, hint="greedy").result.assignment["C1"] == "K1"


def test_child_is_matched_normally_when_a_rule_forbids_their_carer_and_is_told_why():
    instance = _near_and_cheap(child("C1", age=12), carers=(carer(max_age=9),))
    solved = solve_checked(instance, params=QUICK)
    assert solved.result.assignment == {"C1": "H1"}
    assert solved.explainer.reason("C1").startswith(
        "Has a family or friends carer (K1) but the child's age is outside the home's age range. Placed at H1")
    assert solved.kpis["kinship_placed"] == 0 and solved.kpis["kinship_carers_unused"] == 1


def test_carer_without_room_for_the_whole_group_takes_as_many_as_fit():
    """Three siblings, a carer with two places: two go there, the third is matched normally and told
    the carer's room is the reason."""
    kids = [child(f"C{i}", sibling_group="G1") for i in (1, 2, 3)]
    instance = _near_and_cheap(*kids, carers=(carer(reserved_for="G1", vacancies=2),))
    solved = solve_checked(instance, params=QUICK)
    assert [solved.result.assignment[c] for c in ("C1", "C2", "C3")] == ["K1", "K1", "H1"]
    assert solved.explainer.reason("C3").startswith(
        "Has a family or friends carer (K1) but the carer has room for 2 child(ren) only.")
    assert solved.kpis["kinship_placed"] == 2


def test_separated_siblings_are_not_both_pinned_to_one_carer():
    kids = [child("C1", sibling_group="G1"), child("C2", sibling_group="G1")]
    instance = dataclasses.replace(_near_and_cheap(*kids, carers=(carer(reserved_for="G1", vacancies=2),)),
                                   separations=(("C1", "C2"),))
    found = kinship(instance, candidate_pairs(instance))
    assert found.pins == {"C1": "K1"}
    assert found.blocked == {"C2": ("K1", "they must live apart from C1, who is placed there")}


def test_a_pin_set_by_hand_wins_over_the_kinship_pin():
    instance = _near_and_cheap(child("C1"), carers=(carer(),))
    solved = solve_checked(instance, params=QUICK, pins={"C1": "H1"})
    assert solved.result.assignment == {"C1": "H1"}
    assert solved.explainer.reason("C1").startswith(
        "Has a family or friends carer (K1) but was pinned elsewhere by hand.")


def test_kinship_kpis_count_placements_and_unused_carers():
    """Two carers, one whose child is too old for them: one kinship placement, one carer unused, and the
    per-authority table counts the placement for the child's authority."""
    kids = (child("C1"), child("C2", age=15))
    instance = _near_and_cheap(*kids, carers=(carer("K1", "C1"), carer("K2", "C2", at=PICCADILLY, max_age=12)))
    solved = solve_checked(instance, params=QUICK)
    assert (solved.kpis["kinship_placed"], solved.kpis["kinship_carers"], solved.kpis["kinship_carers_unused"]) \
        == (1, 2, 1)


def test_frontier_points_keep_the_kinship_placement():
    instance = _near_and_cheap(child("C1"), child("C2", at=WITHINGTON), carers=(carer(),))
    found = frontier_checked(instance, "weekly_spend", "far_from_home", params=SolveParams(time_limit=10), points=2)
    assert found.points and all(p.result.assignment["C1"] == "K1" for p in found.points)


def test_without_kinship_carers_nothing_changes():
    instance = _near_and_cheap(child("C1"), child("C2"))
    assert kinship(instance, candidate_pairs(instance)).pins == {}
    assert solve_checked(instance, params=QUICK).kpis["kinship_placed"] == 0


def test_weights_do_not_move_a_kinship_child():
    """Even when distance is priced so high that the carer scores worse than an emergency placement."""
    instance = _near_and_cheap(child("C1"), carers=(carer(),))
    weights = Weights(km=2000.0)
    assert solve_checked(instance, weights, QUICK, objective=Objective(mode="weighted")).result.assignment == \
        {"C1": "K1"}


# --- the generator ------------------------------------------------------------------------------------


def test_generator_draws_a_nearby_council_carer_for_about_one_child_in_seven(monkeypatch):
    """Each carer is approved for one child or one whole sibling group, lives within a few miles of
    them, is paid the fostering allowance and run by the council; the open market is untouched."""
    from rcc.data import generate
    from rcc.data.fostering_allowance import fostering_allowance
    from rcc.data.geo import geodesic_km

    instance = generate.generate_instance(las=["E08000003", "E08000006", "E08000009"], children=200, seed=4)
    carers = [h for h in instance.homes if h.reserved_for is not None]
    units = {c.sibling_group or c.child_id for c in instance.children}
    assert abs(len(carers) / len(units) - generate.KINSHIP_SHARE) < 0.01
    for carer_home in carers:
        members = [c for c in instance.children if carer_home.reserved_for in (c.child_id, c.sibling_group)]
        assert len(members) == carer_home.vacancies >= 1
        assert carer_home.sector == "local_authority" and carer_home.setting == "foster"
        assert carer_home.weekly_cost == fostering_allowance(max(c.age for c in members))
        assert geodesic_km(members[0].lat, members[0].lon, carer_home.lat, carer_home.lon)[()] < 15
    monkeypatch.setattr(generate, "KINSHIP_SHARE", 0.0)
    without = generate.generate_instance(las=["E08000003", "E08000006", "E08000009"], children=200, seed=4)
    assert without.homes == tuple(h for h in instance.homes if h.reserved_for is None)
    assert without.children == instance.children


def test_fostering_allowance_follows_the_published_age_bands():
    from rcc.data.fostering_allowance import fostering_allowance

    assert [fostering_allowance(a) for a in (0, 2, 3, 4, 5, 10, 11, 15, 16, 17)] == \
        [170, 170, 176, 176, 194, 194, 220, 220, 258, 258]


# --- the SSDA903 importer -------------------------------------------------------------------------------


def test_903_connected_person_placements_become_carers_reserved_for_their_child():
    """U1 at a known placement district: the carer is there, in that district's authority, at the allowance
    for the child's age; U3 with an unknown placement postcode: at the child's home district; U4 (an
    ordinary foster placement): no carer. No full postcode is kept."""
    from tests.test_import_903 import child as header_row
    from tests.test_import_903 import episode, run

    result = run([header_row("C1"), header_row("C2", dob="01/01/2020"), header_row("C3")],
                 [episode("C1", place="U1", placed="OL1 2XY"), episode("C2", place="U3", placed="ZZ99 9ZZ"),
                  episode("C3", place="U4")])
    homes = result.kinship_homes.set_index("home_id")
    assert list(homes.index) == ["KIN-C1", "KIN-C2"] and result.summary["kinship_carers"] == 2
    assert tuple(homes.loc["KIN-C1", ["reserved_for", "postcode_district", "la_code", "weekly_cost", "vacancies",
                                      "setting", "sector"]]) == ("C1", "OL1", "E08000004", 220.0, 1, "foster",
                                                                 "local_authority")
    assert tuple(homes.loc["KIN-C2", ["postcode_district", "la_code", "weekly_cost"]]) == ("M14", LA_MANCHESTER, 176.0)
    assert "2XY" not in render_903(result)["kinship_homes.csv"]


def test_903_sample_carers_match_the_connected_person_codes_and_validate(tmp_path):
    """On the fake sample: one carer per child whose current placement is U1-U3, and children.csv with
    kinship_homes.csv as homes.csv is a valid instance in which every carer is reserved for its child."""
    import datetime as dt
    import shutil

    from rcc.data import read_instance
    from rcc.imports.ssda903 import import_903, write_import
    from tests.test_import_903 import SAMPLE

    result = import_903(SAMPLE / "header.csv", SAMPLE / "episodes.csv", LA_MANCHESTER, dt.date(2017, 3, 31))
    connected = set(result.status_quo.loc[result.status_quo["place"].isin(["U1", "U2", "U3"]), "child_id"])
    assert set(result.kinship_homes["reserved_for"]) == connected and len(connected) == 222
    written = write_import(result, tmp_path / "out")
    folder = tmp_path / "instance"
    folder.mkdir()
    shutil.copy(written / "children.csv", folder / "children.csv")
    shutil.copy(written / "kinship_homes.csv", folder / "homes.csv")
    instance = read_instance(folder)
    assert all(h.reserved_for == h.home_id.removeprefix("KIN-") for h in instance.homes)


# --- the app --------------------------------------------------------------------------------------------


def test_results_page_counts_children_with_their_family_or_friends_carer():
    """Two carers, one whose child is too old for them: the page shows one child with their carer and one
    of two carers unused, in words, and explains the term."""
    from streamlit.testing.v1 import AppTest

    from rcc.app.state import AppState

    kids = (child("C1"), child("C2", age=15))
    instance = _near_and_cheap(*kids, carers=(carer("K1", "C1"), carer("K2", "C2", at=PICCADILLY, max_age=12)))
    at = AppTest.from_string("from rcc.app.pages import results\nresults.render()\n", default_timeout=120)
    at.session_state["app"] = AppState(instance=instance, label="kinship", solved=solve_checked(instance, params=QUICK),
                                       greedy=greedy_checked(instance))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Placed with family or friends carers"] == "1"
    assert metrics["Family or friends carers unused"] == "1 of 2"
