"""The hand-made tiny instances: each one is valid, and its hand-computed optimum is the true optimum.

``fixtures/tiny/<name>/expected.json`` holds an optimum worked out by hand (with a sentence saying why);
the exhaustive optimiser in ``tests/bruteforce.py`` proves it. Solvers and checkers can then trust these
numbers without re-deriving them.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from rcc.data.read import read_instance, validate
from rcc.model import Weights
from tests.bruteforce import brute_force, optimal_assignments, siblings_split

TINY = Path(__file__).resolve().parent.parent / "fixtures" / "tiny"
FOLDERS = sorted(p for p in TINY.iterdir() if p.is_dir())
EXPECTED_KEYS = {"objective", "placed", "unplaced", "siblings_split", "why"}


def _expected(folder: Path) -> dict:
    return json.loads((folder / "expected.json").read_text(encoding="utf-8"))


def _counts(instance, assignment) -> tuple[int, int, int]:
    placed = sum(1 for h in assignment.values() if h is not None)
    return placed, len(assignment) - placed, siblings_split(instance, assignment)


tiny = pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])


def test_there_are_enough_tiny_fixtures():
    """The tiny suite covers every rule with a couple of dozen hand-made instances."""
    assert len(FOLDERS) >= 20


@tiny
def test_fixture_is_a_valid_instance(folder):
    """Every tiny fixture passes validation with no errors and no warnings."""
    report = validate(folder)
    assert report.ok, [str(p) for p in report.problems]
    assert not report.warnings, [str(p) for p in report.warnings]


@tiny
def test_expected_json_is_well_formed(folder):
    """expected.json has the agreed keys, consistent counts and names every child when it gives an assignment."""
    expected = _expected(folder)
    assert EXPECTED_KEYS <= set(expected) <= EXPECTED_KEYS | {"assignment"}
    assert expected["why"].strip()
    instance = read_instance(folder)
    assert expected["placed"] + expected["unplaced"] == len(instance.children)
    if "assignment" in expected:
        assert set(expected["assignment"]) == {c.child_id for c in instance.children}


@tiny
def test_brute_force_reproduces_hand_computed_objective(folder):
    """The exhaustive optimum equals the hand-computed objective within 1e-6."""
    expected = _expected(folder)
    best, _ = brute_force(read_instance(folder), Weights())
    assert best == pytest.approx(expected["objective"], abs=1e-6)


@tiny
def test_every_optimum_has_the_expected_counts(folder):
    """Every optimal assignment places, leaves unplaced and splits exactly as expected.json says."""
    expected = _expected(folder)
    instance = read_instance(folder)
    _, optima = optimal_assignments(instance)
    want = (expected["placed"], expected["unplaced"], expected["siblings_split"])
    for assignment in optima:
        assert _counts(instance, assignment) == want, assignment


@tiny
def test_assignment_is_given_exactly_when_the_optimum_is_unique(folder):
    """expected.json names the assignment iff it is the one and only optimum."""
    expected = _expected(folder)
    _, optima = optimal_assignments(read_instance(folder))
    if "assignment" in expected:
        assert optima == [expected["assignment"]]
    else:
        assert len(optima) > 1, "unique optimum: expected.json should give its assignment"


def test_brute_force_honours_non_default_weights():
    """With a dearer emergency placement the too-expensive home becomes worth using."""
    instance = read_instance(TINY / "unplaced-optimal-every-home-too-expensive")
    best, assignment = brute_force(instance, Weights(unplaced=20000.0))
    assert best == pytest.approx(14900 + 20 * 10)
    assert assignment == {"C1": "H2"}


def test_brute_force_is_independent_of_the_solvers_and_checker():
    """tests/bruteforce.py imports nothing from rcc.solver or rcc.check."""
    tree = ast.parse((Path(__file__).parent / "bruteforce.py").read_text(encoding="utf-8"))
    imported = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {m for m in imported if m.startswith(("rcc.solver", "rcc.check"))}


def test_readme_lists_every_fixture():
    """fixtures/tiny/README.md has a line for each fixture folder."""
    readme = (TINY / "README.md").read_text(encoding="utf-8")
    for folder in FOLDERS:
        assert f"`{folder.name}`" in readme, folder.name
