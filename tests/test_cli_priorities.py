"""``rcc solve`` and ``rcc frontier`` with the priorities objective: flags, settings files, guards,
today's placements, exit codes a scheduler can act on."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from rcc.cli import main
from rcc.exit_codes import EXIT_INVALID, EXIT_NO_PLAN, EXIT_OK
from rcc.store import RunStore
from tests.conftest import FIXTURES

TINY = FIXTURES / "tiny"
SIBLINGS = TINY / "siblings-split-cheaper-than-together"  # together in H1 for £12,000, apart for £1,000


def _summary(out) -> dict:
    return json.loads((out / "summary.json").read_text())


def test_children_first_keeps_siblings_together_where_the_score_would_split_them(tmp_path):
    """The weighted score splits the pair (it saves £11,000 a week for a £5,000 'split'); the default
    priorities keep them together, and summary.json says which is money and which is a score."""
    assert main(["solve", str(SIBLINGS), "--out", str(tmp_path / "p")]) == EXIT_OK
    assert main(["solve", str(SIBLINGS), "--out", str(tmp_path / "w"), "--objective", "weighted"]) == EXIT_OK
    first, weighted = _summary(tmp_path / "p"), _summary(tmp_path / "w")
    groups = pd.read_csv(tmp_path / "w" / "sibling_groups.csv")
    assert (groups.loc[0, "status"], groups.loc[0, "where"]) == ("apart", "C1 → H2; C2 → H3")
    assert (first["measures"]["siblings_apart"], first["weekly_spend"]) == (0, 12000)
    assert (weighted["measures"]["siblings_apart"], weighted["weekly_spend"]) == (1, 1000)
    assert first["siblings_split"] == 0 and weighted["siblings_split"] == 1
    assert first["status_quo"]["measures"]["siblings_apart"] == 0


def test_a_budget_the_guards_cannot_meet_exits_3_naming_the_binding_guards(tmp_path, capsys):
    """Keeping the pair together (the status quo does) costs £12,000: a £1,500 budget cannot hold with
    it. Exit 3; summary.json names both binding guards with their least values; no stale matches."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "assignments.csv").write_text("child_id,home_id\nC1,H9\n")  # an earlier run's file
    assert main(["solve", str(SIBLINGS), "--out", str(out), "--budget", "£1,500"]) == EXIT_NO_PLAN
    said = capsys.readouterr().out
    assert said.startswith("infeasible: no plan — the guards cannot all hold")
    summary = _summary(out)
    assert summary["status"] == "infeasible" and summary["measures"] is None
    least = {g["measure"]: g["least_without_it"] for g in summary["guards"]}
    assert least["weekly_spend"] == 12000 and least["siblings_apart"] == 1
    assert "weekly spend ≤ £1,500/week (budget) binds" in summary["message"]
    assert pd.read_csv(out / "assignments.csv").empty


def test_budget_today_spends_no_more_than_the_status_quo(tmp_path):
    out = tmp_path / "out"
    assert main(["solve", str(TINY / "capacity-second-child-takes-next-home"), "--out", str(out),
                 "--budget", "today"]) == EXIT_OK
    summary = _summary(out)
    budget = next(g for g in summary["guards"] if g["source"].startswith("budget"))
    assert summary["weekly_spend"] <= budget["cap"] == summary["status_quo"]["measures"]["weekly_spend"]


def test_no_guard_drops_the_status_quo_caps_and_a_settings_file_sets_order_tolerance_and_guards(tmp_path):
    folder = str(TINY / "capacity-second-child-takes-next-home")
    assert main(["solve", folder, "--out", str(tmp_path / "a"), "--no-guard"]) == EXIT_OK
    assert _summary(tmp_path / "a")["guards"] == []
    settings = tmp_path / "s.toml"
    settings.write_text('objective = "priorities"\n[priorities]\norder = ["weekly_spend", "unplaced", '
                        '"siblings_apart", "far_from_home", "outside_own_la", "not_preferred", "km"]\n'
                        'tolerance = { weekly_spend = "10%" }\n[guards]\nstatus_quo = false\nfairness_points = 50\n')
    assert main(["solve", folder, "--out", str(tmp_path / "b"), "--settings", str(settings)]) == EXIT_OK
    summary = _summary(tmp_path / "b")
    assert summary["priorities"][0] == {"measure": "weekly_spend", "tolerance": "10%"}
    assert [g["measure"] for g in summary["guards"]] == ["fairness"]
    assert summary["weekly_spend"] == 0 and summary["unplaced"] == 2  # money first: nobody placed is cheapest


@pytest.mark.parametrize(("flags", "named"), [
    (["--tolerance", "spend=2%"], "tolerance for unknown measure(s) 'spend'"),
    (["--tolerance", "weekly_spend"], "--tolerance 'weekly_spend' must be MEASURE=VALUE"),
    (["--tolerance", "km=-3"], "a tolerance must be a number ≥ 0, not -3.0"),
    (["--order", "unplaced,weekly_spend"], "the order must list every measure once; missing siblings_apart"),
    (["--budget", "lots"], "--budget 'lots' must be 'today' or a weekly amount in £"),
    (["--fairness", "120"], "fairness_points=120.0 must be a number of percentage points from 0 to 100"),
    (["--hint-greedy"], "--hint-greedy warm-starts the weighted score only"),
])
def test_bad_priority_settings_are_named_input_errors(tmp_path, capsys, flags, named):
    code = main(["solve", str(TINY / "solo-child-alone"), "--out", str(tmp_path / "o"), *flags])
    assert code == EXIT_INVALID
    assert named in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("toml", "named"), [
    ('[priorities]\ncolour = "red"\n', "unknown [priorities] key(s) colour"),
    ('[guards]\nbudget = "cheap"\n', "[guards] budget='cheap' must be 'today' or a weekly amount"),
    ('objective = "fastest"\n', "objective='fastest' must be one of priorities, weighted"),
    ('[weights]\nurgency_today = 1.337\n', "urgency_today=1.337: urgency factors are counted to the hundredth"),
])
def test_bad_priority_settings_files_are_named_input_errors(tmp_path, capsys, toml, named):
    (tmp_path / "s.toml").write_text(toml)
    code = main(["solve", str(TINY / "solo-child-alone"), "--out", str(tmp_path / "o"), "--settings",
                 str(tmp_path / "s.toml")])
    assert code == EXIT_INVALID
    assert named in capsys.readouterr().err


def _with_status_quo(tmp_path, rows: str):
    folder = shutil.copytree(TINY / "capacity-second-child-takes-next-home", tmp_path / "region")
    (folder / "status_quo.csv").write_text("child_id,place,setting_family,setting,provider_code,urn,"
                                           "placement_district,km,within_20_miles,outside_la\n" + rows)
    return folder


def test_todays_placements_beside_the_instance_set_the_far_and_outside_guards(tmp_path):
    """status_quo.csv (from rcc import-903) caps far-from-home and outside-own-LA at today's counts."""
    folder = _with_status_quo(tmp_path, "C1,U1,foster,foster,PR1,,M1,3.0,true,false\n"
                                        "C2,U1,foster,foster,PR1,,M2,40.0,false,true\n")
    assert main(["solve", str(folder), "--out", str(tmp_path / "out")]) == EXIT_OK
    guards = {g["measure"]: g for g in _summary(tmp_path / "out")["guards"]}
    assert guards["far_from_home"]["cap"] == 1 and guards["outside_own_la"]["cap"] == 1
    assert guards["far_from_home"]["source"] == "today's placements, SSDA903"
    assert guards["unplaced"]["source"] == "the greedy status quo"


def test_a_status_quo_file_naming_a_stranger_is_invalid_input(tmp_path, capsys):
    folder = _with_status_quo(tmp_path, "C9,U1,foster,foster,PR1,,M1,3.0,maybe,false\n")
    assert main(["solve", str(folder), "--out", str(tmp_path / "out")]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "status_quo.csv row 2 (child_id=C9): child_id=C9 is not a child of the instance" in err
    assert "status_quo.csv row 2 (child_id=C9): within_20_miles=maybe must be true, false or empty" in err


def test_frontier_writes_each_efficient_plan_checked_and_recorded(tmp_path, capsys):
    """``rcc frontier``: frontier.csv, one folder per point, one run each; the table says the trade."""
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    out = tmp_path / "front"
    assert main(["frontier", str(SIBLINGS), "--x", "weekly_spend", "--y", "siblings_apart", "--no-guard",
                 "--points", "3", "--time-limit", "20", "--out", str(out), "--db", db]) == EXIT_OK
    table = pd.read_csv(out / "frontier.csv", keep_default_na=False)
    assert list(table["siblings_apart"]) == [0, 1] and list(table["weekly_spend"]) == [12000, 1000]
    assert table["trade_off"].iloc[1] == "1 fewer separation of brothers and sisters costs £11,000/week more"
    assert _summary(out / "point-02")["measures"]["siblings_apart"] == 1
    assert len(RunStore(db).runs()) == 2
    assert "point 1 of 3" in capsys.readouterr().err


def test_frontier_refuses_unknown_or_equal_measures(tmp_path, capsys):
    assert main(["frontier", str(SIBLINGS), "--x", "money", "--y", "money", "--out", str(tmp_path / "f")]) \
        == EXIT_INVALID
    err = capsys.readouterr().err
    assert "--x 'money' is not a measure" in err and "--x and --y are both money" in err
