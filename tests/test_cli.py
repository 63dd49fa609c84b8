"""The ``rcc`` command: exit codes a scheduler can act on, readable reports, atomic outputs."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from rcc.cli import main
from rcc.exit_codes import EXIT_INTERNAL, EXIT_INVALID, EXIT_OK
from rcc.solver import cpsat, plan
from tests.conftest import FIXTURES

TINY = FIXTURES / "tiny"


def test_validate_says_the_bundled_region_is_valid(capsys):
    """``rcc validate fixtures/greater-manchester`` exits 0 and summarises demand and supply."""
    assert main(["validate", str(FIXTURES / "greater-manchester")]) == EXIT_OK
    out = capsys.readouterr().out
    assert "greater-manchester: valid" in out and "children waiting" in out


def test_validate_lists_every_problem_of_a_broken_copy(tmp_path, capsys):
    """A copy broken in three places: exit 2 and all three problems on stderr."""
    broken = shutil.copytree(FIXTURES / "greater-manchester", tmp_path / "broken")
    homes = pd.read_csv(broken / "homes.csv", dtype=str, keep_default_na=False)
    homes.loc[3, "vacancies"] = "-1"
    homes.loc[5, "ofsted"] = "great"
    homes.to_csv(broken / "homes.csv", index=False)
    children = pd.read_csv(broken / "children.csv", dtype=str, keep_default_na=False)
    children.loc[0, "age"] = "19"
    children.to_csv(broken / "children.csv", index=False)
    assert main(["validate", str(broken)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert f"homes.csv row 5 (home_id={homes.loc[3, 'home_id']}): vacancies=-1 must be >= 0" in err
    assert "ofsted=great must be one of" in err
    assert "children.csv row 2" in err and "age=19 must be between 0 and 17" in err
    assert "INVALID — 3 error(s)" in err


def test_solve_writes_assignments_and_summary_as_the_contract_says(tmp_path):
    """A tiny instance: exit 0, one row per child with a reason, summary with every field of the
    contract and of v1.1: the mode, every measure, the priorities, the stages and the guards."""
    out = tmp_path / "out"
    assert main(["solve", str(TINY / "capacity-two-children-one-bed"), "--out", str(out)]) == EXIT_OK
    table = pd.read_csv(out / "assignments.csv", keep_default_na=False)
    assert list(table.columns) == ["child_id", "home_id", "km", "weekly_cost", "reason"]
    assert table.set_index("child_id").loc["C2", "home_id"] == ""
    summary = json.loads((out / "summary.json").read_text())
    for key in ("status", "objective", "bound", "gap", "terms", "placed", "unplaced", "siblings_split",
                "runtime_s", "solver", "seed", "inputs", "kpis", "objective_mode", "measures", "weekly_spend",
                "priorities", "stages", "guards", "found_by", "proved_by", "status_quo", "by_authority"):
        assert key in summary
    assert summary["status"] == "optimal" and summary["objective_mode"] == "priorities"
    assert summary["objective"] == pytest.approx(17100.0)  # the weighted score of the plan, for comparison
    assert "not money" in summary["units"]["objective"]
    assert summary["measures"] == pytest.approx({"unplaced": 1, "siblings_apart": 0, "far_from_home": 0,
                                                 "outside_own_la": 0, "not_preferred": 0, "weekly_spend": 2000,
                                                 "km": 5})
    assert summary["weekly_spend"] == pytest.approx(2000)
    assert [p["measure"] for p in summary["priorities"]][:2] == ["unplaced", "siblings_apart"]
    assert all(stage["proven"] for stage in summary["stages"]) and summary["proved_by"] == "CP-SAT"
    assert [g["measure"] for g in summary["guards"]] == ["unplaced", "siblings_apart", "far_from_home",
                                                         "outside_own_la", "not_preferred"]
    assert set(summary["terms"]) == {"cost", "km", "unplaced", "split", "not_preferred"}
    assert set(summary["inputs"]) == {"children.csv", "homes.csv", "travel.csv"}
    assert not list(out.glob(".*.tmp")), "temporary files must not be left behind"


def test_weighted_mode_reports_the_score_with_its_proof(tmp_path):
    """--objective weighted minimises the v1 score: its bound, gap and pruning are reported."""
    out = tmp_path / "out"
    assert main(["solve", str(TINY / "capacity-two-children-one-bed"), "--out", str(out),
                 "--objective", "weighted"]) == EXIT_OK
    summary = json.loads((out / "summary.json").read_text())
    assert summary["objective_mode"] == "weighted" and summary["priorities"] is None and summary["guards"] == []
    assert summary["status"] == "optimal" and summary["objective"] == pytest.approx(17100.0)
    assert summary["solver_stats"]["pairs_kept"] <= summary["solver_stats"]["pairs"]
    assert summary["stages"][0]["measure"] == "score" and summary["found_by"]


def test_weight_flags_and_toml_change_the_objective(tmp_path):
    """--w-unplaced lower than any home leaves children unplaced; a TOML file does the same."""
    folder = str(TINY / "capacity-two-children-one-bed")
    assert main(["solve", folder, "--out", str(tmp_path / "a"), "--w-unplaced", "100", "--objective", "weighted"]) \
        == EXIT_OK
    assert json.loads((tmp_path / "a" / "summary.json").read_text())["objective"] == pytest.approx(200.0)
    toml = tmp_path / "w.toml"
    toml.write_text('objective = "weighted"\n[weights]\nunplaced = 100\n[solver]\ntime_limit = 5\n')
    assert main(["solve", folder, "--out", str(tmp_path / "b"), "--weights", str(toml)]) == EXIT_OK
    assert json.loads((tmp_path / "b" / "summary.json").read_text())["objective"] == pytest.approx(200.0)


def test_no_lp_flag_and_toml_setting_reach_the_solver(tmp_path, monkeypatch):
    """--no-lp (or ``lp_guide = false`` under [solver]) runs CP-SAT alone; the optimum is the same."""
    seen = []
    real = cpsat.solve
    monkeypatch.setattr(cpsat, "solve", lambda *a, **k: seen.append(a[2].lp_guide) or real(*a, **k))
    folder = str(TINY / "capacity-two-children-one-bed")
    toml = tmp_path / "w.toml"
    toml.write_text("[solver]\nlp_guide = false\n")
    for n, extra in enumerate([[], ["--no-lp"], ["--weights", str(toml)]]):
        assert main(["solve", folder, "--out", str(tmp_path / str(n)), "--objective", "weighted", *extra]) == EXIT_OK
        assert json.loads((tmp_path / str(n) / "summary.json").read_text())["status"] == "optimal"
    assert seen == [True, False, False]


@pytest.mark.parametrize(("toml", "flags", "named"), [
    ('[solver]\ntime_limit = "abc"\n', [], "[solver] time_limit='abc' must be a number of seconds > 0"),
    ('[solver]\nlp_guide = "maybe"\n', [], "[solver] lp_guide='maybe' must be true or false"),
    (None, ["--time-limit", "-5", "--workers", "0"],
     "time_limit=-5.0 must be a number of seconds > 0; workers=0 must be a whole number ≥ 1"),
])
def test_bad_solver_settings_are_named_input_errors(tmp_path, capsys, toml, flags, named):
    """A wrong [solver] value or flag exits 2 naming it, before anything is solved or written."""
    extra = list(flags)
    if toml:
        (tmp_path / "s.toml").write_text(toml)
        extra += ["--weights", str(tmp_path / "s.toml")]
    code = main(["solve", str(TINY / "solo-child-alone"), "--out", str(tmp_path / "o"), *extra])
    assert code == EXIT_INVALID
    assert named in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_bad_weights_file_is_invalid_input(tmp_path, capsys):
    """A misspelt weight is named and exits 2."""
    toml = tmp_path / "w.toml"
    toml.write_text("[weights]\nunplace = 100\n")
    code = main(["solve", str(TINY / "solo-child-alone"), "--out", str(tmp_path / "o"), "--weights", str(toml)])
    assert code == EXIT_INVALID
    assert "unplace" in capsys.readouterr().err


def test_solve_refuses_invalid_input_and_writes_nothing(tmp_path, capsys):
    """Invalid input: exit 2, the problems listed, no output folder."""
    broken = shutil.copytree(TINY / "solo-child-alone", tmp_path / "broken")
    (broken / "children.csv").write_text((broken / "children.csv").read_text().replace(",F,", ",Q,", 1))
    assert main(["solve", str(broken), "--out", str(tmp_path / "out")]) == EXIT_INVALID
    assert "sex=Q must be one of F, M" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_internal_error_exits_1_with_a_logged_traceback(tmp_path, monkeypatch, caplog):
    """A bug inside the solver is exit 1, logged for the scheduler, not a crash."""

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(plan, "solve_priorities", broken)
    assert main(["solve", str(TINY / "solo-child-alone"), "--out", str(tmp_path / "o")]) == EXIT_INTERNAL
    assert "internal error" in caplog.text and "boom" in caplog.text


def test_generate_writes_a_valid_instance_and_rejects_unknown_regions(tmp_path, capsys):
    """``rcc generate`` output validates; an unknown region is exit 2 with the reason."""
    out = tmp_path / "gen"
    assert main(["generate", "--las", "E08000001,E08000002", "--children", "40", "--seed", "3",
                 "--out", str(out)]) == EXIT_OK
    assert main(["validate", str(out)]) == EXIT_OK
    assert main(["generate", "--region", "Atlantis", "--children", "5", "--out", str(tmp_path / "x")]) == EXIT_INVALID
    assert "Atlantis" in capsys.readouterr().err


def test_every_solve_is_recorded_and_a_rerun_nightly_job_keeps_one_record(tmp_path, capsys):
    """``rcc solve`` records the run; the same job again updates it; ``rcc runs`` lists and shows it."""
    db = f"sqlite:///{tmp_path / 'var' / 'rcc.db'}"
    folder = str(TINY / "capacity-two-children-one-bed")
    for _ in range(2):
        assert main(["solve", folder, "--out", str(tmp_path / "out"), "--db", db]) == EXIT_OK
    assert "(run 1)" in capsys.readouterr().out
    assert main(["runs", "list", "--db", db]) == EXIT_OK
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 2 and "optimal" in listed[1] and "17,100.00" in listed[1]
    assert main(["runs", "show", "1", "--db", db]) == EXIT_OK
    shown = capsys.readouterr().out
    assert "capacity-two-children-one-bed" in shown and "2 children, 1 placed" in shown
    assert main(["runs", "show", "1", "--assignments", "--db", db]) == EXIT_OK
    assert capsys.readouterr().out.splitlines()[0] == "child_id,home_id,km,weekly_cost"
    assert main(["runs", "show", "7", "--db", db]) == EXIT_INVALID


def test_an_unreachable_run_store_is_an_internal_error_after_the_outputs_are_written(tmp_path, capsys):
    """Outputs land first; a database that cannot be reached is exit 1 with a message, not a traceback."""
    out = tmp_path / "out"
    db = "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"
    assert main(["solve", str(TINY / "capacity-two-children-one-bed"), "--out", str(out), "--db", db]) \
        == EXIT_INTERNAL
    assert "could not record the run" in capsys.readouterr().err
    assert (out / "assignments.csv").exists() and (out / "summary.json").exists()


def test_a_malformed_run_store_url_is_invalid_input(capsys):
    assert main(["runs", "list", "--db", "not a url"]) == EXIT_INVALID
    assert "is not a database URL" in capsys.readouterr().err
