"""The HiGHS MIP baseline solves the same contract: tiny optima, brute force, OR-Library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcc.check import verify
from rcc.data import read_instance
from rcc.data.orlib import assignment_instance, read_orlib_assignment
from rcc.model import Instance, Weights
from rcc.result import Status
from rcc.solver.candidates import candidate_pairs
from rcc.solver.highs import HighsModel, solve_highs
from tests.bruteforce import brute_force, distance_table, feasible_assignments, objective
from tests.builders import child, home
from tests.conftest import FIXTURES
from tests.strategies import tiny_instances

TINY = sorted(p for p in (FIXTURES / "tiny").iterdir() if (p / "expected.json").exists())


@pytest.mark.parametrize("folder", TINY, ids=[p.name for p in TINY])
def test_tiny_fixture_optimum(folder: Path):
    """Each per-rule fixture: HiGHS proves the hand-computed optimum and the checker agrees."""
    expected = json.loads((folder / "expected.json").read_text())
    instance = read_instance(folder)
    result = solve_highs(instance, relative_gap=0.0)
    verify(result, instance)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(expected["objective"], abs=1e-6)
    assert result.bound == pytest.approx(result.objective, abs=1e-6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances())
def test_highs_equals_brute_force_on_random_tiny_instances(instance):
    """HiGHS works in exact pounds, so it matches brute force to a millionth, not to the penny."""
    best, _ = brute_force(instance)
    result = solve_highs(instance, relative_gap=0.0)
    verify(result, instance)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(best, abs=1e-6)


def test_orlib_assign100():
    """OR-Library assign100: optimum 305 × £20/km = £6,100."""
    instance = assignment_instance(read_orlib_assignment(FIXTURES / "orlib" / "assign100.txt"))
    result = solve_highs(instance, relative_gap=0.0)
    verify(result, instance)
    assert result.status is Status.OPTIMAL and result.objective == pytest.approx(6100.0)



@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances(max_children=6, max_homes=4), st.data())
def test_pinned_children_keep_their_pins_and_the_rest_is_optimal(instance, data):
    """Pins taken from a feasible plan (a home or "unplaced"): HiGHS keeps them and finds the best
    plan that does, by brute force."""
    plans = list(feasible_assignments(instance))
    some = data.draw(st.sampled_from(plans))
    pinned = data.draw(st.lists(st.sampled_from(sorted(some)), unique=True, max_size=2)) if some else []
    pins = {c: some[c] for c in pinned}
    km = distance_table(instance)
    best = min(objective(instance, plan, km_table=km) for plan in plans
               if all(plan[c] == h for c, h in pins.items()))
    model = HighsModel(instance, Weights(), candidate_pairs(instance, Weights()), pins=pins)
    assignment, status, _, _ = model.solve(10, 0.0)
    assert status is Status.OPTIMAL and not model.infeasible_pins
    assert all(assignment[c] == h for c, h in pins.items())
    assert objective(instance, assignment, km_table=km) == pytest.approx(best, abs=1e-6)


def test_a_pin_that_breaks_a_rule_is_named():
    """A child pinned to a home too far away: no pair to fix, so the pin is named, not ignored."""
    instance = Instance(children=(child("C1", max_distance_km=1.0),), homes=(home("H1", at=(53.0, -2.0)),))
    model = HighsModel(instance, Weights(), candidate_pairs(instance, Weights()), pins={"C1": "H1"})
    assert model.infeasible_pins == ["C1 → H1 breaks a rule of the contract"]
