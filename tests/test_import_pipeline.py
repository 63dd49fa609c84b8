"""The issue's end to end: the sample SSDA903 files and Ofsted list become an instance rcc solves."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from rcc.cli import EXIT_OK, main

SAMPLES = Path(__file__).parent / "data" / "ssda903-fake"


def test_sample_903_and_ofsted_files_import_validate_and_solve(tmp_path, capsys):
    region = tmp_path / "region"
    assert main(["import-903", "--header", str(SAMPLES / "header.csv"), "--episodes", str(SAMPLES / "episodes.csv"),
                 "--la", "E08000003", "--as-of", "2017-03-31", "--out", str(region)]) == EXIT_OK
    vacancies = tmp_path / "vacancies.csv"
    vacancies.write_text("urn,vacancies,weekly_cost,min_age,max_age\nnjascn,3,4200,8,17\n")
    assert main(["import-ofsted", str(SAMPLES / "ch_fake.xlsx"), "--vacancies", str(vacancies),
                 "--out", str(region / "homes.csv")]) == EXIT_OK
    assert main(["validate", str(region)]) == EXIT_OK
    out = tmp_path / "out"
    assert main(["solve", str(region), "--out", str(out), "--time-limit", "10",
                 "--db", f"sqlite:///{tmp_path / 'runs.db'}"]) == EXIT_OK
    summary = json.loads((out / "summary.json").read_text())
    children = pd.read_csv(region / "children.csv", dtype=str)
    assert summary["status"] == "optimal" and summary["placed"] + summary["unplaced"] == len(children) == 2038
    assignments = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    assert set(assignments["home_id"]) <= {"", "njascn"}
    skipped = pd.read_csv(region / "import_report.csv", dtype=str, keep_default_na=False)
    assert {"overlapping_episodes", "home_district_unknown", "placement_district_unknown"} <= set(skipped["reason"])
    assert "Traceback" not in capsys.readouterr().err
