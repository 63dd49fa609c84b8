"""The greedy status quo: always a valid plan, nearest home first, siblings together when one home fits."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from rcc.check import check_assignment, verify
from rcc.model import Instance, Weights
from rcc.result import Status
from rcc.solver.greedy import solve_greedy
from tests.builders import BOLTON, DIDSBURY, PICCADILLY, WITHINGTON, child, home
from tests.strategies import tiny_instances


def instance(children, homes, **changes) -> Instance:
    return Instance(children=tuple(children), homes=tuple(homes), **changes)


# --- Properties on random tiny instances ------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(tiny_instances(max_children=8, max_homes=5), st.sampled_from([Weights(), Weights(cost=2, km=5, split=0)]))
def test_greedy_assignment_always_passes_the_checker(inst, weights):
    """Whatever the instance, greedy breaks no hard rule and reports the objective the checker recomputes."""
    res = solve_greedy(inst, weights)
    assert res.status is Status.FEASIBLE and res.solver == "greedy" and res.bound is None
    assert set(res.assignment) == {c.child_id for c in inst.children}
    check = verify(res, inst, weights)
    assert check.ok


@settings(max_examples=50, deadline=None)
@given(tiny_instances(max_children=8, max_homes=5), st.randoms(use_true_random=False))
def test_greedy_ignores_the_order_children_are_listed_in(inst, rnd):
    """Shuffling the children of the instance changes nothing: the referral order is fully determined."""
    shuffled = list(inst.children)
    rnd.shuffle(shuffled)
    assert solve_greedy(inst).assignment == solve_greedy(inst.replace(children=tuple(shuffled))).assignment


@settings(max_examples=100, deadline=None)
@given(tiny_instances(max_children=8, max_homes=5))
def test_greedy_leaves_nobody_unplaced_who_could_still_join_a_home(inst):
    """With emergency placements priced out, an unplaced child has no home left it could lawfully join."""
    weights = Weights(unplaced=1e9)
    res = solve_greedy(inst, weights)
    for c in inst.children:
        if res.assignment[c.child_id] is None:
            for h in inst.homes:
                trial = {**res.assignment, c.child_id: h.home_id}
                assert not check_assignment(inst, trial, weights).ok, f"{c.child_id} could have gone to {h.home_id}"


# --- The status quo's rules -------------------------------------------------------------------------------------


def test_greedy_places_a_child_in_the_nearest_suitable_home():
    """The nearest home wins even when a farther one is much cheaper."""
    inst = instance([child()], [home("FAR", BOLTON, weekly_cost=100.0), home("NEAR", PICCADILLY, weekly_cost=9000.0)])
    assert solve_greedy(inst).assignment == {"C1": "NEAR"}


def test_greedy_skips_an_unsuitable_nearer_home():
    """A nearer home the child may not go to (wrong age) is passed over for the nearest suitable one."""
    inst = instance([child(age=15)], [home("NEAR", PICCADILLY, max_age=12), home("FAR", BOLTON)])
    assert solve_greedy(inst).assignment == {"C1": "FAR"}


def test_greedy_breaks_distance_ties_on_cost():
    """Between two equally near homes, the cheaper one is chosen."""
    inst = instance([child()], [home("DEAR", PICCADILLY, weekly_cost=3000.0), home("CHEAP", PICCADILLY)])
    assert solve_greedy(inst).assignment == {"C1": "CHEAP"}


def test_greedy_serves_higher_need_first():
    """When two children want the last bed, the higher need level gets it; the other goes farther."""
    inst = instance(
        [child("C1", need_level=1), child("C2", need_level=3)],
        [home("NEAR", PICCADILLY, vacancies=1), home("FAR", BOLTON)],
    )
    assert solve_greedy(inst).assignment == {"C1": "FAR", "C2": "NEAR"}


def test_greedy_keeps_siblings_together_when_one_home_fits_them_all():
    """A sibling group goes whole to the nearest home that can take them all, not each to its own nearest."""
    inst = instance(
        [
            child("C1", at=WITHINGTON, sibling_group="G"),
            child("C2", at=WITHINGTON, sibling_group="G"),
            child("C3", at=WITHINGTON, sibling_group="G"),
        ],
        [home("SMALL", DIDSBURY, vacancies=2), home("BIG", PICCADILLY, vacancies=3)],
    )
    res = solve_greedy(inst)
    assert res.assignment == {"C1": "BIG", "C2": "BIG", "C3": "BIG"}
    assert res.terms["split"] == 0


def test_greedy_splits_siblings_when_no_home_fits_them_all():
    """With no home big enough, siblings are placed one by one, each in the nearest home with room."""
    inst = instance(
        [child("C1", sibling_group="G", age=12), child("C2", sibling_group="G", age=9)],
        [home("NEAR", DIDSBURY, vacancies=1), home("FAR", PICCADILLY, vacancies=1)],
    )
    res = solve_greedy(inst)
    assert res.assignment == {"C1": "NEAR", "C2": "FAR"}  # the older child is served first
    assert res.terms["split"] == 5000
    verify(res, inst, Weights())


def test_greedy_does_not_put_separated_siblings_together():
    """Siblings who are separated from each other are placed one by one, in different homes."""
    inst = instance(
        [child("C1", sibling_group="G"), child("C2", sibling_group="G")],
        [home("NEAR", DIDSBURY), home("FAR", PICCADILLY)],
        separations=[("C1", "C2")],
    )
    assert set(solve_greedy(inst).assignment.values()) == {"NEAR", "FAR"}


def test_solo_child_takes_an_empty_home_and_closes_it():
    """A solo child goes to the nearest empty home and nobody joins it, however many places it has."""
    inst = instance(
        [child("C1", solo=True), child("C2")],
        [home("NEAR", DIDSBURY, vacancies=3), home("FAR", PICCADILLY)],
    )
    assert solve_greedy(inst).assignment == {"C1": "NEAR", "C2": "FAR"}


def test_solo_child_passes_over_an_occupied_home():
    """A solo child served after others will not join an occupied home."""
    inst = instance(
        [child("C1", need_level=3), child("C2", solo=True, need_level=1)],
        [home("NEAR", DIDSBURY), home("FAR", PICCADILLY)],
    )
    assert solve_greedy(inst).assignment == {"C1": "NEAR", "C2": "FAR"}


def test_greedy_keeps_separated_children_apart():
    """A child separated from someone already in the nearest home goes to the next nearest."""
    inst = instance(
        [child("C1", need_level=3), child("C2")],
        [home("NEAR", DIDSBURY), home("FAR", PICCADILLY)],
        separations=[("C2", "C1")],
    )
    assert solve_greedy(inst).assignment == {"C1": "NEAR", "C2": "FAR"}


def test_greedy_leaves_a_child_unplaced_when_nothing_is_left():
    """With every suitable bed taken, the child is unplaced and costed."""
    inst = instance([child("C1", need_level=3), child("C2")], [home("ONLY", PICCADILLY, vacancies=1)])
    res = solve_greedy(inst)
    assert res.assignment == {"C1": "ONLY", "C2": None}
    assert res.terms["unplaced"] == 15000


def test_greedy_prefers_an_emergency_placement_to_a_nearest_home_dearer_than_it():
    """If the nearest suitable home costs more than w_unplaced a week, the child is left unplaced."""
    inst = instance([child()], [home("NEAR", DIDSBURY, weekly_cost=16000.0), home("FAR", BOLTON)])
    assert solve_greedy(inst).assignment == {"C1": None}


def test_siblings_are_not_sent_together_to_a_home_dearer_than_emergency_placements():
    """A group's only shared home is too dear, so the members are placed one by one (here, unplaced)."""
    inst = instance(
        [child("C1", sibling_group="G"), child("C2", sibling_group="G")],
        [home("DEAR", DIDSBURY, weekly_cost=16000.0), home("FAR", BOLTON, vacancies=1)],
    )
    assert solve_greedy(inst).assignment == {"C1": None, "C2": None}


def test_a_block_booked_bed_is_free_even_in_a_dear_home():
    """A dear home's block-booked bed costs nothing, so greedy uses it."""
    inst = instance([child()], [home("NEAR", DIDSBURY, weekly_cost=16000.0, block_booked=1)])
    res = solve_greedy(inst)
    assert res.assignment == {"C1": "NEAR"} and res.terms["cost"] == 0


def test_greedy_is_deterministic():
    """Solving the same instance twice gives the same assignment and objective."""
    rnd = random.Random(7)
    kids = [
        child(
            f"C{i}",
            at=(rnd.uniform(53.3, 53.6), rnd.uniform(-2.5, -2.0)),
            age=rnd.randint(0, 17),
            need_level=rnd.randint(1, 4),
            sibling_group=rnd.choice([None, "A", "B"]),
        )
        for i in range(40)
    ]
    homes = [
        home(f"H{j}", (rnd.uniform(53.3, 53.6), rnd.uniform(-2.5, -2.0)), vacancies=rnd.randint(0, 3))
        for j in range(15)
    ]
    inst = instance(kids, homes)
    first, second = solve_greedy(inst), solve_greedy(inst)
    assert first.assignment == second.assignment and first.objective == second.objective
    verify(first, inst, Weights())


def test_greedy_handles_an_instance_without_homes():
    """No homes: everybody is unplaced, which is a feasible (costly) plan."""
    res = solve_greedy(instance([child("C1"), child("C2")], []))
    assert res.assignment == {"C1": None, "C2": None}
    assert res.objective == 30000
