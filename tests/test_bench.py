"""The benchmark runner's smoke subset: the same code as `rcc bench run`, on small families."""

from __future__ import annotations

import pytest

from rcc.bench.manifest import DEFAULT_MANIFEST, load_manifest
from rcc.bench.measure import Limits, run_family
from rcc.bench.readme import render
from rcc.cli import main
from tests.conftest import ROOT

QUICK = Limits(time_limit=5, highs_cap=20, family_cap=120, memory_gb=8)


def _manifest(tmp_path, body: str):
    path = tmp_path / "manifest.toml"
    path.write_text(body)
    return path


SMALL = """
[[instance]]
name = "north-east-60"
kind = "generated"
region = "North East"
children = 60
seed = 4

[[instance]]
name = "orlib"
kind = "orlib"
path = "{orlib}"
known_optimum = 6100.0
"""


def test_small_families_finish_with_every_solver_checked(tmp_path):
    """Each row carries greedy, relaxation, CP-SAT and HiGHS figures, in a sensible order."""
    path = _manifest(tmp_path, SMALL.format(orlib=ROOT / "fixtures" / "orlib" / "assign100.txt"))
    rows = [run_family(family, QUICK) for family in load_manifest(path)]
    for row in rows:
        assert row["stage"] == "done" and "stopped" not in row, row
        assert row["relaxation_bound"] <= row["rcc_objective"] + 0.01 * row["children"]
        assert row["bound"] <= row["rcc_objective"] <= row["greedy_objective"]
        assert row["highs_objective"] >= row["bound"] - 0.01 * row["children"]
        assert 0 < row["pairs_kept"] <= row["pairs"]
    assert rows[1]["rcc_objective"] == pytest.approx(6100.0) and rows[1]["highs_reached"]
    text = render(rows, QUICK, "rcc bench run")
    assert "| north-east-60 | 60 |" in text and "| orlib | 100 |" in text and "not finished" not in text


def test_a_family_past_its_wall_clock_cap_is_reported_not_lost(tmp_path):
    """A family stopped by its cap leaves a row saying at which stage and why."""
    path = _manifest(tmp_path, '[[instance]]\nname = "big"\nkind = "generated"\nregion = "London"\n'
                               "children = 3000\nseed = 1\n")
    (family,) = load_manifest(path)
    row = run_family(family, Limits(time_limit=60, family_cap=3))
    assert "wall-clock cap" in row["stopped"] and row["stage"] != "done"
    assert "not finished" in render([row], QUICK, "rcc bench run")


def test_manifest_mistakes_name_the_entry(tmp_path):
    with pytest.raises(ValueError, match=r"#1 \(x\): unknown key\(s\) childs"):
        load_manifest(_manifest(tmp_path, '[[instance]]\nname = "x"\nkind = "generated"\nchilds = 5\n'))
    with pytest.raises(ValueError, match="kind must be one of"):
        load_manifest(_manifest(tmp_path, '[[instance]]\nname = "x"\nkind = "magic"\n'))


def test_committed_manifest_names_every_family_the_issue_asks_for():
    names = {f.name for f in load_manifest(ROOT / DEFAULT_MANIFEST)}
    assert {"tiny", "orlib-assign100", "regional-200", "regional-1000", "regional-5000",
            "multi-region-20000", "england-80000"} <= names
    england = next(f for f in load_manifest(ROOT / DEFAULT_MANIFEST) if f.name == "england-80000")
    assert len(england.las()) == 153


def test_bench_generate_writes_instances_that_validate(tmp_path):
    path = _manifest(tmp_path, SMALL.format(orlib=ROOT / "fixtures" / "orlib" / "assign100.txt"))
    assert main(["bench", "generate", "--manifest", str(path), "--out", str(tmp_path / "out")]) == 0
    assert main(["validate", str(tmp_path / "out" / "north-east-60")]) == 0


def test_a_baseline_that_runs_out_of_memory_leaves_rccs_figures_standing():
    """rcc finished; only HiGHS hit the cap: the row shows rcc's status, and the HiGHS cell says why."""
    row = {"family": "big", "about": "x", "stage": "highs", "status": "time_limit", "children": 20000,
           "rcc_objective": 55.0, "bound": 35.0, "gap": 0.35, "stopped": "memory cap of 16 GB reached during highs"}
    line = next(line for line in render([row], QUICK, "rcc bench run").splitlines() if line.startswith("| big |"))
    assert "| time limit |" in line and "**not finished**: memory cap of 16 GB reached |" in line
