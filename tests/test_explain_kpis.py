"""Explanations, shortlists and KPIs read the checked assignment and say why in plain English."""

from __future__ import annotations

import pytest

from rcc.data import read_instance
from rcc.model import Weights
from rcc.outputs import checked
from rcc.solver.candidates import candidate_pairs
from rcc.solver.cpsat import solve
from rcc.solver.params import SolveParams
from tests.conftest import FIXTURES

TINY = FIXTURES / "tiny"


def _solved(name: str, weights: Weights | None = None):
    instance = read_instance(TINY / name)
    weights = weights or Weights()
    pairs = candidate_pairs(instance, weights)
    return checked(instance, weights, solve(instance, weights, SolveParams(time_limit=10), pairs=pairs), pairs)


def test_placed_child_reason_names_home_distance_cost_and_best_alternative():
    """C1 goes to H2; the reason gives its km and price and compares H1 with the extra cost."""
    solved = _solved("capacity-second-child-takes-next-home")
    reason = solved.explainer.reason("C1")
    assert reason.startswith("Placed at H2 (")
    assert " miles away (within 20 miles" in reason and "£" in reason
    assert "Best alternative: H1" in reason and "but it is full (C2)" in reason


def test_unplaced_child_with_no_feasible_home_names_the_rule():
    """A child whose need level no home can meet is told exactly that."""
    solved = _solved("need-level-too-high-child-unplaced")
    reason = solved.explainer.reason("C1")
    assert reason.startswith("Unplaced: no home meets the rules")
    assert "need level is above what the home can meet" in reason


def test_unplaced_child_whose_homes_are_full_names_who_took_them():
    """Two children, one bed: the one left out is told the home is full and by whom."""
    solved = _solved("capacity-two-children-one-bed")
    assert solved.explainer.reason("C2") == "Unplaced: all 1 feasible home(s) are taken: H1 is full (C1)."


def test_unplaced_because_every_home_scores_worse_than_an_emergency_placement():
    """Under the weighted score, leaving a child unplaced can be optimal: the reason compares scores,
    and gives the home's real price in £, never the score as money."""
    solved = _solved("unplaced-optimal-every-home-too-expensive")
    reason = solved.explainer.reason("C1")
    assert reason == ("Unplaced: every feasible home scores worse than an emergency placement (15,000 in the "
                      "weighted score); the best, H2, costs £14,900/week and scores 15,100.")


def test_shortlist_ranks_homes_best_first_and_marks_the_chosen_one():
    """The shortlist gives each home's distance, 20-mile and own-authority flags and real weekly price,
    marks the current match, and says what blocks the others."""
    solved = _solved("capacity-second-child-takes-next-home")
    shortlist = solved.explainer.shortlist("C1", k=5)
    assert list(shortlist["rank"]) == list(range(1, len(shortlist) + 1))
    assert list(shortlist["home_id"]) == ["H1", "H2"]  # H1 is cheaper and nearer, but C2 has it
    assert list(shortlist["chosen"]) == [False, True]
    assert shortlist["blocked_by"].iloc[0] == "is full (C2)"
    assert {"within_20_miles", "own_authority", "weekly_cost", "authority"} <= set(shortlist.columns)


def test_kpis_on_a_split_sibling_group_by_hand():
    """Three siblings in three homes: all placed, none together, 10 km each, £1,000 each."""
    kpis = _solved("siblings-three-homes-two-splits").kpis
    assert kpis["placed_pct"] == 100.0
    assert kpis["siblings_together_pct"] == 0.0
    assert kpis["groups_apart"] == 1
    assert kpis["within_20_miles_pct"] == 100.0
    assert kpis["mean_km"] == pytest.approx(10.0)
    assert kpis["weekly_spend"] == pytest.approx(3000.0)


def test_kpis_count_block_booked_beds_used_and_charge_nothing_for_them():
    """A block-booked bed used is counted and costs the child nothing."""
    solved = _solved("block-booked-bed-costs-nothing")
    assert solved.kpis["block_booked_used"] == 1
    assert solved.check.charged["C1"] == 0.0


def test_unplaced_child_blocked_by_a_solo_child_says_so():
    """Two solo children, one home: the one left out is told the home holds the other."""
    solved = _solved("solo-two-solo-one-home-one-unplaced")
    assert solved.explainer.reason("C2") == "Unplaced: all 1 feasible home(s) are taken: H1 holds solo child C1."


def test_sibling_groups_view_says_where_each_went_and_why_a_group_is_apart():
    """Three siblings, no home with room for all three: the group is apart, each member's home is
    listed, and the reason names the roomiest home they could share."""
    from rcc.model import Instance
    from tests.builders import child, home

    kids = tuple(child(f"C{i}", sibling_group="G1") for i in (1, 2, 3))
    instance = Instance(kids, (home("H1", vacancies=2), home("H2", vacancies=2)), name="three")
    pairs = candidate_pairs(instance)
    solved = checked(instance, Weights(), solve(instance, params=SolveParams(time_limit=10), pairs=pairs), pairs)
    view = solved.explainer.sibling_groups().set_index("sibling_group")
    assert view.loc["G1", "status"] == "apart" and view.loc["G1", "homes"] == 2
    assert "C1 → H" in view.loc["G1", "where"] and view.loc["G1", "where"].count("→") == 3
    assert view.loc["G1", "why"] == ("no home every one of the 3 may go to has room for all of them "
                                     "(the roomiest such home has 2 place(s))")


def test_per_authority_table_counts_each_authoritys_measures():
    """Every authority sees its own children's far-from-home and outside-authority counts, its spend and
    how far its placed share falls below the region's."""
    from rcc.kpis import kpis_by_la

    solved = _solved("siblings-three-homes-two-splits")
    table = kpis_by_la(solved.instance, solved.result.assignment, solved.check).set_index("la_code")
    row = table.loc["E08000003"]
    assert (row["far_from_home"], row["outside_own_la"], row["groups_apart"]) == (0, 0, 1)
    assert row["weekly_spend"] == pytest.approx(3000.0) and row["below_region_points"] == 0.0
    assert row["la_name"] == "Manchester"
