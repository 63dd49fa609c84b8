"""What-ifs build new instances and leave the baseline untouched."""

from __future__ import annotations

import pytest

from rcc.data import read_instance
from rcc.scenarios.blockbook import BlockContract, apply_contracts, contract_costs
from rcc.scenarios.whatif import SupplyChange, change_supply, distance_policy, scale_demand, set_vacancies
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def region():
    return read_instance(FIXTURES / "greater-manchester")


def test_adding_beds_creates_one_new_home_and_keeps_the_baseline(region):
    """+3 foster beds in Bolton: one new home with 3 vacancies; the original instance is unchanged."""
    before = region.total_vacancies
    scenario = change_supply(region, SupplyChange("E08000001", "foster", 2, 3))
    assert scenario.total_vacancies == before + 3 and region.total_vacancies == before
    new = scenario.homes[-1]
    assert new.home_id.startswith("NEW-E08000001-foster") and new.max_need_level == 2


def test_removing_beds_takes_them_from_matching_homes_only(region):
    """−2 children's-home beds in Manchester come off Manchester children's homes, nowhere else."""
    scenario = change_supply(region, SupplyChange("E08000003", "childrens_home", 1, -2))
    changed = [(a, b) for a, b in zip(region.homes, scenario.homes, strict=True) if a != b]
    assert sum(a.vacancies - b.vacancies for a, b in changed) == 2
    assert all(a.la_code == "E08000003" and a.setting == "childrens_home" for a, _ in changed)


def test_scaling_demand_copies_or_drops_whole_sibling_groups(region):
    """×1.5 adds children (copied groups stay together under new labels); ×0.5 removes about half."""
    more = scale_demand(region, 1.5, seed=1)
    fewer = scale_demand(region, 0.5, seed=1)
    assert len(more.children) > len(region.children) > len(fewer.children)
    copies = [c for c in more.children if c.child_id.startswith("+")]
    assert all(c.sibling_group is None or c.sibling_group.startswith("G") for c in copies)
    for members in more.sibling_groups.values():
        assert len({m.split("#")[-1] if "#" in m else "" for m in members}) == 1


def test_distance_policy_and_single_home_changes(region):
    """A 20 km policy applies to every child; one home's vacancies can be set directly."""
    assert {c.max_distance_km for c in distance_policy(region, 20).children} == {20}
    home = region.homes[0]
    assert set_vacancies(region, home.home_id, 0).home_by_id[home.home_id].vacancies == 0
    with pytest.raises(ValueError, match="must be >= 0"):
        set_vacancies(region, home.home_id, -1)


def test_block_contract_costs_count_void_beds_by_hand(region):
    """Two beds booked at one home, one child placed there: 1 used, 1 void, bill 2 × price."""
    home = next(h for h in region.homes if h.vacancies >= 2 and h.block_booked == 0)
    contracts = [BlockContract(home.home_id, 2, 500.0)]
    booked = apply_contracts(region, contracts)
    assert booked.home_by_id[home.home_id].block_booked == 2
    costs = contract_costs(booked, contracts, {"C00001": home.home_id, "C00002": None})
    assert costs == {"contracted_beds": 2, "beds_used": 1, "void_beds": 1, "utilisation_pct": 50.0,
                     "contract_bill": 1000.0}
    with pytest.raises(ValueError, match="unknown home"):
        apply_contracts(region, [BlockContract("NOPE", 1, 1.0)])
