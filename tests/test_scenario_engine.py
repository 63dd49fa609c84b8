"""The scenario engine: demand sampling, block-contract evaluation, the optimiser, sweeps, dask."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rcc.cli import main
from rcc.data import read_instance
from rcc.exit_codes import EXIT_INVALID, EXIT_OK
from rcc.imports.ssda903 import import_903, write_import
from rcc.model import Instance
from rcc.priorities import Objective
from rcc.scenarios.blockbook import BlockContract
from rcc.scenarios.demand import DemandProfile
from rcc.scenarios.distributed import dask_mapper
from rcc.scenarios.evaluate import Policy, Setup, evaluate, summary
from rcc.scenarios.intervals import METRICS, t_interval
from rcc.scenarios.optimise import optimise, validate_out_of_sample
from rcc.scenarios.sweep import default_options, sweep
from rcc.store import RunStore
from tests.builders import PICCADILLY, child, home
from tests.conftest import FIXTURES

GREEDY = Policy("greedy")


@pytest.fixture(scope="module")
def gm() -> Instance:
    return read_instance(FIXTURES / "greater-manchester")


@pytest.fixture(scope="module")
def gm_setup(gm) -> Setup:
    return Setup(gm, DemandProfile.from_instance(gm, weeks=12), horizon_weeks=4, seed=1, policy=GREEDY)


def test_a_scenario_is_the_same_children_whoever_draws_it(gm):
    """Scenario k depends only on (seed, k): redrawn alone or after others, it is identical."""
    profile = DemandProfile.from_instance(gm, weeks=12)
    first = [profile.sample(4, seed=1, scenario=k) for k in range(3)]
    assert profile.sample(4, seed=1, scenario=2) == first[2]
    assert first[0] != first[1] and profile.sample(4, seed=2, scenario=0) != first[0]
    assert all(c.child_id.startswith("S2-") for c in first[2])


def test_rates_reproduce_the_observed_referrals(gm):
    rates = DemandProfile.from_instance(gm, weeks=12).rates()
    assert rates["children_per_week"].sum() * 12 == pytest.approx(len(gm.children))
    assert set(rates["la_code"]) == {c.la_code for c in gm.children}


def test_evaluation_of_one_home_equals_the_arithmetic():
    """One home (50 places at £1,000), 3 beds contracted at £700; every child is placed there at 0 km.
    With n children in a scenario: bill = 3 × 700 + max(0, n − 3) × 1,000, void beds = max(0, 3 − n);
    spot-only bill = n × 1,000."""
    base = Instance((child("C1", at=PICCADILLY), child("C2", at=PICCADILLY)), (home(vacancies=50),), name="one")
    setup = Setup(base, DemandProfile.from_instance(base, weeks=1), horizon_weeks=2, seed=5, policy=GREEDY)
    rows = evaluate(setup, [BlockContract("H1", 3, 700.0)], range(12))
    n = rows["children"]
    assert n.nunique() > 1, "the scenarios should differ in size"
    assert list(rows["weekly_bill"]) == pytest.approx(list(3 * 700 + (n - 3).clip(lower=0) * 1000))
    assert list(rows["void_beds"]) == list((3 - n).clip(lower=0))
    assert list(rows["spot_weekly_bill"]) == pytest.approx(list(n * 1000))
    assert list(rows["score"]) == pytest.approx(list(rows["weekly_bill"]))  # 0 km, all placed, no splits
    assert (rows["unplaced"] == 0).all() and (rows["far_from_home"] == 0).all()


def test_interval_is_a_t_interval_around_the_mean():
    mean, low, high = t_interval([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5 and low == pytest.approx(2.5 - 3.182446 * 1.290994 / 2, rel=1e-5) and high > mean


def test_optimiser_never_does_worse_than_spot_in_sample_and_validates_on_fresh_scenarios(gm_setup):
    seen: list[int] = []

    def recording_mapper(task, items, on_done=None):
        seen.extend(n for _, n in items)
        return [task(i) for i in items]

    rec = optimise(gm_setup, 0.15, range(8), recording_mapper, max_beds=6)
    assert set(seen) == set(range(8)), "the search used only its in-sample scenarios"
    assert rec.mean_bill <= rec.spot_mean_bill and len(rec.steps) == sum(c.beds for c in rec.contracts)
    again = evaluate(gm_setup, rec.contracts, range(8))
    assert again["weekly_bill"].mean() == pytest.approx(rec.mean_bill)
    assert again["spot_weekly_bill"].mean() == pytest.approx(rec.spot_mean_bill)
    for measure in ("unplaced", "siblings_apart", "far_from_home", "outside_own_la"):  # children first
        assert again[measure].mean() <= again[f"spot_{measure}"].mean() + 1e-9
    checked = validate_out_of_sample(gm_setup, rec, range(100, 110))
    bills = checked.out_of_sample.set_index("metric").loc["weekly_bill"]
    assert bills["contracts_low"] <= bills["contracts"] <= bills["contracts_high"]


def test_sweep_ranks_what_ifs_children_first_or_by_spend(gm_setup):
    """By default the gains in priority order rank the what-ifs (children placed first, money last);
    ``by="spend"`` ranks by weekly spend saved. The score is not a column at all."""
    options = default_options(gm_setup, beds=2, top_las=1, settings=("foster",))
    ranked, raw = sweep(gm_setup, options, range(6))
    assert len(ranked) == len(options) and len(raw) == 6 * (len(options) + 1)
    keys = ["unplaced_avoided", "separations_avoided", "kept_within_20_miles", "kept_in_own_la", "spend_saved"]
    assert ranked[keys].equals(ranked[keys].sort_values(keys, ascending=False, ignore_index=True))
    assert (ranked["unplaced_avoided"] >= 0).all()  # more beds never leave more children unplaced (greedy)
    assert not any("total" in column or "score" in column for column in ranked.columns)
    by_spend, _ = sweep(gm_setup, options, range(6), by="spend")
    assert list(by_spend["spend_saved"]) == sorted(by_spend["spend_saved"], reverse=True)


@pytest.mark.slow
def test_two_dask_workers_give_exactly_the_in_process_results(gm_setup):
    """The same scenarios on a 2-process LocalCluster and in this process: identical tables. The
    weighted score's solves prove their optimum on these small scenarios, so the plans are the same
    wherever they run; a time-limited priorities solve that stops short of a proof (distance, last)
    could end on another plan of equal measures but for its distance, as any time-limited search may."""
    contracts = [BlockContract(gm_setup.base.homes[0].home_id, 1, 500.0)]
    exact = Setup(gm_setup.base, gm_setup.profile, horizon_weeks=2, seed=3, policy=Policy("cpsat", 10),
                  objective=Objective("weighted"))
    with dask_mapper(workers=0) as local:
        alone = evaluate(exact, contracts, range(4), local)
        swept, _ = sweep(gm_setup, default_options(gm_setup, top_las=1, settings=("foster",))[:2], range(4), local)
    with dask_mapper(workers=2) as cluster:
        spread = evaluate(exact, contracts, range(4), cluster)
        swept2, _ = sweep(gm_setup, default_options(gm_setup, top_las=1, settings=("foster",))[:2], range(4), cluster)
    pd.testing.assert_frame_equal(alone, spread)
    pd.testing.assert_frame_equal(swept, swept2)
    assert len(summary(alone)) == len(METRICS)


def _contracts_file(tmp_path, text: str):
    path = tmp_path / "contracts.csv"
    path.write_text(text)
    return str(path)


def test_bad_contracts_file_lists_every_problem(tmp_path, capsys):
    path = _contracts_file(tmp_path, "home_id,beds,price\nH99999,1,500\nH00001,-2,500\nH00002,1,cheap\n")
    code = main(["blockbook", "evaluate", str(FIXTURES / "greater-manchester"), "--contracts", path,
                 "--out", str(tmp_path / "out"), "--workers", "0", "--policy", "greedy"])
    err = capsys.readouterr().err
    assert code == EXIT_INVALID
    assert "contracts.csv row 2 (home_id=H99999): home_id=H99999 is not a home of the instance" in err
    assert "contracts.csv row 3 (home_id=H00001): beds=-2 must be a whole number >= 0" in err
    assert "contracts.csv row 4 (home_id=H00002): price=cheap must be a number >= 0" in err


def test_cli_evaluate_optimise_and_sweep_write_outputs_and_record_runs(tmp_path, gm):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    folder = str(FIXTURES / "greater-manchester")
    common = ["--workers", "0", "--policy", "greedy", "--db", db]
    home_id = next(h.home_id for h in gm.homes if h.vacancies > 0)
    path = _contracts_file(tmp_path, f"home_id,beds,price\n{home_id},1,400\n")
    assert main(["blockbook", "evaluate", folder, "--contracts", path, "--scenarios", "5",
                 "--out", str(tmp_path / "ev"), *common]) == EXIT_OK
    assert len(pd.read_csv(tmp_path / "ev" / "scenarios.csv")) == 5
    assert main(["blockbook", "optimise", folder, "--in-sample", "4", "--out-of-sample", "4",
                 "--out", str(tmp_path / "opt"), *common]) == EXIT_OK
    assert list(pd.read_csv(tmp_path / "opt" / "contracts.csv").columns) == ["home_id", "beds", "price"]
    assert main(["sweep", folder, "--scenarios", "3", "--top-las", "1", "--settings", "foster",
                 "--out", str(tmp_path / "sw"), *common]) == EXIT_OK
    assert len(pd.read_csv(tmp_path / "sw" / "sweep.csv")) >= 1
    runs = RunStore(db).runs()
    assert sorted(runs["kind"]) == ["evaluate", "optimise", "sweep"]


def test_out_of_range_flags_are_named_errors_not_tracebacks(tmp_path, capsys):
    """A bad setting or discount is invalid input (exit 2) naming the flag, value and rule."""
    folder = str(FIXTURES / "greater-manchester")
    assert main(["sweep", folder, "--settings", "foster,castle", "--scenarios", "0",
                 "--out", str(tmp_path / "sw"), "--workers", "0"]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "--settings=castle must be one of foster" in err and "--scenarios=0 must be >= 1" in err
    assert main(["blockbook", "optimise", folder, "--discount", "1.5", "--sensitivity", "0.1,x",
                 "--out", str(tmp_path / "opt"), "--workers", "0"]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "--discount=1.5 must be in [0, 1)" in err and "--sensitivity=x must list discounts" in err
    assert not (tmp_path / "sw").exists() and not (tmp_path / "opt").exists()


def test_sweep_samples_demand_from_an_ssda903_import(tmp_path, capsys):
    """--demand takes the referrals from another children table (here the 903 importer's entries), named
    and validated like any input; a bad row stops the run with the file, row, column and rule."""
    data = Path(__file__).parent / "data" / "ssda903-fake"
    write_import(import_903(data / "header.csv", data / "episodes.csv", "E08000003", "2017-03-31"), tmp_path / "903")
    entries = tmp_path / "903" / "entries.csv"
    folder = str(FIXTURES / "greater-manchester")
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    assert main(["sweep", folder, "--demand", str(entries), "--observed-weeks", "52", "--scenarios", "2",
                 "--top-las", "1", "--settings", "foster", "--policy", "greedy", "--workers", "0",
                 "--out", str(tmp_path / "sw"), "--db", db]) == EXIT_OK
    assert RunStore(db).runs()["kind"].tolist() == ["sweep"]
    bad = tmp_path / "bad.csv"
    bad.write_text(entries.read_text().replace(",E08000003,", ",E99999999,", 1))
    assert main(["sweep", folder, "--demand", str(bad), "--scenarios", "2", "--workers", "0",
                 "--out", str(tmp_path / "sw2"), "--db", db]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "bad.csv row 2" in err and "la_code=E99999999 is not an English upper-tier local authority" in err
    assert not (tmp_path / "sw2").exists()


def _counting(calls: list):
    return lambda done, total: calls.append((done, total))


def test_each_scenario_and_each_sweep_solve_reports_its_progress_once(gm_setup):
    """``on_done(done, total)``: once per evaluated scenario, once per sweep solve (what-ifs + baseline),
    counting up to the right total, so a page can move its bar from the first result."""
    calls: list = []
    evaluate(gm_setup, [BlockContract(gm_setup.base.homes[0].home_id, 1, 500.0)], range(5), on_done=_counting(calls))
    assert calls == [(k, 5) for k in range(1, 6)]
    options = default_options(gm_setup, beds=2, top_las=1, settings=("foster",))
    calls.clear()
    sweep(gm_setup, options, range(3), on_done=_counting(calls))
    total = 3 * (len(options) + 1)
    assert calls == [(k, total) for k in range(1, total + 1)]


def test_the_recommender_says_what_it_is_doing_and_counts_each_batch(gm_setup):
    stages: list[str] = []
    calls: list = []
    rec = optimise(gm_setup, 0.15, range(4), max_beds=2, on_done=_counting(calls), on_stage=stages.append)
    assert stages[0].startswith("Buying every place spot") and len(stages) >= 1 + len(rec.steps)
    assert all("Bed" in stage for stage in stages[1:])
    assert calls[:4] == [(k, 4) for k in range(1, 5)]  # spot only: one per in-sample scenario
    batches = [total for done, total in calls if done == total]
    assert len(batches) == len(stages) and all(total % 4 == 0 for total in batches)


def _sleep_then_return(item: float) -> float:
    import time
    time.sleep(item)
    return item


@pytest.mark.slow
def test_dask_reports_each_task_as_it_completes_and_keeps_task_order():
    """The first task is the slowest: progress still counts 1, 2, 3 as tasks finish, and the results
    come back in task order."""
    calls: list = []
    with dask_mapper(workers=2) as mapper:
        results = mapper(_sleep_then_return, [1.5, 0.1, 0.2], _counting(calls))
    assert results == [1.5, 0.1, 0.2] and calls == [(1, 3), (2, 3), (3, 3)]
