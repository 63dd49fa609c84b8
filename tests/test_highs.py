"""The HiGHS MIP baseline solves the same contract: tiny optima, brute force, OR-Library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from rcc.check import verify
from rcc.data import read_instance
from rcc.data.orlib import assignment_instance, read_orlib_assignment
from rcc.result import Status
from rcc.solver.highs import solve_highs
from tests.bruteforce import brute_force
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

