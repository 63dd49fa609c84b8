"""The provider market: spend by sector, the five largest owners' share, HHI and small local providers,
counted by hand on tiny instances; the two market guards held by the solver, verified by the checker,
and named when they cannot hold."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from rcc.check import CheckFailed, check_assignment, verify
from rcc.cli import main
from rcc.data import read_instance, write_instance
from rcc.exit_codes import EXIT_INVALID, EXIT_OK
from rcc.market import concentration, describe_hhi, has_market, market_summary, small_local_owners
from rcc.model import Instance
from rcc.priorities import Guards, Objective, from_settings
from rcc.result import Guard, Result, Status
from rcc.solver.lexicographic import solve_priorities
from rcc.solver.params import SolveParams
from tests.builders import BOLTON, DIDSBURY, WITHINGTON, child, home
from tests.conftest import FIXTURES

QUICK = SolveParams(time_limit=20, workers=1)
BOLTON_LA = "E08000001"


def _market_instance() -> Instance:
    """Six Manchester children, each placed by hand in one home of a six-owner market (see the test)."""
    big = [home(f"B{k}", vacancies=1, sector="private", owner="Big Group", weekly_cost=1000.0) for k in range(1, 5)]
    others = [
        home("L1", vacancies=1, sector="voluntary", owner="Little Care", weekly_cost=2000.0),
        home("LA", vacancies=1, sector="local_authority", owner="Manchester Council", weekly_cost=500.0),
        home("OUT", vacancies=1, sector="private", owner="Out of Town Ltd", weekly_cost=1000.0, at=BOLTON,
             la_code=BOLTON_LA),
        home("TA", vacancies=1, sector="private", owner="Tiny A", weekly_cost=250.0),
        home("TB", vacancies=1, sector="voluntary", owner="Tiny B", weekly_cost=250.0),
    ]
    return Instance(tuple(child(f"C{k}") for k in range(1, 7)), (*big, *others), name="market")


PLAN = {"C1": "B1", "C2": "L1", "C3": "LA", "C4": "OUT", "C5": "TA", "C6": "TB"}


def test_market_figures_match_a_hand_count():
    """Spend 5,000 a week: Little Care 2,000 (40%), Big Group and Out of Town 1,000 each (20%), the council
    500 (10%), Tiny A and Tiny B 250 each (5%). The five largest take 95%; HHI = 40² + 20² + 20² + 10² + 5²
    + 5² = 2,550. Small local providers: Little Care, Tiny A and Tiny B (one home each, in Manchester) —
    not Big Group (four homes), not the council, not Out of Town (its home is in Bolton, where no
    waiting child is from): 3 of 6 placements."""
    instance = _market_instance()
    market = market_summary(instance, PLAN, check_assignment(instance, PLAN))
    assert market["weekly_spend"] == 5000.0
    assert market["top_five_pct"] == pytest.approx(95.0)
    assert market["hhi"] == pytest.approx(2550.0)
    assert [o["owner"] for o in market["top_owners"]][:1] == ["Little Care"]
    sectors = {row["sector"]: (row["placements"], row["weekly_spend"]) for row in market["by_sector"]}
    assert sectors == {"local_authority": (1, 500.0), "private": (3, 2250.0), "voluntary": (2, 2250.0)}
    assert market["private_spend"] == 2250.0
    assert (market["small_local_placements"], market["small_local_pct"]) == (3, 50.0)
    assert small_local_owners(instance) == {"Little Care", "Tiny A", "Tiny B"}
    assert small_local_owners(instance, most_homes=4) == {"Little Care", "Tiny A", "Tiny B", "Big Group"}
    (manchester,) = market["by_authority"]
    assert manchester["la_name"] == "Manchester" and manchester["hhi"] == pytest.approx(2550.0)


def test_a_block_booked_bed_adds_nothing_to_spend_and_nothing_to_concentration():
    """The checker charges nothing for a block-booked bed; the market counts what the checker charged."""
    instance = _market_instance()
    booked = instance.replace(homes=tuple(h.replace(block_booked=1) if h.home_id == "L1" else h
                                          for h in instance.homes))
    market = market_summary(booked, PLAN, check_assignment(booked, PLAN))
    assert market["weekly_spend"] == 3000.0
    assert market["small_local_placements"] == 3  # still a placement with a small local provider
    assert "Little Care" not in [o["owner"] for o in market["top_owners"] if o["weekly_spend"] > 0]


def test_concentration_of_one_owner_is_a_monopoly_and_of_nothing_is_unknown():
    import pandas as pd

    assert concentration(pd.Series({"Only": 700.0})) == (100.0, 10000.0)
    assert concentration(pd.Series(dtype=float)) == (None, None)
    assert "highly concentrated" in describe_hhi(10000.0) and "not concentrated" in describe_hhi(400.0)


def test_without_sector_or_owner_there_is_no_market_block(tmp_path):
    """Absent columns = no market: summary.json has no ``market`` block, as before."""
    instance = Instance((child("C1"),), (home("H1"),), name="plain")
    assert not has_market(instance)
    folder = write_instance(instance, tmp_path / "plain")
    assert main(["solve", str(folder), "--out", str(tmp_path / "o")]) == EXIT_OK
    assert "market" not in json.loads((tmp_path / "o" / "summary.json").read_text())


def _choice_instance() -> Instance:
    """Two children; a cheap private home of a large group near them, a dearer small voluntary one."""
    group = [home(f"G{k}", vacancies=2 if k == 1 else 1, sector="private", owner="Big Group", weekly_cost=800.0,
                  at=WITHINGTON) for k in range(1, 5)]
    small = home("S1", vacancies=2, sector="voluntary", owner="Corner House Care", weekly_cost=1500.0, at=DIDSBURY)
    return Instance((child("C1"), child("C2")), (*group, small), name="choice")


def test_private_spend_guard_moves_children_to_other_providers_and_the_checker_agrees():
    instance = _choice_instance()
    free = solve_priorities(instance, objective=Objective(guards=Guards(status_quo=False)), params=QUICK)
    assert set(free.assignment.values()) <= {"G1", "G2", "G3", "G4"}  # the cheapest homes are private
    capped = solve_priorities(instance, objective=Objective(guards=Guards(status_quo=False, private_spend=800)),
                              params=QUICK)
    verify(capped, instance)
    private = [c for c, h in capped.assignment.items() if h and h.startswith("G")]
    assert len(private) == 1 and capped.placed == 2, "£800 a week buys one private place; the other goes to S1"


def test_small_local_guard_places_the_asked_share_with_small_local_providers():
    instance = _choice_instance()
    guarded = solve_priorities(instance, objective=Objective(guards=Guards(status_quo=False, small_local_pct=50)),
                               params=QUICK)
    verify(guarded, instance)
    assert guarded.placed == 2
    assert sorted(guarded.assignment.values()).count("S1") == 1, "half of two placements: exactly one in S1"


def test_a_small_local_guard_that_cannot_hold_says_by_how_many_placements_it_falls_short():
    """Both children must be placed (no worse than the status quo, which places both) but the only small
    local home has one bed: 100% with small local providers is one placement short."""
    instance = _choice_instance()
    instance = instance.replace(homes=tuple(h.replace(vacancies=1) if h.home_id == "S1" else h
                                            for h in instance.homes))
    result = solve_priorities(instance, objective=Objective(guards=Guards(small_local_pct=100)), params=QUICK)
    assert result.status is Status.INFEASIBLE and not result.has_plan
    (guard,) = [g for g in result.guards if g.measure == "small_local"]
    assert guard.least == 1
    assert "small local providers" in result.message and "1 placement short" in result.message


def test_the_checker_refuses_a_plan_that_breaks_a_market_guard():
    instance = _market_instance()
    good = check_assignment(instance, PLAN)

    def claiming(*guards: Guard) -> Result:
        return Result(Status.FEASIBLE, "test", PLAN, objective=good.objective, terms=good.terms, guards=guards)

    verify(claiming(Guard("private_spend", 2250.0, "market"),
                    Guard("small_local", 50.0, "market", small_provider_homes=3)), instance)
    with pytest.raises(CheckFailed, match=r"spend with private providers is £2,250.00 a week, above its guard "
                                          r"£2,000.00 \(market\)"):
        verify(claiming(Guard("private_spend", 2000.0, "market")), instance)
    with pytest.raises(CheckFailed, match=r"3 of 6 placements are with small local providers, below the guard "
                                          r"of 60% \(market\)"):
        verify(claiming(Guard("small_local", 60.0, "market", small_provider_homes=3)), instance)
    with pytest.raises(CheckFailed, match="4 of 6 placements"):  # with N = 4 Big Group counts as small too
        verify(claiming(Guard("small_local", 70.0, "market", small_provider_homes=4)), instance)


@pytest.mark.parametrize(("section", "named"), [
    ({"private_spend": -5}, "private_spend=-5 must be a weekly amount in £ ≥ 0"),
    ({"small_local_pct": 130}, "small_local_pct=130 must be a percentage from 0 to 100"),
    ({"small_provider_homes": 0}, "small_provider_homes=0 must be a whole number of homes ≥ 1"),
    ({"small_local": 30}, "unknown [guards] key(s) small_local"),
])
def test_wrong_market_guard_settings_are_named(section, named):
    with pytest.raises(ValueError, match=re.escape(named)):
        from_settings({"guards": section})


def test_cli_market_guards_and_summary_block(tmp_path, capsys):
    """``--private-spend`` and ``--small-local`` reach the solve; summary.json reports each guard's value and
    the market block; a wrong amount is a named input error."""
    folder = write_instance(_choice_instance(), tmp_path / "choice")
    out = tmp_path / "o"
    assert main(["solve", str(folder), "--out", str(out), "--no-guard", "--private-spend", "£800",
                 "--small-local", "50"]) == EXIT_OK
    summary = json.loads((out / "summary.json").read_text())
    guards = {g["measure"]: g for g in summary["guards"]}
    assert guards["private_spend"]["value"] == 800.0 and guards["small_local"]["value"] == 50.0
    assert guards["small_local"]["small_provider_homes"] == 3
    assert summary["market"]["small_local_placements"] == 1 and summary["market"]["private_spend"] == 800.0
    assert "market: weekly spend by sector" in capsys.readouterr().out
    assert main(["solve", str(folder), "--out", str(tmp_path / "bad"), "--private-spend", "lots"]) == EXIT_INVALID
    assert "--private-spend 'lots' must be a weekly amount in £" in capsys.readouterr().err


def test_a_private_spend_guard_that_cannot_hold_says_which_binds_and_by_how_much():
    """Both children must be placed (the status quo places both) and every home is private, at £800 a week:
    a £1,000 cap on private spend is £600 short of the least, £1,600."""
    instance = _choice_instance()
    instance = instance.replace(homes=tuple(h.replace(sector="private") for h in instance.homes))
    result = solve_priorities(instance, objective=Objective(guards=Guards(private_spend=1000)), params=QUICK)
    assert result.status is Status.INFEASIBLE
    (guard,) = [g for g in result.guards if g.measure == "private_spend"]
    assert guard.least == pytest.approx(1600.0, abs=0.05)
    assert ("weekly spend with private providers ≤ £1,000/week (market) binds: with the other guards held, the "
            "least is £1,600/week, £600 a week over") in result.message


# --- the generator's market -----------------------------------------------------------------------


def test_generated_market_has_council_homes_a_few_large_groups_and_many_single_home_owners():
    """Council-named homes are the council's; the rest private or voluntary; the largest group owns many homes
    while most independent owners own one; the same seed draws the same market."""
    from rcc.data.generate import COUNCIL_HOME_MARK, INHOUSE_FOSTER_PREFIX, LARGE_GROUPS, generate_instance

    instance = generate_instance(region="North West", children=600, seed=4)
    assert generate_instance(region="North West", children=600, seed=4).homes == instance.homes
    open_market = [h for h in instance.homes if h.reserved_for is None]
    for generated in open_market:
        council = generated.provider.startswith(INHOUSE_FOSTER_PREFIX) or COUNCIL_HOME_MARK in generated.provider
        assert (generated.sector == "local_authority") == council and generated.owner
    independent = [h for h in open_market if h.sector != "local_authority"]
    owners = pd.Series([h.owner for h in independent]).value_counts()
    assert owners.index[0] == LARGE_GROUPS[0] and owners.iloc[0] >= 10
    assert (owners == 1).sum() > len(owners) / 2
    homes = [h for h in open_market if h.setting == "childrens_home" and h.sector != "local_authority"]
    assert 0.8 <= sum(h.sector == "private" for h in homes) / len(homes) <= 1.0


def test_bundled_region_records_sector_and_owner_for_every_home():
    gm = read_instance(FIXTURES / "greater-manchester")
    assert all(h.sector is not None and h.owner for h in gm.homes)
    assert {h.sector for h in gm.homes} == {"local_authority", "private", "voluntary"}


def test_out_of_time_before_any_plan_keeps_the_guards_is_no_plan_not_a_broken_one(monkeypatch):
    """When the first solve ends without a plan that keeps the guards (here: made to run out of time), the
    result says so — a time limit with no plan — rather than offering everyone unplaced as a plan that the
    checker would then refuse."""
    from ortools.sat.python import cp_model

    from rcc.solver import lexicographic

    monkeypatch.setattr(lexicographic, "run", lambda *args, **kwargs: (cp_model.UNKNOWN, cp_model.CpSolver()))
    result = solve_priorities(_choice_instance(), objective=Objective(guards=Guards(small_local_pct=100)),
                              params=QUICK)
    assert result.status is Status.TIME_LIMIT and not result.has_plan
    assert "no plan that keeps the guards and pins was found in the time limit" in result.message
    verify(result, _choice_instance())  # nothing to refuse: no plan is claimed
