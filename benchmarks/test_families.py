"""Speed and quality against the baselines, in one run (``make bench``; not part of ``make test``).

Each test measures one manifest family with the very code ``rcc bench run`` uses: candidate
pairs, greedy, the min-cost-flow relaxation, CP-SAT on the weighted score, the priorities solve
(children first), then HiGHS asked to reach CP-SAT's gap, every solution re-checked. pytest-benchmark
times the whole pipeline once (solves of this size take seconds to minutes; repeating them measures
the same thing again) and ``extra_info`` keeps each solver's seconds, objective, bound and gap, so
the ratios come from one run on one machine. The scale targets of ``rcc.bench.targets`` are
asserted: an unmet target is a red benchmark; so is a priorities plan worse than the status quo on
any of the first five measures.
The England-scale families run only under ``rcc bench run``, which caps their memory and time.
"""

from __future__ import annotations

import pytest

from rcc.bench.manifest import load_manifest
from rcc.bench.measure import Limits, measure_instance
from rcc.bench.targets import TARGETS
from rcc.priorities import GUARDED
from tests.conftest import ROOT

FAMILIES = {f.name: f for f in load_manifest(ROOT / "benchmarks" / "instances" / "manifest.toml")}


@pytest.mark.parametrize("name", ["regional-200", "greater-manchester-300", "regional-1000", "regional-5000"])
def test_family_against_baselines(benchmark, name):
    family = FAMILIES[name]
    (instance,) = family.instances()
    row: dict = {"family": name}
    limits = Limits(time_limit=family.time_limit or 60.0)
    benchmark.pedantic(measure_instance, args=(instance, limits, row.update), rounds=1, iterations=1)
    benchmark.extra_info.update(row)
    assert row["stage"] == "done"
    assert row["relaxation_bound"] <= row["rcc_objective"] <= row["greedy_objective"]
    for measure in GUARDED:  # children first, by default no worse than the status quo on each
        assert row[f"priorities_{measure}"] <= row[f"greedy_{measure}"] + 1e-9, measure
    for target in TARGETS:
        if target.family == name:
            assert target.met(row), f"{name}: {target.text} — {target.judge([row])[1]}"
