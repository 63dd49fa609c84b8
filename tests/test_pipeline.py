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


NEWCASTLE = (54.9783, -1.6178)


def _two_regions(seed: int) -> tuple[Instance, list[Instance]]:
    """Two sisters, one other child and two homes in Manchester (North West), the same in Newcastle
    (North East): the whole instance, and each region's part."""
    rng = np.random.default_rng(seed)
    parts = []
    for la, centre, tag in (("E08000003", PICCADILLY, "M"), ("E08000021", NEWCASTLE, "N")):
        def near(centre=centre):
            return centre[0] + rng.uniform(-0.05, 0.05), centre[1] + rng.uniform(-0.05, 0.05)
        kids = (child(f"{tag}A", la_code=la, at=near(), sibling_group=f"{tag}G"),
                child(f"{tag}B", la_code=la, at=near(), sibling_group=f"{tag}G"), child(f"{tag}C", la_code=la, at=near()))
        homes = tuple(home(f"{tag}{j}", la_code=la, at=near(), vacancies=int(rng.integers(1, 3)),
                           weekly_cost=float(rng.integers(800, 6000))) for j in range(2))
        parts.append(Instance(children=kids, homes=homes))
    return Instance(children=parts[0].children + parts[1].children, homes=parts[0].homes + parts[1].homes), parts


@pytest.mark.parametrize("seed", range(4))
def test_regions_one_by_one_bound_the_best_plan_within_the_regions_caps_together(monkeypatch, seed):
    """Solved region by region, the whole instance's bound is over the plans that split no more
    sibling groups (nor spread them over more homes) than the regions' status quos together: never
    above the brute-force best of those, and the plan keeps to them."""
    monkeypatch.setattr(pipeline, "BLOCK_CHILDREN", 0)
    instance, parts = _two_regions(seed)
    greedy = [solve_greedy(part, Weights()).assignment for part in parts]
    separations = sum(siblings_split(part, g) for part, g in zip(parts, greedy, strict=True))
    groups = sum(groups_split(part, g) for part, g in zip(parts, greedy, strict=True))
    result = solve_at_scale(instance, Weights(), SolveParams(time_limit=4, workers=1))
    verify(result, instance)
    assert result.stats["regions"] == 2
    assert siblings_split(instance, result.assignment) <= separations
    assert groups_split(instance, result.assignment) <= groups
    assert result.stats["bound_pass_unsearched"] == 0  # the pass reached everyone in time
    assert result.bound <= capped_optimum(instance, separations, groups) + 1e-6
    assert "no more sibling groups" in result.proved_by


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
