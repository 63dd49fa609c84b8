"""The trade-off frontier: efficient plans between two measures, against brute force, each checked."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from rcc.check import verify
from rcc.data.generate import generate_instance
from rcc.priorities import Guards, Objective
from rcc.service import frontier_checked
from rcc.solver.frontier import efficient, frontier
from rcc.solver.params import SolveParams
from tests.bruteforce import lexicographic, pareto, plans
from tests.strategies import tiny_instances

NO_GUARDS = Objective(guards=Guards(status_quo=False))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_instances(max_children=5, max_homes=3))
def test_frontier_is_the_brute_force_pareto_set_of_spend_and_siblings(instance):
    """With unplaced held at its best (it ranks above both), the points are exactly the plans no
    other beats on both weekly spend and siblings apart — each one checked independently."""
    _, held = lexicographic(plans(instance), ("unplaced",))
    expected = pareto(held, "weekly_spend", "siblings_apart")
    found = frontier(instance, "weekly_spend", "siblings_apart", objective=NO_GUARDS,
                     params=SolveParams(time_limit=30, workers=1), points=8)
    assert found.message == ""
    for point in found.points:
        verify(point, instance)
    got = {(round(p.measures["weekly_spend"], 6), round(p.measures["siblings_apart"], 6)) for p in found.points}
    assert got == expected


def test_efficient_drops_dominated_and_repeated_points():
    """A point no cheaper than one with fewer separations is dominated; a repeat is dropped too."""
    from rcc.result import Result, Status

    def point(spend, apart):
        return Result(Status.FEASIBLE, "x", {}, measures={"weekly_spend": spend, "siblings_apart": apart})

    kept, dropped = efficient([point(500, 1), point(400, 2), point(450, 3), point(400, 2), point(300, 4)],
                              "weekly_spend", "siblings_apart")
    assert [(p.measures["weekly_spend"], p.measures["siblings_apart"]) for p in kept] == [(500, 1), (400, 2),
                                                                                          (300, 4)]
    assert dropped == 2


def test_a_regions_frontier_points_are_mutually_non_dominated_checked_and_no_worse_than_today():
    """Three Greater Manchester boroughs, 100 children (measured: three efficient plans, every solve
    proven, in 5 s): none beaten on both measures by another, every one re-checked and no worse than
    the status quo, each step said in words with real money."""
    region = generate_instance(las=["E08000003", "E08000009", "E08000006"], children=100, seed=3)
    seen = []
    found = frontier_checked(region, "weekly_spend", "siblings_apart", params=SolveParams(time_limit=60), points=4,
                             on_point=lambda done, planned, point: seen.append((done, planned)))
    assert len(found.points) == 3 and seen[0] == (1, 4)
    pairs = [(p.check.measures["weekly_spend"], p.check.measures["siblings_apart"]) for p in found.points]
    for a in pairs:
        assert not any(b[0] <= a[0] and b[1] <= a[1] and b != a for b in pairs)
    table = found.table()
    assert table["trade_off"].iloc[1] == "1 fewer separation of brothers and sisters costs £4,120/week more"  # kinship pins kept
    today = found.points[0].status_quo["measures"]
    assert all(p.check.measures[m] <= today[m] for p in found.points for m in ("unplaced", "siblings_apart"))
