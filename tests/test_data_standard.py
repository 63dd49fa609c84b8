"""The Placements Data Standard v2 fields: read, checked, explained; absent columns change nothing.

Optima on tiny instances are proven in ``test_tiny_fixtures.py`` (brute force) and matched by every
solver in ``test_cpsat.py``/``test_highs.py``; the random instances of ``tests/strategies.py`` draw
these fields too. Here: the validator's messages, the checker's sentences, the explanations, the
write/read round trip and the command line.
"""

from __future__ import annotations

import json
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcc.check import check_assignment, verify
from rcc.cli import EXIT_INVALID, EXIT_OK, main
from rcc.data import read_instance, validate, write_instance
from rcc.model import Instance, Weights
from rcc.outputs import checked
from rcc.result import Status
from rcc.solver import candidates
from rcc.solver.candidates import candidate_pairs
from rcc.solver.cpsat import solve
from rcc.solver.greedy import solve_greedy
from rcc.solver.highs import solve_highs
from rcc.solver.params import SolveParams
from tests.bruteforce import brute_force, penny_rounding
from tests.builders import child, home
from tests.conftest import CHILDREN_CSV, FIXTURES, HOMES_CSV, write_files
from tests.strategies import tiny_instances

TINY = FIXTURES / "tiny"


def _children_with(columns: str, *values: str) -> str:
    """CHILDREN_CSV with extra columns: one value per child row (C1, C2, C3)."""
    header, *rows = CHILDREN_CSV.strip().splitlines()
    return "\n".join([f"{header},{columns}", *(f"{r},{v}" for r, v in zip(rows, values, strict=True))]) + "\n"


def _homes_with(columns: str, *values: str) -> str:
    header, *rows = HOMES_CSV.strip().splitlines()
    return "\n".join([f"{header},{columns}", *(f"{r},{v}" for r, v in zip(rows, values, strict=True))]) + "\n"


def _messages(report, severity: str = "error") -> list[str]:
    return [str(p) for p in report.problems if p.severity == severity]


# --- reading ------------------------------------------------------------------------------


def test_extension_columns_read_with_their_defaults_when_empty(tmp_path):
    """Empty cells mean absent: no urgency, not_specified, no_preference, nobody living there."""
    folder = write_files(
        tmp_path / "v2",
        children=_children_with("urgency,suitability_foster,suitability_residential,suitability_supported,alongside",
                                "Today,preferred,SUITABLE,unsuitable,older_only", ",,,,", "later,,,,solo"),
        homes=_homes_with("resident_ages", " 15 ; 9", ""),
    )
    report = validate(folder)
    assert report.ok and not report.warnings, [str(p) for p in report.problems]
    c1, c2, c3 = report.instance.children
    assert (c1.urgency, c1.suitability_foster, c1.suitability_residential, c1.suitability_supported, c1.alongside) \
        == ("today", "preferred", "suitable", "unsuitable", "older_only")
    assert (c2.urgency, c2.suitability_foster, c2.alongside) == (None, "not_specified", "no_preference")
    assert c3.solo and c3.alongside == "solo"
    h1, h2 = report.instance.homes
    assert h1.resident_ages == (9, 15) and h2.resident_ages == ()


@pytest.mark.parametrize(("columns", "values", "expected"), [
    ("urgency", ("soon", "", ""), "children.csv row 2 (child_id=C1): urgency=soon must be one of today, "
                                  "within_5_days, later"),
    ("suitability_foster", ("maybe", "", ""), "children.csv row 2 (child_id=C1): suitability_foster=maybe must be "
                                              "one of preferred, suitable, unsuitable, not_specified"),
    ("alongside", ("", "", "with_others"), "children.csv row 4 (child_id=C3): alongside=with_others contradicts "
                                           "solo=true (a solo child lives with nobody)"),
    ("alongside", ("anyone", "", ""), "children.csv row 2 (child_id=C1): alongside=anyone must be one of "
                                      "no_preference, solo, older_only, younger_only, with_others"),
])
def test_bad_extension_values_are_named_errors(tmp_path, columns, values, expected):
    report = validate(write_files(tmp_path / "bad", children=_children_with(columns, *values), homes=HOMES_CSV))
    assert not report.ok
    assert any(m.startswith(expected) for m in _messages(report)), _messages(report)


@pytest.mark.parametrize(("value", "rule"), [
    ("9;x", "resident_ages=9;x must be whole numbers separated by semicolons"),
    ("9;30", "resident_ages=9;30 must be ages between 0 and 25"),
])
def test_bad_resident_ages_are_named_errors(tmp_path, value, rule):
    report = validate(write_files(tmp_path / "bad", children=CHILDREN_CSV, homes=_homes_with("resident_ages", value, "")))
    assert f"homes.csv row 2 (home_id=H1): {rule}" in _messages(report)


def test_a_child_unsuitable_for_every_family_is_a_warning(tmp_path):
    children = _children_with("suitability_foster,suitability_residential,suitability_supported",
                              "unsuitable,unsuitable,unsuitable", ",,", ",,")
    report = validate(write_files(tmp_path / "w", children=children, homes=HOMES_CSV))
    assert report.ok
    assert any("every setting family is unsuitable" in m for m in _messages(report, "warning"))


def test_round_trip_keeps_extension_fields_and_core_instances_gain_no_columns(valid_folder, tmp_path):
    core = read_instance(valid_folder)
    write_instance(core, tmp_path / "core")
    header = (tmp_path / "core" / "children.csv").read_text().splitlines()[0]
    assert "urgency" not in header and "alongside" not in header
    assert "resident_ages" not in (tmp_path / "core" / "homes.csv").read_text().splitlines()[0]
    rich = core.replace(
        children=(core.children[0].replace(urgency="within_5_days", suitability_supported="preferred",
                                           alongside="younger_only"), *core.children[1:]),
        homes=(core.homes[0].replace(resident_ages=(12, 16)), *core.homes[1:]),
    )
    write_instance(rich, tmp_path / "rich")
    assert read_instance(tmp_path / "rich").replace(name=rich.name) == rich


# --- the independent checker ----------------------------------------------------------------


def test_checker_names_each_extension_rule():
    """Suitability, residents (solo and alongside) and alongside between placed children."""
    kids = (child("C1", age=10, alongside="older_only", suitability_residential="unsuitable"),
            child("C2", age=8), child("C3", solo=True))
    homes = (home("H1", vacancies=3), home("H2", resident_ages=(14,)), home("H3", resident_ages=(9,)))
    instance = Instance(kids, homes)
    found = check_assignment(instance, {"C1": "H1", "C2": "H1", "C3": "H2"}).violations
    assert any("unsuitable for that setting (suitability)" in v for v in found)
    assert any("child C1 (aged 10, alongside older_only) shares home H1 with C2, aged 8 (alongside)" in v
               for v in found)
    assert any("already live, but the child is solo (resident_ages)" in v for v in found)
    found = check_assignment(instance, {"C1": "H3", "C2": None, "C3": None}).violations
    assert any("children aged 9 already live, but the child's alongside is older_only (resident_ages)" in v
               for v in found)


def test_checker_charges_urgency_and_not_preferred():
    kids = (child("C1", urgency="today"), child("C2", urgency="within_5_days"), child("C3"),
            child("C4", suitability_foster="preferred", suitability_residential="suitable"))
    instance = Instance(kids, (home("H1", vacancies=1),))
    weights = Weights(km=0.0)
    check = check_assignment(instance, {"C1": None, "C2": None, "C3": None, "C4": "H1"}, weights)
    assert check.terms["unplaced"] == pytest.approx(15000 * (2.0 + 1.5 + 1.0))
    assert check.terms["not_preferred"] == pytest.approx(1000.0)
    custom = weights.replace(urgency_today=3.0, not_preferred=250.0)
    check = check_assignment(instance, {"C1": None, "C2": None, "C3": None, "C4": "H1"}, custom)
    assert check.terms["unplaced"] == pytest.approx(15000 * (3.0 + 1.5 + 1.0))
    assert check.terms["not_preferred"] == pytest.approx(250.0)


# --- explanations -------------------------------------------------------------------------


def _solved(name: str):
    instance = read_instance(TINY / name)
    pairs = candidate_pairs(instance, Weights())
    return checked(instance, Weights(), solve(instance, Weights(), SolveParams(time_limit=10), pairs=pairs), pairs)


def test_explanations_name_the_extension_rules():
    solved = _solved("alongside-older-only-not-with-younger")
    assert "H1" in solved.explainer.reason("C1") and "whom this child may not live with (alongside)" in \
        solved.explainer.reason("C1")
    solved = _solved("suitability-suitable-family-pays-not-preferred")
    assert "(a suitable setting, not the preferred one)" in solved.explainer.reason("C1")
    solved = _solved("suitability-unsuitable-excludes-setting-family")
    shortlist = solved.explainer.shortlist("C1")
    assert list(shortlist["home_id"]) == ["H2"]


def test_unplaced_reason_uses_the_childs_urgency():
    solved = _solved("urgency-within-5-days-worth-a-dear-home")
    assert solved.explainer.reason("C2").startswith(
        "Unplaced: every feasible home scores worse than an emergency placement (15,000 in the weighted score)")


# --- the command line ---------------------------------------------------------------------


def test_solve_flag_and_toml_set_the_extension_weights(tmp_path):
    """--w-not-preferred 2000 makes the preferred foster home worth its extra 1500; TOML sets urgency."""
    out = tmp_path / "out"
    folder = TINY / "suitability-suitable-family-pays-not-preferred"
    assert main(["solve", str(folder), "--out", str(out), "--w-not-preferred", "2000", "--objective", "weighted"]) \
        == EXIT_OK
    summary = json.loads((out / "summary.json").read_text())
    assert summary["objective"] == pytest.approx(2700.0) and summary["weights"]["not_preferred"] == 2000.0
    settings = tmp_path / "w.toml"
    settings.write_text('objective = "weighted"\n[weights]\nurgency_within_5_days = 1.2\n')
    folder = TINY / "urgency-within-5-days-worth-a-dear-home"
    assert main(["solve", str(folder), "--out", str(out), "--weights", str(settings)]) == EXIT_OK
    summary = json.loads((out / "summary.json").read_text())
    assert summary["placed"] == 0 and summary["objective"] == pytest.approx(15000 * 1.2 + 15000)


# --- alongside at its densest: every child choosy, roomy homes ------------------------------


@st.composite
def choosy_instances(draw) -> Instance:
    """Tiny instances whose non-solo children all live only with older or only with younger children,
    in homes of three vacancies, so the age windows of both exact models are always in play."""
    instance = draw(tiny_instances(min_children=3))
    kids = tuple(c if c.solo else c.replace(alongside=draw(st.sampled_from(("older_only", "younger_only"))))
                 for c in instance.children)
    return instance.replace(children=kids, homes=tuple(h.replace(vacancies=3, block_booked=0) for h in instance.homes))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(choosy_instances(), st.sampled_from([candidates.PAIRWISE_LIMIT, 0]))
def test_exact_solvers_match_brute_force_when_every_child_is_choosy(instance, pairwise_limit):
    """Both forms of the rule — excluded pairs, and (limit 0) windows counted by running totals."""
    best, _ = brute_force(instance)
    with patch.object(candidates, "PAIRWISE_LIMIT", pairwise_limit):
        result = solve(instance, params=SolveParams(time_limit=10, workers=1))
        verify(result, instance)
        assert result.status is Status.OPTIMAL
        assert result.objective == pytest.approx(best, abs=penny_rounding(instance))
        result = solve_highs(instance, relative_gap=0.0)
        verify(result, instance)
        assert result.objective == pytest.approx(best, abs=1e-6)
    verify(solve_greedy(instance), instance)


def test_kpis_count_children_needed_today_and_preferred_settings_only_when_recorded():
    assert _solved("urgency-today-outranks-nearer-later").kpis["needed_today_placed_pct"] == 100.0
    assert _solved("suitability-suitable-family-pays-not-preferred").kpis["preferred_setting_pct"] == 0.0
    assert _solved("suitability-preferred-family-beats-cheaper-suitable-one").kpis["preferred_setting_pct"] == 100.0
    core = _solved("capacity-two-children-one-bed").kpis
    assert core["needed_today_placed_pct"] is None and core["preferred_setting_pct"] is None


def test_bad_weights_are_named_input_errors_not_tracebacks(tmp_path, capsys):
    folder, out = str(TINY / "solo-child-alone"), str(tmp_path / "out")
    assert main(["solve", folder, "--out", out, "--w-not-preferred", "-5"]) == EXIT_INVALID
    assert "weight not_preferred=-5.0 must be a number >= 0" in capsys.readouterr().err
    settings = tmp_path / "w.toml"
    settings.write_text('[weights]\nurgency_today = "x"\n')
    assert main(["solve", folder, "--out", out, "--weights", str(settings)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "w.toml: [weights] urgency_today='x' must be a number >= 0" in err and "Traceback" not in err
