"""The independent checker: it catches every broken rule by name and recomputes the objective exactly."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest
from geopy.distance import geodesic

from rcc.check import Check, CheckFailed, check_assignment, verify
from rcc.data.read import read_instance
from rcc.model import Instance, Weights
from rcc.result import Result, Status
from tests.bruteforce import brute_force
from tests.builders import BOLTON, PICCADILLY, WITHINGTON, child, home

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "tiny"
# The checker tests were written against homes for ages 8–17 and need level up to 3.
home = partial(home, min_age=8, max_need_level=3)


def instance(children=None, homes=None, **changes) -> Instance:
    """One girl of 10 in Withington and one home in Piccadilly that takes her, unless told otherwise."""
    children = [child()] if children is None else children
    homes = [home()] if homes is None else homes
    return Instance(children=tuple(children), homes=tuple(homes), **changes)


def violations_of(inst: Instance, assignment) -> tuple[str, ...]:
    return check_assignment(inst, assignment).violations


def only_violation(inst: Instance, assignment) -> str:
    found = violations_of(inst, assignment)
    assert len(found) == 1, found
    return found[0]


def result(assignment, objective: float, terms: dict, solver: str = "test") -> Result:
    return Result(status=Status.FEASIBLE, solver=solver, assignment=assignment, objective=objective, terms=terms)


# --- A valid assignment -----------------------------------------------------------------------------------------


def test_valid_assignment_has_no_violations():
    """A child placed in a home that meets every rule is ok."""
    check = check_assignment(instance(), {"C1": "H1"})
    assert check.ok and check.violations == ()
    assert (check.placed, check.unplaced) == (1, 0)


def test_unplaced_child_is_allowed():
    """Leaving a child unplaced breaks no rule; it is only costed."""
    check = check_assignment(instance(), {"C1": None})
    assert check.ok
    assert check.terms["unplaced"] == 15000


# --- Whole-solution rules ---------------------------------------------------------------------------------------


def test_catches_a_home_over_capacity():
    """Three children in a home with two vacancies is a capacity violation naming the home and children."""
    inst = instance(children=[child("C1"), child("C2"), child("C3")])
    message = only_violation(inst, {"C1": "H1", "C2": "H1", "C3": "H1"})
    assert "home H1" in message and "C1, C2, C3" in message and "2 vacancies" in message and "capacity" in message


def test_catches_a_solo_child_sharing_a_home():
    """A solo child with another child in its home is a solo violation naming both and the home."""
    inst = instance(children=[child("C1", solo=True), child("C2")])
    message = only_violation(inst, {"C1": "H1", "C2": "H1"})
    assert message == "solo child C1 shares home H1 with C2 (solo)"


def test_catches_two_solo_children_together():
    """Two solo children in one home are each reported."""
    inst = instance(children=[child("C1", solo=True), child("C2", solo=True)])
    found = violations_of(inst, {"C1": "H1", "C2": "H1"})
    assert found == ("solo child C1 shares home H1 with C2 (solo)", "solo child C2 shares home H1 with C1 (solo)")


def test_catches_a_separated_pair_in_the_same_home():
    """Two separated children placed together is a separation violation naming both and the home."""
    inst = instance(children=[child("C1"), child("C2")], separations=[("C2", "C1")])
    message = only_violation(inst, {"C1": "H1", "C2": "H1"})
    assert message == "separated children C1 and C2 are both placed in home H1 (separation)"


def test_separated_pair_in_different_homes_is_fine():
    """A separation only forbids sharing a home."""
    inst = instance(children=[child("C1"), child("C2")], homes=[home("H1"), home("H2")], separations=[("C1", "C2")])
    assert check_assignment(inst, {"C1": "H1", "C2": "H2"}).ok


def test_catches_an_unknown_home():
    """A child assigned to a home not in the instance is reported with both IDs, and counts as unplaced."""
    check = check_assignment(instance(), {"C1": "H9"})
    assert check.violations == ("child C1 is assigned to home H9, which is not in the instance",)
    assert (check.placed, check.unplaced) == (0, 1)


def test_catches_a_missing_child():
    """A child of the instance absent from the assignment is reported, and counts as unplaced."""
    inst = instance(children=[child("C1"), child("C2")])
    check = check_assignment(inst, {"C1": "H1"})
    assert check.violations == ("child C2 is missing from the assignment (every child exactly once)",)
    assert check.unplaced == 1


def test_catches_an_unknown_child():
    """An assignment naming a child who is not in the instance is reported with the ID."""
    message = only_violation(instance(), {"C1": "H1", "C7": "H1"})
    assert "child C7" in message and "unknown child" in message


# --- Pairwise rules 1–7 -----------------------------------------------------------------------------------------


def test_catches_rule_1_home_without_vacancies():
    """Placing a child in a home with no vacancies breaks rule 1 (and so capacity)."""
    found = violations_of(instance(homes=[home(vacancies=0)]), {"C1": "H1"})
    assert "child C1 is placed in home H1, which has no vacancy (rule 1: vacancies >= 1)" in found
    assert any("capacity" in v for v in found)


@pytest.mark.parametrize("age", [7, 18])
def test_catches_rule_2_age_outside_range(age):
    """A child younger or older than the home's range breaks rule 2."""
    message = only_violation(instance(children=[child(age=age)]), {"C1": "H1"})
    assert message == f"child C1 is placed in home H1 but is aged {age}, outside the home's ages 8–17 (rule 2: age)"


def test_age_range_bounds_are_inclusive():
    """Ages equal to min_age and max_age are allowed."""
    inst = instance(children=[child("C1", age=8), child("C2", age=17)])
    assert check_assignment(inst, {"C1": "H1", "C2": "H1"}).ok


def test_catches_rule_3_wrong_sex():
    """A boy in a girls-only home breaks rule 3; a home for any sex takes both."""
    message = only_violation(instance(children=[child(sex="M")], homes=[home(sex="F")]), {"C1": "H1"})
    assert message == "child C1 is placed in home H1, which takes only sex F, but the child is M (rule 3: sex)"
    assert check_assignment(instance(children=[child(sex="M")], homes=[home(sex="any")]), {"C1": "H1"}).ok


def test_catches_rule_4_need_level_too_high():
    """A need level above the home's maximum breaks rule 4."""
    message = only_violation(instance(children=[child(need_level=4)]), {"C1": "H1"})
    assert message == (
        "child C1 is placed in home H1 but has need level 4, above the home's maximum 3 (rule 4: need level)"
    )


def test_catches_rule_5_missing_specialism():
    """A need the home lacks breaks rule 5, naming the missing tag."""
    inst = instance(
        children=[child(needs=frozenset({"self_harm", "bsl"}))], homes=[home(specialisms=frozenset({"self_harm"}))]
    )
    message = only_violation(inst, {"C1": "H1"})
    assert message == "child C1 is placed in home H1, which lacks the specialism(s) bsl the child needs (rule 5: needs)"


def test_catches_rule_6_inadequate_home():
    """A home rated inadequate breaks rule 6."""
    message = only_violation(instance(homes=[home(ofsted="inadequate")]), {"C1": "H1"})
    assert message == "child C1 is placed in home H1, which is rated inadequate by Ofsted (rule 6: ofsted)"


def test_catches_rule_7_home_beyond_max_distance():
    """A home farther than the child's maximum (WGS84 geodesic) breaks rule 7, with the distance."""
    km = geodesic(WITHINGTON, BOLTON).km
    message = only_violation(instance(children=[child(max_distance_km=10)], homes=[home(at=BOLTON)]), {"C1": "H1"})
    assert message == (
        f"child C1 is placed in home H1, {km:.2f} km away, beyond the child's maximum of 10 km (rule 7: distance)"
    )


def test_rule_7_distance_equal_to_max_is_allowed():
    """A home exactly at the child's maximum distance is within reach."""
    km = geodesic(WITHINGTON, BOLTON).km
    inst = instance(children=[child(max_distance_km=km)], homes=[home(at=BOLTON)])
    assert check_assignment(inst, {"C1": "H1"}).ok


def test_travel_csv_makes_a_far_home_allowed():
    """A travel.csv km within reach overrides a geodesic beyond it."""
    inst = instance(children=[child(max_distance_km=10)], homes=[home(at=BOLTON)], travel={("C1", "H1"): 9.5})
    check = check_assignment(inst, {"C1": "H1"})
    assert check.ok
    assert check.km == {"C1": 9.5}


def test_travel_csv_makes_a_near_home_too_far():
    """A travel.csv km beyond reach overrides a geodesic within it, and the message gives the listed km."""
    inst = instance(children=[child(max_distance_km=10)], travel={("C1", "H1"): 12.0})
    message = only_violation(inst, {"C1": "H1"})
    assert message == (
        "child C1 is placed in home H1, 12.00 km away, beyond the child's maximum of 10 km (rule 7: distance)"
    )


def test_travel_csv_applies_only_to_the_listed_pair():
    """Another child's travel.csv row does not change this child's geodesic distance."""
    inst = instance(children=[child("C1"), child("C2")], travel={("C2", "H1"): 3.0})
    check = check_assignment(inst, {"C1": "H1", "C2": "H1"})
    assert check.km["C1"] == pytest.approx(geodesic(WITHINGTON, PICCADILLY).km)
    assert check.km["C2"] == 3.0


def test_one_child_can_break_several_rules_at_once():
    """Every broken rule is reported, not just the first."""
    inst = instance(children=[child(age=5, sex="M", need_level=4)], homes=[home(sex="F", ofsted="inadequate")])
    found = violations_of(inst, {"C1": "H1"})
    assert [v.rsplit("(", 1)[1] for v in found] == [
        "rule 2: age)",
        "rule 3: sex)",
        "rule 4: need level)",
        "rule 6: ofsted)",
    ]


# --- The objective ----------------------------------------------------------------------------------------------


def objective_instance() -> Instance:
    """H1: £1000/week, 3 places, 1 block-booked; H2: £600; km all from travel.csv so the sums are exact."""
    return instance(
        children=[child("C1"), child("C2"), child("C3"), child("C4")],
        homes=[home("H1", vacancies=3, block_booked=1), home("H2", weekly_cost=600.0)],
        travel={("C1", "H1"): 2.0, ("C2", "H1"): 3.0, ("C3", "H2"): 4.5},
    )


def test_objective_recomputed_by_hand():
    """Two in H1 (one on the block-booked bed), one in H2, one unplaced: 1600 + 190 + 15000 = 16790."""
    check = check_assignment(objective_instance(), {"C1": "H1", "C2": "H1", "C3": "H2", "C4": None})
    assert check.ok
    assert check.terms == {"cost": 1000 + 600, "km": 20 * 9.5, "unplaced": 15000, "split": 0, "not_preferred": 0}
    assert check.objective == 16790
    assert (check.placed, check.unplaced, check.groups_apart) == (3, 1, 0)
    assert check.km == {"C1": 2.0, "C2": 3.0, "C3": 4.5}


def test_block_booked_beds_are_free_and_go_in_instance_order():
    """The first children of the instance in a home take its block-booked beds, charged 0."""
    check = check_assignment(objective_instance(), {"C1": None, "C2": "H1", "C3": None, "C4": "H1"})
    assert check.charged == {"C2": 0.0, "C4": 1000.0}
    assert check.terms["cost"] == 1000


def test_a_home_with_only_block_booked_children_costs_nothing():
    """n_h ≤ block_booked_h means the home adds nothing to the cost term."""
    inst = instance(homes=[home(block_booked=2)])
    assert check_assignment(inst, {"C1": "H1"}).terms["cost"] == 0


def test_objective_uses_the_given_weights():
    """Each term is multiplied by its own weight."""
    weights = Weights(cost=2, km=1, unplaced=100, split=7)
    check = check_assignment(objective_instance(), {"C1": "H1", "C2": "H1", "C3": "H2", "C4": None}, weights)
    assert check.terms == {"cost": 3200, "km": 9.5, "unplaced": 100, "split": 0, "not_preferred": 0}
    assert check.objective == 3309.5


def test_siblings_in_three_homes_count_two_splits():
    """A group spread over three homes costs 2 × w_split and counts once as a group apart."""
    inst = instance(
        children=[child(f"C{i}", sibling_group="G1") for i in (1, 2, 3)],
        homes=[home("H1"), home("H2"), home("H3")],
    )
    check = check_assignment(inst, {"C1": "H1", "C2": "H2", "C3": "H3"})
    assert check.terms["split"] == 2 * 5000
    assert (check.groups_apart, check.splits) == (1, 2)
    assert check.measures["siblings_apart"] == 2


def test_siblings_together_cost_no_split():
    """A group placed in one home costs nothing in splits."""
    inst = instance(children=[child("C1", sibling_group="G1"), child("C2", sibling_group="G1")])
    check = check_assignment(inst, {"C1": "H1", "C2": "H1"})
    assert check.terms["split"] == 0 and check.groups_apart == 0 and check.groups_together == 1


def test_group_with_no_placed_members_costs_no_split():
    """A sibling group none of whose members is placed costs only its unplaced penalties."""
    inst = instance(children=[child("C1", sibling_group="G1"), child("C2", sibling_group="G1")])
    check = check_assignment(inst, {"C1": None, "C2": None})
    assert check.terms == {"cost": 0, "km": 0, "unplaced": 30000, "split": 0, "not_preferred": 0}
    assert (check.groups_apart, check.groups_together, check.measures["siblings_apart"]) == (0, 0, 0)


def test_group_with_one_placed_member_costs_no_split_but_is_apart():
    """A placed sibling whose brother is unplaced costs no split in the weighted score, but the group
    is apart as people see it: one separation."""
    inst = instance(children=[child("C1", sibling_group="G1"), child("C2", sibling_group="G1")])
    check = check_assignment(inst, {"C1": "H1", "C2": None})
    assert check.terms["split"] == 0
    assert (check.groups_apart, check.measures["siblings_apart"]) == (1, 1)


def test_geodesic_distance_matches_geopy():
    """Without a travel.csv row, km is geopy's WGS84 geodesic and the km term is 20 × km."""
    check = check_assignment(instance(), {"C1": "H1"})
    km = geodesic(WITHINGTON, PICCADILLY).km
    assert check.km["C1"] == km
    assert check.terms["km"] == pytest.approx(20 * km)


def test_checker_agrees_with_a_csv_instance(valid_folder):
    """On an instance read from CSVs, the travel.csv row and the block-booked bed are honoured."""
    inst = read_instance(valid_folder)
    check = check_assignment(inst, {"C1": "H1", "C2": "H1", "C3": "H2"})
    assert check.ok, check.violations
    assert check.km["C3"] == 12.5
    assert check.charged == {"C1": 0.0, "C2": 650.0, "C3": 4200.5}


@pytest.mark.parametrize("folder", sorted(p for p in TINY.iterdir() if p.is_dir()), ids=lambda p: p.name)
def test_checker_agrees_with_hand_computed_tiny_optima(folder):
    """On every tiny fixture, the checker passes the brute-force optimum and recomputes the hand-made objective."""
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    inst = read_instance(folder)
    best, assignment = brute_force(inst)
    check = check_assignment(inst, assignment)
    assert check.ok, check.violations
    assert check.objective == pytest.approx(expected["objective"], abs=1e-6)
    assert check.objective == pytest.approx(best, abs=1e-6)
    assert (check.placed, check.unplaced, check.splits) == (
        expected["placed"],
        expected["unplaced"],
        expected["siblings_split"],
    )


# --- verify -----------------------------------------------------------------------------------------------------

GOOD = {"C1": "H1", "C2": "H1", "C3": "H2", "C4": None}
GOOD_TERMS = {"cost": 1600.0, "km": 190.0, "unplaced": 15000.0, "split": 0.0, "not_preferred": 0.0}


def test_verify_passes_a_correct_result_and_returns_the_check():
    """A result whose assignment is valid and whose objective matches gets its Check back."""
    check = verify(result(GOOD, 16790.0, GOOD_TERMS), objective_instance(), Weights())
    assert isinstance(check, Check) and check.ok and check.objective == 16790


def test_verify_tolerates_rounding_within_the_contract():
    """A reported objective within max(£1, 0.1%) of the recomputation passes (here 0.1% = £16.79)."""
    verify(result(GOOD, 16790.0 + 16.0, {**GOOD_TERMS, "unplaced": 15014.0}), objective_instance(), Weights())


def test_verify_raises_on_a_wrong_objective():
    """An objective off by more than 0.1% fails loudly, quoting both numbers."""
    with pytest.raises(CheckFailed, match=r"reported objective 16,890.00 differs from the recomputed 16,790.00"):
        verify(result(GOOD, 16890.0, GOOD_TERMS), objective_instance(), Weights())


def test_verify_raises_on_a_wrong_term():
    """A misreported term fails even when the total happens to be right."""
    terms = {**GOOD_TERMS, "cost": 1500.0, "km": 290.0}
    with pytest.raises(CheckFailed, match=r"reported cost term 1,500.00 differs"):
        verify(result(GOOD, 16790.0, terms), objective_instance(), Weights())


def test_verify_raises_on_a_missing_term():
    """A result must report all four terms."""
    terms = {k: v for k, v in GOOD_TERMS.items() if k != "split"}
    with pytest.raises(CheckFailed, match="does not report the split term"):
        verify(result(GOOD, 16790.0, terms), objective_instance(), Weights())


def test_verify_raises_on_a_violation_even_with_the_right_objective():
    """A rule broken is a failure whatever the objective says, and the message names the solver and the rule."""
    inst = instance(children=[child("C1", solo=True), child("C2")])
    check = check_assignment(inst, {"C1": "H1", "C2": "H1"})
    bad = result({"C1": "H1", "C2": "H1"}, check.objective, check.terms, solver="cpsat")
    with pytest.raises(CheckFailed, match=r"(?s)cpsat result failed the independent check.*solo child C1"):
        verify(bad, inst, Weights())


def test_check_failed_is_an_assertion_error():
    """CheckFailed is an AssertionError, so it is loud in tests and never swallowed as a normal outcome."""
    assert issubclass(CheckFailed, AssertionError)


# --- the measures of contract v1.1 ----------------------------------------------------------------------------


def test_measures_recomputed_by_hand():
    """Three siblings (one needed today) and a Bolton child: the Bolton child is placed in Piccadilly
    (another authority, 17 km), two siblings share H1 and the third, needed today, is unplaced.
    unplaced 2 (× urgency), siblings apart 1 (one home, one left out), far 0, outside 1, spend £2,000
    (H1's second child and H2's; H1's first bed is block-booked), km 2 + 3 + 17."""
    kids = [child("C1", sibling_group="G"), child("C2", sibling_group="G"),
            child("C3", sibling_group="G", urgency="today"), child("C4", at=BOLTON, la_code="E08000001")]
    homes = [home("H1", vacancies=3, block_booked=1), home("H2", vacancies=1, la_code="E08000003")]
    inst = instance(kids, homes, travel={("C1", "H1"): 2.0, ("C2", "H1"): 3.0, ("C4", "H2"): 17.0})
    check = check_assignment(inst, {"C1": "H1", "C2": "H1", "C3": None, "C4": "H2"})
    assert check.ok, check.violations
    assert check.measures == {"unplaced": 2.0, "siblings_apart": 1.0, "far_from_home": 0.0, "outside_own_la": 1.0,
                              "not_preferred": 0.0, "weekly_spend": 2000.0, "km": 22.0}
    assert (check.groups_apart, check.groups_together, check.sibling_groups, check.splits) == (1, 0, 1, 0)


def test_far_from_home_is_beyond_20_miles_by_the_pairs_distance():
    """32.18 km is within 20 miles; 32.19 km is not."""
    inst = instance([child("C1"), child("C2")], [home("H1")], travel={("C1", "H1"): 32.18, ("C2", "H1"): 32.19})
    assert check_assignment(inst, {"C1": "H1", "C2": "H1"}).measures["far_from_home"] == 1


def test_verify_raises_on_a_misreported_measure_or_a_broken_guard():
    """A result must report each measure as the checker counts it, and keep every guard it claims."""
    from rcc.result import Guard

    inst = objective_instance()
    good = check_assignment(inst, GOOD)
    lying = Result(Status.FEASIBLE, "test", GOOD, objective=good.objective, terms=good.terms,
                   measures={**good.measures, "far_from_home": 1.0})
    with pytest.raises(CheckFailed, match="reported far_from_home 1.000 differs from the recomputed 0.000"):
        verify(lying, inst)
    broken = Result(Status.FEASIBLE, "test", GOOD, objective=good.objective, terms=good.terms,
                    guards=(Guard("unplaced", 0.0, "the greedy status quo"),))
    with pytest.raises(CheckFailed, match=r"unplaced is 1.00, above its guard 0.00 \(the greedy status quo\)"):
        verify(broken, inst)
