"""Children first: the priorities objective against brute force, measure by measure, with its guards.

The referee is ``tests/bruteforce.py``: every feasible plan of a tiny instance, its measures counted
straight from the contract's text, the lexicographic optimum taken stage by stage. It shares no code
with the solver or the checker.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcc.check import check_assignment, verify
from rcc.model import Instance
from rcc.priorities import DEFAULT_ORDER, GUARDED, Guards, Objective, Priorities, Tolerance
from rcc.result import Status
from rcc.solver.greedy import solve_greedy
from rcc.solver.lexicographic import COMPOSITE_LIMIT, group_measures, solve_priorities
from rcc.solver.params import SolveParams
from tests.bruteforce import lexicographic, plans
from tests.builders import BOLTON, PICCADILLY, WITHINGTON, child, home
from tests.strategies import tiny_instances

QUICK = SolveParams(time_limit=20, workers=1)
NO_GUARDS = Guards(status_quo=False)


def _close(name: str, instance: Instance) -> float:
    """How far apart CP-SAT's count and the exact one may be: spend is counted in pence and distance in
    metres, each rounded per child; everything else is exact."""
    return {"weekly_spend": 0.01, "km": 0.001}.get(name, 0.0) * len(instance.children) + 1e-6


def _assert_equal_measure_by_measure(instance, result, best):
    check = verify(result, instance)
    assert result.status is Status.OPTIMAL, result.message
    assert all(stage.proven for stage in result.stages)
    for name, value in best.items():
        assert check.measures[name] == pytest.approx(value, abs=_close(name, instance)), name


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances(max_children=5, max_homes=3))
def test_default_priorities_equal_brute_force_measure_by_measure(instance):
    """The default order, no guards: every measure of the plan is the lexicographic optimum's."""
    best, _ = lexicographic(plans(instance), DEFAULT_ORDER)
    result = solve_priorities(instance, objective=Objective(guards=NO_GUARDS), params=QUICK)
    _assert_equal_measure_by_measure(instance, result, best)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances(max_children=5, max_homes=3), st.permutations(DEFAULT_ORDER))
def test_shuffled_priorities_equal_brute_force_measure_by_measure(instance, order):
    """Any order of the measures (money first, distance first, …) is followed exactly."""
    order = tuple(order)
    best, _ = lexicographic(plans(instance), order)
    result = solve_priorities(instance, objective=Objective(priorities=Priorities(order), guards=NO_GUARDS),
                              params=QUICK)
    _assert_equal_measure_by_measure(instance, result, best)
    assert [stage.measure for stage in result.stages] == list(order)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances(max_children=5, max_homes=3))
def test_guarded_priorities_equal_brute_force_over_the_plans_the_guards_allow(instance):
    """The default guards: the optimum over the plans no worse than the greedy status quo on the
    first five measures — and so, on those five, never worse than the status quo."""
    today = check_assignment(instance, solve_greedy(instance).assignment).measures
    allowed = [(a, v) for a, v in plans(instance) if all(v[m] <= today[m] + 1e-9 for m in GUARDED)]
    best, _ = lexicographic(allowed, DEFAULT_ORDER)
    result = solve_priorities(instance, params=QUICK)
    _assert_equal_measure_by_measure(instance, result, best)
    assert all(result.measures[m] <= today[m] + 1e-9 for m in GUARDED)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances(max_children=5, max_homes=3), st.sampled_from(DEFAULT_ORDER[:-1]),
       st.sampled_from(["50%", "1", "2", "25%"]))
def test_a_tolerance_lets_a_measure_rise_to_gain_the_later_ones(instance, loosened, allowance):
    """A measure may rise to its best plus its tolerance; the plan is in the set the brute force keeps
    and the last measure is that set's best."""
    tolerance = Tolerance.parse(allowance)
    priorities = Priorities(DEFAULT_ORDER, {loosened: tolerance})
    best, left = lexicographic(plans(instance), DEFAULT_ORDER,
                               lambda name, value: tolerance.cap(value) - value if name == loosened else 0.0)
    result = solve_priorities(instance, objective=Objective(priorities=priorities, guards=NO_GUARDS), params=QUICK)
    check = verify(result, instance)
    assert result.status is Status.OPTIMAL
    assert check.measures[loosened] <= tolerance.cap(best[loosened]) + _close(loosened, instance)
    last = DEFAULT_ORDER[-1]
    assert check.measures[last] == pytest.approx(min(v[last] for _, v in left), abs=_close(last, instance))


# --- guards that cannot all hold ----------------------------------------------------------------------


def _two_children_one_pound_apart() -> Instance:
    """Two children, each with a £1,000 home nearby: the status quo places both for £2,000 a week."""
    return Instance((child("C1", at=WITHINGTON), child("C2", at=WITHINGTON)),
                    (home("H1", vacancies=1), home("H2", vacancies=1, at=BOLTON)), name="two")


def test_a_budget_below_what_the_status_quo_needs_names_the_binding_guard_and_by_how_much():
    """Budget £1,500 a week, but placing both children (the status quo's 0 unplaced) costs £2,000:
    no plan; the budget binds by £500, and the unplaced guard by one child."""
    objective = Objective(guards=Guards(budget=1500.0))
    result = solve_priorities(_two_children_one_pound_apart(), objective=objective, params=QUICK)
    assert result.status is Status.INFEASIBLE and not result.has_plan
    least = {g.measure: g.least for g in result.guards if g.least is not None}
    assert least == {"weekly_spend": 2000.0, "unplaced": 1.0}
    assert "weekly spend ≤ £1,500/week (budget) binds" in result.message
    assert "the least is £2,000/week, £500 a week over" in result.message
    assert "children without a home ≤ 0 children (the greedy status quo) binds" in result.message


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances(max_children=5, max_homes=3), st.floats(0.0, 1.0))
def test_infeasible_guards_name_each_binding_guard_with_its_least_value(instance, share):
    """A budget of a share of the status quo's spend: when brute force finds no plan within every guard,
    the solve returns none either, and each guard's least value with the others held is the brute force's."""
    today = check_assignment(instance, solve_greedy(instance).assignment).measures
    budget = round(share * today["weekly_spend"], 2)
    caps = {m: today[m] for m in GUARDED} | {"weekly_spend": budget}
    everything = plans(instance)

    def keeps(v, names):
        return all(v[m] <= caps[m] + 1e-9 for m in names)

    result = solve_priorities(instance, objective=Objective(guards=Guards(budget=budget)), params=QUICK)
    if any(keeps(v, caps) for _, v in everything):
        verify(result, instance)
        assert result.has_plan and all(result.measures[m] <= caps[m] + _close(m, instance) for m in caps)
        return
    assert result.status is Status.INFEASIBLE and "cannot all hold" in result.message
    for guard in result.guards:
        others = [m for m in caps if m != guard.measure]
        possible = [v[guard.measure] for _, v in everything if keeps(v, others)]
        if possible:
            assert guard.least == pytest.approx(min(possible), abs=_close(guard.measure, instance))
            assert guard.least > guard.cap + 1e-9 or guard.measure == "weekly_spend"
        else:
            assert guard.least is None


def test_fairness_guard_keeps_each_authority_near_the_regions_placed_share():
    """Two authorities, one bed. Placing either child leaves the other's authority 50 points below the
    region's share (100% against 50%): a 60-point guard allows it, a 10-point guard does not, and then
    the only fair plan places nobody (0% everywhere) — the guard is a hard limit, as asked."""
    kids = (child("C1", at=WITHINGTON), child("C2", at=BOLTON, la_code="E08000001"))
    instance = Instance(kids, (home("H1", vacancies=1, at=PICCADILLY),), name="fair")
    unfair = solve_priorities(instance, objective=Objective(guards=NO_GUARDS), params=QUICK)
    assert unfair.placed == 1
    fair = solve_priorities(instance, objective=Objective(guards=Guards(status_quo=False, fairness_points=60)),
                            params=QUICK)
    assert fair.placed == 1 and verify(fair, instance)
    strict = solve_priorities(instance, objective=Objective(guards=Guards(status_quo=False, fairness_points=10)),
                              params=QUICK)
    verify(strict, instance)
    assert strict.placed == 0, "placing nobody keeps both authorities at the region's share"


@given(st.lists(st.integers(0, 400), min_size=5, max_size=5))
def test_measures_solved_together_are_weighted_so_each_outranks_all_the_later_ones(uppers):
    """One solve minimises counted measures together only if each weight exceeds the most every later
    measure of the solve can add: then the weighted sum is exactly lexicographic."""
    upper = dict(zip(DEFAULT_ORDER[:5], uppers, strict=True)) | {"weekly_spend": 10**9, "km": 10**9}
    for group in group_measures(DEFAULT_ORDER, Priorities(), upper):
        for k, weight in enumerate(group.weights):
            later = sum(w * upper[m] for w, m in zip(group.weights[k + 1:], group.measures[k + 1:], strict=True))
            assert weight > later
        assert sum(w * upper[m] for w, m in zip(group.weights, group.measures, strict=True)) <= COMPOSITE_LIMIT
    assert [g.measures for g in group_measures(DEFAULT_ORDER, Priorities(), upper)][-2:] == [("weekly_spend",), ("km",)]


def test_a_pin_outside_the_searched_shortlist_is_kept(monkeypatch):
    """On a search restricted to each child's best pairs, a child pinned to a home beyond their
    shortlist still goes there (the pin is searched too, never mistaken for a broken rule)."""
    from rcc.data import read_instance
    from rcc.solver import lexicographic
    from rcc.solver.candidates import candidate_pairs
    from tests.conftest import FIXTURES

    monkeypatch.setattr(lexicographic, "SEARCH_PAIRS", 1000)
    gm = read_instance(FIXTURES / "greater-manchester")
    pairs = candidate_pairs(gm)
    counts = pairs["child_id"].value_counts()
    loner = max((c for c in gm.children if c.sibling_group is None), key=lambda c: counts.get(c.child_id, 0))
    mine = pairs[pairs["child_id"] == loner.child_id]
    mine = mine.assign(far=mine["km"] > 32.18688, outside=[gm.home_by_id[h].la_code != loner.la_code
                                                          for h in mine["home_id"]])
    worst = mine.sort_values(["far", "outside", "weekly_cost", "km"]).iloc[-1]["home_id"]  # last of its list
    result = solve_priorities(gm, params=SolveParams(time_limit=15), pins={loner.child_id: worst}, pairs=pairs)
    verify(result, gm)
    assert result.assignment[loner.child_id] == worst
    assert "no stage is proven for the whole instance" in result.message
