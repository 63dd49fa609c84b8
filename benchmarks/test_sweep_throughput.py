"""Sweep throughput (scenarios per second) on the Greater Manchester fixture with 1 and 2 dask workers.

Both run in one session on the same scenarios with rcc's CP-SAT placing each one, so the ratio
is measured, not assumed; the results themselves are identical whatever the worker count (see
``tests/test_scenario_engine.py``). Target: 2 workers give at least 1.5× the throughput of 1.
"""

from __future__ import annotations

import pytest

from rcc.data import read_instance
from rcc.scenarios.demand import DemandProfile
from rcc.scenarios.distributed import dask_mapper
from rcc.scenarios.evaluate import Policy, Setup
from rcc.scenarios.sweep import default_options, sweep
from tests.conftest import FIXTURES

SCENARIOS = 20
THROUGHPUT: dict[int, float] = {}


@pytest.fixture(scope="module")
def setup() -> Setup:
    gm = read_instance(FIXTURES / "greater-manchester")
    return Setup(gm, DemandProfile.from_instance(gm, weeks=12), horizon_weeks=4, seed=1, policy=Policy("cpsat", 5))


@pytest.mark.parametrize("workers", [1, 2])
def test_sweep_scenarios_per_second(benchmark, setup, workers):
    options = default_options(setup, beds=2, top_las=1, settings=("foster",))
    with dask_mapper(workers) as mapper:
        ranked, raw = benchmark.pedantic(sweep, args=(setup, options, range(SCENARIOS), mapper),
                                         rounds=1, iterations=1)
    THROUGHPUT[workers] = SCENARIOS / benchmark.stats.stats.mean
    benchmark.extra_info.update(workers=workers, scenarios=SCENARIOS, what_ifs=len(options),
                                solves=len(raw), scenarios_per_second=THROUGHPUT[workers])
    assert len(ranked) == len(options)
    if workers == 2 and 1 in THROUGHPUT:
        benchmark.extra_info["speed_up"] = THROUGHPUT[2] / THROUGHPUT[1]
        assert THROUGHPUT[2] >= 1.5 * THROUGHPUT[1], f"2 workers: {THROUGHPUT[2] / THROUGHPUT[1]:.2f}× of 1 worker"
