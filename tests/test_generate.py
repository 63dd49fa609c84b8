"""The synthetic generator: reproducible, valid under the contract, and calibrated to published figures."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from rcc.cli import EXIT_OK, main
from rcc.data import read_instance, validate, write_instance
from rcc.data.generate import (
    CALIBRATION,
    COST_RANGES,
    INHOUSE_FOSTER_PREFIX,
    generate_instance,
    max_placeable,
    measure,
)
from rcc.model import Instance

GREATER_MANCHESTER = [f"E0800000{i}" for i in range(1, 10)] + ["E08000010"]


@pytest.fixture(scope="module")
def large() -> Instance:
    """2,000 children in the North West: big enough for shares to settle near their targets."""
    return generate_instance(region="North West", children=2000, seed=7)


@pytest.fixture(scope="module")
def measured(large) -> dict[str, float]:
    return measure(large)


def test_same_arguments_give_an_identical_instance():
    """Seeded generation is fully reproducible, and the order LA codes are given in does not matter."""
    first = generate_instance(las=GREATER_MANCHESTER, children=120, seed=3)
    again = generate_instance(las=list(reversed(GREATER_MANCHESTER)), children=120, seed=3)
    assert first == again
    assert hash(first) == hash(again)


def test_different_seeds_give_different_instances():
    """Another seed draws other children and homes."""
    one = generate_instance(las=GREATER_MANCHESTER, children=120, seed=1)
    two = generate_instance(las=GREATER_MANCHESTER, children=120, seed=2)
    assert one.children != two.children and one.homes != two.homes


def test_written_instance_validates_and_reads_back_equal(tmp_path):
    """write_instance then read_instance gives back exactly the generated instance, with no problems."""
    instance = generate_instance(region="London", children=250, seed=5)
    folder = write_instance(instance, tmp_path / instance.name)
    report = validate(folder)
    assert report.ok and report.problems == []
    assert read_instance(folder) == instance


def test_las_path_keeps_children_and_homes_inside_the_chosen_authorities():
    """--las places every child and home in one of the given authorities, with counts as asked (``homes``
    counts the open market; family and friends carers come on top, one per child or group who has one)."""
    instance = generate_instance(las=["E08000003", "E08000006"], children=40, seed=1, homes=30)
    assert len(instance.children) == 40 and sum(h.reserved_for is None for h in instance.homes) == 30
    assert {c.la_code for c in instance.children} | {h.la_code for h in instance.homes} <= {"E08000003",
                                                                                            "E08000006"}
    assert instance.name == "manchester-salford"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"region": "Atlantis"}, "unknown region 'Atlantis'"),
        ({"las": ["E08000003", "X99"]}, "unknown local authority code(s) X99"),
        ({"las": []}, "las is empty"),
        ({"region": "London", "las": ["E08000003"]}, "exactly one of region or las"),
        ({}, "exactly one of region or las"),
        ({"region": "London", "children": 0}, "children must be at least 1"),
    ],
)
def test_bad_arguments_raise_a_clear_value_error(kwargs, message):
    """Unknown places, both or neither of region/las, and empty counts are refused with a message."""
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        generate_instance(**kwargs)


def test_region_name_is_matched_ignoring_case():
    """'north west' names the same region as 'North West'."""
    assert generate_instance(region="north west", children=20) == generate_instance(region="North West",
                                                                                     children=20)


@pytest.mark.parametrize("name", sorted(CALIBRATION))
def test_large_instance_meets_its_calibration_target(measured, name):
    """Each statistic of a 2,000-child instance is within its stated tolerance of the published target."""
    target = CALIBRATION[name]
    assert abs(measured[name] - target.value) <= target.tolerance, (name, measured[name], target)


def test_supported_accommodation_takes_only_16_and_17_year_olds(large):
    """Every semi-independent home is approved for ages 16-17 only, as the regulations require."""
    ages = {(h.min_age, h.max_age) for h in large.homes if h.setting == "semi_independent"}
    assert ages == {(16, 17)}


def test_sibling_groups_have_two_to_five_children_from_one_place(large):
    """Groups hold 2-5 siblings who share an authority, a location and a distance limit."""
    groups = large.sibling_groups
    assert {len(ids) for ids in groups.values()} <= {2, 3, 4, 5}
    for ids in groups.values():
        members = [large.child_by_id[i] for i in ids]
        assert len({(c.la_code, c.lat, c.lon, c.max_distance_km) for c in members}) == 1


def test_solo_children_and_separated_pairs_are_never_siblings(large):
    """No solo child is in a sibling group, and no separated pair are siblings."""
    assert not any(c.solo and c.sibling_group for c in large.children)
    for a, b in large.separations:
        group = large.child_by_id[a].sibling_group
        assert group is None or group != large.child_by_id[b].sibling_group


def test_weekly_costs_stay_in_each_settings_published_range(large):
    """In-house and agency foster, children's homes and the rest are priced inside their ranges; family
    and friends carers at the fostering allowance."""
    costs: dict[str, list[float]] = {}
    kin = [h.weekly_cost for h in large.homes if h.reserved_for is not None]
    assert kin and min(kin) >= 170 and max(kin) <= 258
    for home in large.homes:
        kind = home.setting
        if home.reserved_for is not None:
            continue
        if kind == "foster":
            kind = "foster_inhouse" if home.provider.startswith(INHOUSE_FOSTER_PREFIX) else "foster_agency"
        costs.setdefault(kind, []).append(home.weekly_cost)
    assert set(costs) == set(COST_RANGES)
    for kind, values in costs.items():
        low, high = COST_RANGES[kind]
        assert low <= min(values) and max(values) <= high, kind


def test_homes_mix_settings_ratings_and_sexes_realistically(large):
    """Every setting appears, most homes take any sex, and some homes are block-booked."""
    settings = Counter(h.setting for h in large.homes)
    assert set(settings) == {"foster", "childrens_home", "semi_independent", "residential_school", "secure"}
    assert np.mean([h.sex == "any" for h in large.homes]) > 0.9
    assert all(h.block_booked in (0, h.vacancies) for h in large.homes)
    assert 0 < sum(h.block_booked for h in large.homes) < 0.1 * large.total_vacancies


def test_needs_tags_are_mostly_empty_and_only_sometimes_coverable(large):
    """Most children have no needs tags; older and higher-need children have more of them."""
    tagged = np.array([bool(c.needs) for c in large.children])
    need = np.array([c.need_level for c in large.children])
    assert 0.2 < tagged.mean() < 0.5
    assert tagged[need >= 3].mean() > tagged[need <= 2].mean()


def test_greater_manchester_instance_is_tight_but_mostly_placeable():
    """A 300-child GM instance: a good optimiser could place most children, but not all of them."""
    instance = generate_instance(las=GREATER_MANCHESTER, children=300, seed=1)
    assert 0.85 <= max_placeable(instance) / 300 < 1.0
    assert 1.0 <= sum(h.vacancies for h in instance.homes if h.reserved_for is None) / 300 <= 1.2


def test_data_standard_fields_are_drawn_reproducibly_and_keep_the_instance(tmp_path):
    """--data-standard adds every Placements Data Standard field, the same for the same seed, and leaves
    the children and homes themselves as they are without it; the result is a valid instance."""
    for folder, extra in (("plain", []), ("standard", ["--data-standard"]), ("again", ["--data-standard"])):
        assert main(["generate", "--region", "North East", "--children", "150", "--seed", "4",
                     "--out", str(tmp_path / folder), *extra]) == EXIT_OK
    plain, standard = read_instance(tmp_path / "plain"), read_instance(tmp_path / "standard")
    assert standard == read_instance(tmp_path / "again").replace(name=standard.name)
    assert [c.child_id for c in standard.children] == [c.child_id for c in plain.children]
    assert [(c.age, c.need_level, c.lat) for c in standard.children] == [(c.age, c.need_level, c.lat)
                                                                        for c in plain.children]
    assert {c.urgency for c in standard.children} == {None, "today", "within_5_days", "later"}
    assert {c.alongside for c in standard.children} >= {"no_preference", "older_only", "younger_only"}
    assert any(c.suitability_foster == "preferred" for c in standard.children)
    assert any(c.suitability_residential == "unsuitable" for c in standard.children)
    assert any(h.resident_ages for h in standard.homes)
    assert all(c.urgency is None and c.alongside in ("no_preference", "solo") for c in plain.children)
