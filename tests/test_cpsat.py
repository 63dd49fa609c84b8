"""The exact CP-SAT solver: known optima, brute force, OR-Library, pins, hints, time limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from rcc.check import check_assignment, verify
from rcc.data import read_instance
from rcc.data.orlib import assignment_instance, read_orlib_assignment
from rcc.model import Weights
from rcc.result import Status
from rcc.solver.candidates import candidate_pairs
from rcc.solver.cpsat import solve
from rcc.solver.flow import flow_relaxation
from rcc.solver.greedy import solve_greedy
from rcc.solver.objective import SCALE
from rcc.solver.params import SolveParams
from rcc.solver.placement_model import PlacementModel
from tests.bruteforce import brute_force, penny_rounding
from tests.conftest import FIXTURES
from tests.strategies import tiny_instances

TINY = sorted(p for p in (FIXTURES / "tiny").iterdir() if (p / "expected.json").exists())
FAST = SolveParams(time_limit=20)


@pytest.mark.parametrize("folder", TINY, ids=[p.name for p in TINY])
def test_tiny_fixture_optimum_is_found_and_proven(folder: Path):
    """Each per-rule fixture: CP-SAT proves the hand-computed optimum and the checker agrees."""
    expected = json.loads((folder / "expected.json").read_text())
    instance = read_instance(folder)
    result = solve(instance, params=FAST)
    check = verify(result, instance)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(expected["objective"], abs=1e-6)
    assert check.placed == expected["placed"]
    if "assignment" in expected:
        assert dict(result.assignment) == expected["assignment"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances())
def test_cpsat_equals_brute_force_on_random_tiny_instances(instance):
    """Random ≤6-children instances with siblings, solo, separations and block-booked beds."""
    best, _ = brute_force(instance)
    result = solve(instance, params=SolveParams(time_limit=10, workers=1))
    verify(result, instance)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(best, abs=penny_rounding(instance))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances())
def test_cpsat_equals_brute_force_under_other_weights(instance):
    """Weights are user settings: a cheap-unplaced, split-averse, distance-heavy mix still matches."""
    weights = Weights(cost=0.5, km=75.0, unplaced=2500.0, split=9000.0)
    best, _ = brute_force(instance, weights)
    result = solve(instance, weights, SolveParams(time_limit=10, workers=1))
    verify(result, instance, weights)
    assert result.objective == pytest.approx(best, abs=penny_rounding(instance))


def test_orlib_assign100_reaches_the_published_optimum():
    """OR-Library assign100 through travel.csv: optimum 305 × £20/km = £6,100."""
    instance = assignment_instance(read_orlib_assignment(FIXTURES / "orlib" / "assign100.txt"))
    result = solve(instance, params=SolveParams(time_limit=60))
    verify(result, instance)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(6100.0)
    assert result.placed == 100


@pytest.fixture(scope="module")
def region():
    return read_instance(FIXTURES / "greater-manchester")


@pytest.fixture(scope="module")
def region_pairs(region):
    return candidate_pairs(region)


def test_a_tenth_of_a_second_still_returns_a_checked_feasible_assignment(region, region_pairs):
    """Even with no time to search, the result is a complete assignment that passes the checker,
    and never worse than the status quo (greedy is the fallback when CP-SAT has nothing better)."""
    result = solve(region, params=SolveParams(time_limit=0.1), pairs=region_pairs)
    verify(result, region)
    assert result.status in (Status.TIME_LIMIT, Status.FEASIBLE, Status.OPTIMAL)
    assert len(result.assignment) == len(region.children)
    assert result.objective <= solve_greedy(region, pairs=region_pairs).objective


def test_greedy_never_beats_the_proven_bound(region, region_pairs):
    """The status quo can at best equal the optimum: its objective is above CP-SAT's bound."""
    greedy = solve_greedy(region, pairs=region_pairs)
    exact = solve(region, params=SolveParams(time_limit=15), pairs=region_pairs)
    verify(greedy, region), verify(exact, region)
    assert exact.objective <= greedy.objective
    assert exact.bound <= greedy.objective


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances())
def test_greedy_never_beats_the_optimum_on_tiny_instances(instance):
    """On random tiny instances the optimum is ≤ greedy's objective."""
    exact = solve(instance, params=SolveParams(time_limit=10, workers=1))
    assert exact.objective <= solve_greedy(instance).objective + penny_rounding(instance)


def test_pinned_match_is_kept_and_the_rest_re_solved(region, region_pairs):
    """Pinning a match the optimum did not choose keeps it and re-optimises everyone else."""
    first = solve(region, params=SolveParams(time_limit=10), pairs=region_pairs)
    child = next(c for c, h in first.assignment.items() if h is not None)
    other = region_pairs[(region_pairs["child_id"] == child) & (region_pairs["home_id"] != first.assignment[child])]
    pin = {child: other["home_id"].iloc[0]}
    pinned = solve(region, params=SolveParams(time_limit=10), pins=pin, pairs=region_pairs)
    verify(pinned, region)
    assert pinned.assignment[child] == pin[child]
    assert pinned.status in (Status.OPTIMAL, Status.TIME_LIMIT, Status.FEASIBLE)


def test_pinning_an_infeasible_match_is_reported_not_raised(region, region_pairs):
    """A pin that breaks a rule gives status infeasible with the pin named."""
    child = region.children[0]
    feasible = set(region_pairs.loc[region_pairs["child_id"] == child.child_id, "home_id"])
    home = next(h.home_id for h in region.homes if h.home_id not in feasible)
    result = solve(region, pins={child.child_id: home}, pairs=region_pairs)
    assert result.status is Status.INFEASIBLE
    assert child.child_id in result.message and home in result.message


def test_pinning_a_child_unplaced_leaves_them_unplaced(region, region_pairs):
    """``None`` as a pin means "leave this child unplaced"."""
    child = region.children[0].child_id
    result = solve(region, params=SolveParams(time_limit=5), pins={child: None}, pairs=region_pairs)
    verify(result, region)
    assert result.assignment[child] is None


def test_warm_start_from_a_previous_assignment_is_accepted(region, region_pairs):
    """A previous assignment as the hint gives a result no worse than that assignment."""
    greedy = solve_greedy(region, pairs=region_pairs)
    result = solve(region, params=SolveParams(time_limit=2), hint=dict(greedy.assignment), pairs=region_pairs)
    verify(result, region)
    assert result.objective <= greedy.objective + penny_rounding(region)


def test_progress_callback_reports_objective_bound_and_time(region, region_pairs):
    """The callback sees improving solutions with a bound below each objective."""
    seen = []
    solve(region, params=SolveParams(time_limit=12), progress=lambda u: seen.append((u.value, u.bound, u.elapsed)),
          pairs=region_pairs)
    assert seen
    assert all(bound <= objective + 1e-6 and elapsed >= 0 for objective, bound, elapsed in seen)
    assert [b for _, b, _ in seen] == sorted(b for _, b, _ in seen), "the bound only rises"


def test_integer_scaling_keeps_the_objective_within_a_penny_per_child(region, region_pairs):
    """Pair coefficients are pence; the scaled objective of an assignment is within £0.01 × children."""
    model = PlacementModel(region, Weights(), region_pairs)
    model.minimise_score()
    result = solve_greedy(region, pairs=region_pairs)
    chosen = {(c, h) for c, h in result.assignment.items() if h is not None}
    rows = [i for i, c, h in zip(region_pairs.index, region_pairs["child_id"], region_pairs["home_id"], strict=True)
            if (c, h) in chosen]
    scaled = model.offset + int(model.pair_coefficients[rows].sum())
    booked = {h: region.homes[h].block_booked for h in model.paid}
    for home, _ in model.paid.items():
        n = sum(1 for r in rows if region_pairs.at[r, "home"] == home)
        scaled += round(SCALE * region.homes[home].weekly_cost) * max(0, n - booked[home])
    check = check_assignment(region, result.assignment)
    scaled += round(SCALE * Weights().split) * int(check.terms["split"] / Weights().split)
    assert abs(scaled / SCALE - check.objective) <= 0.01 * len(region.children)


def test_solver_settings_are_read_from_toml(tmp_path):
    """``[solver]`` in a TOML file sets time limit, workers, seed and raw CP-SAT parameters."""
    path = tmp_path / "run.toml"
    path.write_text('[solver]\ntime_limit = 7.5\nworkers = 1\nseed = 3\n[solver.cpsat]\nlinearization_level = 1\n')
    params = SolveParams.from_toml(path)
    assert (params.time_limit, params.workers, params.seed) == (7.5, 1, 3)
    assert params.cpsat == {"linearization_level": 1}
    path.write_text("[solver]\ntimelimit = 3\n")
    with pytest.raises(ValueError, match="timelimit"):
        SolveParams.from_toml(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances())
def test_flow_relaxation_is_a_lower_bound_on_the_optimum(instance):
    """Dropping siblings, solo and separations can only lower the optimum."""
    best, _ = brute_force(instance)
    bound, _ = flow_relaxation(instance, Weights(), candidate_pairs(instance))
    assert bound <= best + 1e-6


def test_short_runs_report_at_least_the_flow_bound(region, region_pairs):
    """Before CP-SAT's first LP bound, the reported bound is the flow relaxation's, not a useless one."""
    result = solve(region, params=SolveParams(time_limit=1), pairs=region_pairs)
    bound, _ = flow_relaxation(region, Weights(), region_pairs)
    assert result.bound >= bound and result.gap < 0.5


def test_hint_from_another_instance_is_ignored_where_it_does_not_fit():
    """A stale hint naming unknown children or homes does not break the solve."""
    instance = read_instance(FIXTURES / "tiny" / "capacity-two-children-one-bed")
    result = solve(instance, params=FAST, hint={"C1": "H9", "C7": "H1", "C2": "H1"})
    verify(result, instance)
    assert result.status is Status.OPTIMAL and result.objective == pytest.approx(17100.0)
