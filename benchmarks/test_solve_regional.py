"""Solver speed and quality on generated regional instances (``make bench``; not part of ``make test``).

Each benchmark solves one instance once (solves of this size are seconds to minutes, so repeated
rounds would only measure the same thing again), asserts the result passed the independent checker,
and stores objective, bound, gap and the greedy (status quo) objective in ``extra_info`` so the
JSON report holds quality beside speed. Targets: 200–300 children proven optimal in under a minute.
"""

from __future__ import annotations

import pytest

from rcc.check import verify
from rcc.data import read_instance
from rcc.data.generate import generate_instance
from rcc.result import Status
from rcc.solver.candidates import candidate_pairs
from rcc.solver.cpsat import SolveParams, solve
from rcc.solver.greedy import solve_greedy
from tests.conftest import FIXTURES

INSTANCES = {
    "north-west-200": lambda: generate_instance(region="North West", children=200, seed=1),
    "north-west-300": lambda: generate_instance(region="North West", children=300, seed=2),
    "yorkshire-250": lambda: generate_instance(region="Yorkshire and The Humber", children=250, seed=3),
    "greater-manchester-300": lambda: read_instance(FIXTURES / "greater-manchester"),
}


@pytest.mark.parametrize("name", INSTANCES)
def test_cpsat_regional(benchmark, name):
    instance = INSTANCES[name]()
    pairs = candidate_pairs(instance)
    greedy = solve_greedy(instance, pairs=pairs)
    verify(greedy, instance)
    result = benchmark.pedantic(solve, args=(instance,), kwargs={"params": SolveParams(time_limit=60), "pairs": pairs},
                                rounds=1, iterations=1)
    verify(result, instance)
    benchmark.extra_info.update(
        children=len(instance.children), pairs=len(pairs), status=result.status.value,
        objective=round(result.objective, 2), bound=round(result.bound, 2), gap=result.gap,
        greedy_objective=round(greedy.objective, 2),
        greedy_worse_pct=round(100 * (greedy.objective - result.objective) / result.objective, 2),
    )
    assert result.objective <= greedy.objective
    assert result.status in (Status.OPTIMAL, Status.TIME_LIMIT)
