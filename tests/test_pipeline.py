"""The priced pipeline (rcc.solver.pipeline) and its windowed search (rcc.solver.windows).

Every plan is re-checked by the independent checker; bounds are compared with brute force where
the instance is tiny, and with the plan everywhere.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcc.check import check_assignment, verify
from rcc.data.generate import generate_instance
from rcc.model import Instance, Weights
from rcc.result import Status
from rcc.solver import pipeline
from rcc.solver.candidates import candidate_pairs
from rcc.solver.cpsat import solve
from rcc.solver.greedy import solve_greedy
from rcc.solver.incumbent import Plan, SiblingCap
from rcc.solver.params import SolveParams
from rcc.solver.pipeline import solve_at_scale
from rcc.solver.windows import improve_window, neighbourhood_windows, with_siblings
from tests.bruteforce import brute_force, capped_optimum, groups_split, penny_rounding, siblings_split
from tests.builders import BOLTON, PICCADILLY, child, home
from tests.strategies import tiny_instances

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(max_examples=40, **SETTINGS)
@given(tiny_instances(max_children=7, max_homes=5), st.data())
def test_a_window_keeps_every_rule_and_never_worsens_the_plan(instance, data):
    """Any window, from the status quo: the plan that comes back passes the checker, costs no more,
    and splits no more sibling groups than the cap."""
    pairs = candidate_pairs(instance, Weights())
    greedy = solve_greedy(instance, Weights(), pairs)
    plan = Plan.of("status quo", instance, Weights(), pairs, greedy.assignment)
    chosen = data.draw(st.lists(st.integers(0, len(instance.children) - 1), min_size=1, unique=True))
    cap = SiblingCap.of(instance, plan.assignment)
    outcome = improve_window(instance, Weights(), SolveParams(time_limit=5, workers=1), plan, pairs,
                             with_siblings(instance, np.array(chosen)), seconds=5, cap=cap)
    check = check_assignment(instance, outcome.plan.assignment)
    assert check.ok, check.violations
    assert outcome.plan.objective <= plan.objective + 1e-6
    assert siblings_split(instance, outcome.plan.assignment) <= cap.separations
    assert groups_split(instance, outcome.plan.assignment) <= cap.groups
    held = set(range(len(instance.children))) - set(with_siblings(instance, np.array(chosen)).children.tolist())
    for c in held:  # nobody outside the window moves
        child_id = instance.children[c].child_id
        assert outcome.plan.assignment[child_id] == plan.assignment[child_id]


def test_a_window_improves_beside_a_split_group_held_where_the_cap_is_exactly_spent():
    """Two sisters held apart in H1 and H2 outside the window use the whole cap (one group split).
    The window's child may still move from far away to H3: the held sisters' split is counted once,
    not again inside the window's model (which made every window infeasible at 5,000 children)."""
    sisters = (child("A", sibling_group="G", at=PICCADILLY), child("B", sibling_group="G", at=PICCADILLY))
    instance = Instance(children=(*sisters, child("X", at=PICCADILLY)),
                        homes=(home("H1", vacancies=1), home("H2", vacancies=1), home("H3"),
                               home("FAR", at=BOLTON)))
    pairs = candidate_pairs(instance, Weights())
    plan = Plan.of("by hand", instance, Weights(), pairs, {"A": "H1", "B": "H2", "X": "FAR"})
    cap = SiblingCap.of(instance, plan.assignment)
    assert (cap.separations, cap.groups) == (1, 1)
    outcome = improve_window(instance, Weights(), SolveParams(time_limit=5, workers=1), plan, pairs,
                             with_siblings(instance, np.array([2])), seconds=5, cap=cap)
    assert outcome.improved and outcome.plan.assignment["X"] in {"H1", "H2", "H3"}
    assert outcome.plan.assignment["A"] == "H1" and outcome.plan.assignment["B"] == "H2"


def test_windows_cover_every_child_each_sweep_with_whole_sibling_groups():
    instance = generate_instance(region="North West", children=300, seed=3)
    windows = list(neighbourhood_windows(instance, 40, np.random.default_rng(0)))
    covered = np.concatenate([w.children for w in windows])
    assert set(covered.tolist()) == set(range(len(instance.children)))
    position = {c.child_id: i for i, c in enumerate(instance.children)}
    for window in windows:
        inside = set(window.children.tolist())
        for members in instance.sibling_groups.values():
            placed = {position[c] in inside for c in members}
            assert len(placed) == 1  # a group is wholly in a window or wholly out


@settings(max_examples=25, **SETTINGS)
@given(tiny_instances(max_children=7, max_homes=5))
def test_the_pipeline_plan_is_checked_and_its_bound_is_below_the_optimum(instance):
    """On tiny instances: a checked plan no better than the optimum, no more sibling groups split
    than the status quo, and a bound no higher than the best plan that splits no more."""
    result = solve_at_scale(instance, Weights(), SolveParams(time_limit=5, workers=1))
    verify(result, instance)
    best, _ = brute_force(instance)
    assert result.objective >= best - penny_rounding(instance)
    greedy = solve_greedy(instance, Weights())
    capped = capped_optimum(instance, siblings_split(instance, greedy.assignment),
                            groups_split(instance, greedy.assignment))
    assert result.bound <= capped + 1e-6
    assert result.objective >= capped - penny_rounding(instance)
    assert siblings_split(instance, result.assignment) <= siblings_split(instance, greedy.assignment)
    assert groups_split(instance, result.assignment) <= groups_split(instance, greedy.assignment)
    assert result.objective <= greedy.objective + 1e-6
    assert result.found_by and result.proved_by.startswith("Lagrangian bound")


def test_cpsat_hands_an_instance_too_large_for_the_whole_lp_to_the_pipeline():
    """A machine said to solve no LP pairs in time: the solve goes through the priced pipeline and
    says so; its plan passes the checker and beats the status quo."""
    instance = generate_instance(region="North West", children=200, seed=1)
    result = solve(instance, params=SolveParams(time_limit=15, lp_pairs_per_second=0))
    verify(result, instance)
    assert "pairs priced, not stored" in result.message
    assert result.stats["lp_rounds"] >= 1 and result.stats["pairs_kept"] < result.stats["pairs"]
    assert result.objective < solve_greedy(instance).objective
    assert result.bound <= result.objective


@pytest.mark.slow
def test_regions_solved_one_by_one_add_up_to_a_checked_plan_and_one_bound(monkeypatch):
    """Two English regions solved apart: the plans together keep every rule and the Lagrangian bound
    at the regions' prices is below the plan."""
    monkeypatch.setattr(pipeline, "BLOCK_CHILDREN", 0)
    las = ["E08000003", "E08000006", "E08000021", "E08000022"]  # Manchester, Salford; Newcastle, North Tyneside
    instance = generate_instance(las=las, children=300, seed=2)
    result = solve_at_scale(instance, Weights(), SolveParams(time_limit=20))
    verify(result, instance)
    assert result.stats["regions"] == 2
    assert result.bound <= result.objective
    assert result.status in (Status.OPTIMAL, Status.TIME_LIMIT)
