"""The LP relaxation: its bound is proven, its pruning never cuts off a better plan, and the
LP-guided solve still reaches every brute-force optimum."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from rcc.check import verify
from rcc.model import Instance, Weights
from rcc.result import Status
from rcc.solver import cpsat
from rcc.solver.candidates import candidate_pairs
from rcc.solver.cpsat import solve
from rcc.solver.flow import flow_relaxation
from rcc.solver.lp import LpRelaxation, lp_relaxation, tolerance
from rcc.solver.params import SolveParams
from tests.bruteforce import brute_force, distance_table, feasible_assignments, objective, penny_rounding
from tests.builders import BOLTON, DIDSBURY, child, home
from tests.strategies import tiny_instances

SOME = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _rows(pairs, assignment) -> np.ndarray:
    """Rows of ``pairs`` that ``assignment`` (child ID → home ID or None) uses."""
    chosen = {(c, h) for c, h in assignment.items() if h is not None}
    return np.flatnonzero([(c, h) in chosen for c, h in zip(pairs["child_id"], pairs["home_id"], strict=True)])


@SOME
@given(tiny_instances())
def test_lp_bound_lies_between_the_flow_bound_and_the_optimum(instance):
    """The LP keeps every rule the flow relaxation keeps, and more; it is still a relaxation."""
    best, _ = brute_force(instance)
    pairs = candidate_pairs(instance, Weights())
    lp = lp_relaxation(instance, Weights(), pairs, time_limit=10)
    if pairs.empty:
        assert lp is None
        return
    flow_bound, _ = flow_relaxation(instance, Weights(), pairs)
    assert lp.bound <= best
    assert lp.bound + 2 * tolerance(lp.bound) >= flow_bound


@SOME
@given(tiny_instances())
def test_the_lagrangian_bound_at_the_lps_prices_never_exceeds_the_optimum(instance):
    """The bound the solve reports beside the LP's: any prices give a valid one, the LP's included."""
    pairs = candidate_pairs(instance, Weights())
    lp = lp_relaxation(instance, Weights(), pairs, time_limit=10)
    if lp is None:
        return
    assert cpsat._lagrangian(instance, Weights(), pairs, lp) <= brute_force(instance)[0] + 1e-6


def test_the_lagrangian_bound_is_above_the_lp_where_the_lp_spreads_a_group():
    """Three sisters, two homes of two places: the LP puts two of them half in each home and pays
    half a split (£5,680); solved exactly alone, the group pays the split whole (£8,109; the
    optimum is £8,181)."""
    instance = Instance(children=tuple(child(f"C{i}", sibling_group="G") for i in range(3)),
                        homes=(home("H1"), home("H2", at=DIDSBURY)))
    pairs = candidate_pairs(instance, Weights())
    lp = lp_relaxation(instance, Weights(), pairs, time_limit=10)
    lagrangian = cpsat._lagrangian(instance, Weights(), pairs, lp)
    assert lp.bound + 100 < lagrangian <= brute_force(instance)[0] + 1e-6


@SOME
@given(tiny_instances())
def test_pruning_against_any_plan_keeps_that_plan_and_every_cheaper_one(instance):
    """Reduced-cost fixing, checked against every feasible plan: pruning against a plan costing
    ``C`` keeps each pair of every plan costing at most ``C`` (so of the optima, too)."""
    pairs = candidate_pairs(instance, Weights())
    lp = lp_relaxation(instance, Weights(), pairs, time_limit=10)
    if lp is None:
        return
    km = distance_table(instance)
    plans = [(objective(instance, plan, km_table=km), _rows(pairs, plan)) for plan in feasible_assignments(instance)]
    for cost, _ in plans:
        keep = lp.worth_keeping(cost)
        assert all(keep[rows].all() for other, rows in plans if other <= cost)


def test_pruning_drops_pairs_whose_reduced_cost_exceeds_the_gap():
    lp = LpRelaxation(bound=1000.0, values=np.zeros(3), reduced_costs=np.array([0.0, 50.0, 5000.0]), seconds=0)
    assert lp.worth_keeping(1100.0).tolist() == [True, True, False]
    assert lp.worth_keeping(1000.0).tolist() == [True, False, False]  # £1 in hand, not £50


def test_shortlist_takes_each_childs_cheapest_pairs_by_reduced_cost_and_the_lps_own():
    children = np.array([0, 0, 0, 1, 1, 1])
    lp = LpRelaxation(bound=0.0, values=np.array([0, 0, 0.5, 0, 0, 0]),
                      reduced_costs=np.array([3.0, 1.0, 9.0, 0.0, 2.0, 1.0]), seconds=0)
    assert lp.shortlist(children, 1).tolist() == [False, True, True, True, False, False]
    assert lp.shortlist(children, 2).tolist() == [True, True, True, True, False, True]


@SOME
@given(tiny_instances(max_children=7, max_homes=5))
def test_lp_guided_and_unguided_solves_reach_the_same_optimum(instance):
    """Every path of ``solve`` — proven on a shortlist, or on the whole pruned model, or without the
    LP — ends at the brute-force optimum; the progress reports never claim a bound above it."""
    best, _ = brute_force(instance)
    reported: list[float] = []
    with pytest.MonkeyPatch.context() as patch:  # shortlists narrower than these tiny instances
        patch.setattr(cpsat, "SHORTLISTS", (1, 2))
        guided = solve(instance, params=SolveParams(time_limit=10, workers=1),
                       progress=lambda update: reported.append(update.bound))
    unguided = solve(instance, params=SolveParams(time_limit=10, workers=1, lp_guide=False))
    for result in (guided, unguided):
        verify(result, instance)
        assert result.status is Status.OPTIMAL
        assert result.objective == pytest.approx(best, abs=penny_rounding(instance))
    assert max(reported, default=-np.inf) <= best + penny_rounding(instance)


def test_a_shortlist_proves_the_optimum_when_pruning_leaves_nothing_outside_it():
    """Four homes per child is the whole instance here: no pair survives outside the shortlist."""
    instance = Instance(children=tuple(child(f"C{i}") for i in range(3)),
                        homes=(home("H1", vacancies=1), home("H2", at=BOLTON, vacancies=1)))
    result = solve(instance, params=SolveParams(time_limit=10))
    assert result.status is Status.OPTIMAL
    assert "proven on an LP shortlist" in result.message
    assert result.stats["pairs_kept"] <= result.stats["pairs"] == 6


def test_without_time_for_the_whole_model_the_shortlists_plan_is_returned_with_the_lp_bound(monkeypatch):
    """When CP-SAT could not presolve the pruned model in time, the shortlists' plan comes back,
    checked, with the LP's bound (never a shortlist's own)."""
    monkeypatch.setattr(cpsat, "SHORTLISTS", (1,))
    instance = Instance(children=tuple(child(f"C{i}", sibling_group="G") for i in range(4)),
                        homes=(home("H1"), home("H2", at=DIDSBURY), home("H3", at=BOLTON)))
    result = solve(instance, params=SolveParams(time_limit=10, presolve_pairs_per_second=0))
    verify(result, instance)
    assert result.status is Status.FEASIBLE
    assert "too little time left for CP-SAT to search 12 pairs" in result.message
    assert result.bound == max(result.stats["lp_bound"], result.stats["lagrangian_bound"]) <= brute_force(instance)[0]


def test_a_shortlist_missing_the_optimum_is_not_taken_for_it(monkeypatch):
    """Found by search: one pair per child by reduced cost leaves out the optimum here. The
    shortlist's own optimum is proven, but pruning keeps pairs outside it, so the whole model runs."""
    monkeypatch.setattr(cpsat, "SHORTLISTS", (1,))
    east, west = (53.5, -2.0), (53.5, -2.5)
    kids = (child("C1", at=east, age=0, need_level=1, max_distance_km=30.0, alongside="older_only"),
            child("C2", at=east, age=13, need_level=1),
            *(child(f"C{i}", at=west, age=0, need_level=1) for i in (3, 4)),
            child("C5", at=west, age=0, need_level=1, max_distance_km=30.0))
    places = (home("H1", at=west, setting="foster", weekly_cost=16000.0, block_booked=1),
              home("H2", at=(53.5625, -2.5), setting="foster", weekly_cost=900.0),
              home("H3", at=east, setting="foster", max_age=12, weekly_cost=900.0))
    instance = Instance(children=kids, homes=places)
    pairs = candidate_pairs(instance, Weights())
    listed = lp_relaxation(instance, Weights(), pairs, time_limit=10).shortlist(pairs["child"].to_numpy(), 1)
    allowed = set(zip(pairs["child_id"][listed], pairs["home_id"][listed], strict=True))
    km = distance_table(instance)
    plans = list(feasible_assignments(instance))
    best = min(objective(instance, plan, km_table=km) for plan in plans)
    best_listed = min(objective(instance, plan, km_table=km) for plan in plans
                      if all(h is None or (c, h) in allowed for c, h in plan.items()))
    assert best_listed > best + 1  # the premise: the shortlist really misses the optimum

    result = solve(instance, params=SolveParams(time_limit=10))
    verify(result, instance)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(best, abs=penny_rounding(instance))
    assert "proven on an LP shortlist" not in result.message
    assert "proven by HiGHS branch-and-cut" in result.message and result.proved_by == cpsat.BRANCH_AND_CUT


def test_branch_and_cut_stopped_by_time_keeps_the_plan_and_bound_found_before_it(monkeypatch):
    """HiGHS stopped with no plan and no bound: the plan found before it comes back, checked, with the
    best bound proven before it, and the status says time ran out."""
    monkeypatch.setattr(cpsat, "SHORTLISTS", (1,))
    monkeypatch.setattr(cpsat.HighsModel, "solve",
                        lambda self, seconds, gap: (None, Status.TIME_LIMIT, -np.inf, "Time limit reached."))
    instance = Instance(children=tuple(child(f"C{i}", sibling_group="G") for i in range(4)),
                        homes=(home("H1"), home("H2", at=DIDSBURY), home("H3", at=BOLTON)))
    result = solve(instance, params=SolveParams(time_limit=10))
    verify(result, instance)
    assert result.status is Status.TIME_LIMIT and "HiGHS branch-and-cut: Time limit reached." in result.message
    assert result.found_by != cpsat.BRANCH_AND_CUT  # the status quo or the shortlist's plan
    assert result.bound == max(result.stats["lp_bound"], result.stats["lagrangian_bound"]) <= brute_force(instance)[0]
