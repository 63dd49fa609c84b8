"""The repaired min-cost-flow plan: always keeps every rule, and is a better start than greedy at scale."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from rcc.check import check_assignment
from rcc.data import read_instance
from rcc.model import Instance, Weights
from rcc.solver.candidates import candidate_pairs
from rcc.solver.greedy import solve_greedy
from rcc.solver.repair import repaired_flow
from tests.builders import child, home
from tests.conftest import FIXTURES
from tests.strategies import tiny_instances


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances())
def test_repaired_plan_keeps_every_rule(instance):
    """Solo children, separations, capacity and every pairwise rule hold on random tiny instances."""
    assignment = repaired_flow(instance, Weights(), candidate_pairs(instance))
    assert set(assignment) == {c.child_id for c in instance.children}
    assert check_assignment(instance, assignment).violations == ()


def test_a_solo_child_sharing_in_the_relaxation_is_given_a_home_of_their_own():
    """The relaxation puts both children in the one cheap home; the repair keeps the solo child alone
    there or elsewhere, never together."""
    instance = Instance((child("C1", solo=True), child("C2")),
                        (home("H1", vacancies=2, weekly_cost=500.0), home("H2", vacancies=1, weekly_cost=900.0)))
    assignment = repaired_flow(instance, Weights(), candidate_pairs(instance))
    assert check_assignment(instance, assignment).violations == ()
    assert None not in assignment.values() and assignment["C1"] != assignment["C2"]


def test_repaired_plan_beats_the_status_quo_on_the_bundled_region():
    instance = read_instance(FIXTURES / "greater-manchester")
    pairs = candidate_pairs(instance)
    repaired = check_assignment(instance, repaired_flow(instance, Weights(), pairs))
    assert repaired.violations == () and repaired.objective < solve_greedy(instance, pairs=pairs).objective
