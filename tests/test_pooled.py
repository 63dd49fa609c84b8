"""The pooled what-if: only flagged children cross the border, only into scarce homes the other region's own
plan leaves vacant, every plan checked; and ``rcc pool``'s outputs and exit codes."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcc.check import verify
from rcc.cli import main
from rcc.data.write import write_instance
from rcc.exit_codes import EXIT_INVALID, EXIT_OK
from rcc.model import Child, Home, Instance
from rcc.scenarios.pooled import SEPARATOR, pool, scarcity, shared_homes
from rcc.service import SolveParams, greedy_checked
from tests.conftest import FIXTURES
from tests.strategies import tiny_instances

FAST = SolveParams(time_limit=5)
CENTRE = (53.48, -2.24)


def _child(child_id: str, **fields) -> Child:
    values = {"age": 12, "sex": "F", "need_level": 3} | fields
    return Child(child_id, "E08000003", CENTRE[0], CENTRE[1], **values)


def _home(home_id: str, **fields) -> Home:
    values = {"provider": "P", "setting": "childrens_home", "la_code": "E10000017", "lat": CENTRE[0] + 0.2,
              "lon": CENTRE[1], "vacancies": 2, "min_age": 8, "max_age": 17, "max_need_level": 4,
              "weekly_cost": 5000.0, "specialisms": frozenset({"self_harm"})} | fields
    return Home(home_id, **values)


def test_scarce_homes_are_secure_solo_capable_or_specialist_for_complex_needs():
    """The docstring's definition, kind by kind; a foster home for levels 1–2 is never shared."""
    assert scarcity(_home("S", setting="secure", specialisms=frozenset(), max_need_level=2)) == ("secure",)
    assert scarcity(_home("C", specialisms=frozenset())) == ("solo",)
    assert scarcity(_home("C", specialisms=frozenset(), resident_ages=(14,))) == ()
    assert scarcity(_home("F", setting="foster")) == ("specialist",)
    assert scarcity(_home("F", setting="foster", max_need_level=2)) == ()
    assert scarcity(_home("B", specialisms=frozenset({"bsl"}))) == ("solo", "specialist")
    assert scarcity(_home("K", setting="secure", reserved_for="C1")) == ()  # a kinship carer takes their own only


def test_shared_beds_are_those_the_other_regions_own_plan_leaves_with_its_children_living_there():
    """Two beds, one taken by the other region's own child: one bed shared, that child's age a resident, the
    ID prefixed with the region's name, block-booked beds charged (none free)."""
    other = Instance((_child("X1", age=15),), (_home("H1", block_booked=2), _home("H2", setting="foster",
                                                                                  max_need_level=2)), name="nb")
    (shared,) = shared_homes(other, {"X1": "H1"})
    assert shared.home_id == f"nb{SEPARATOR}H1" and shared.vacancies == 1 and shared.resident_ages == (15,)
    assert shared.block_booked == 0
    assert shared_homes(other, {"X1": None})[0].vacancies == 2


def test_a_child_who_must_live_alone_is_not_sent_where_the_other_regions_child_now_lives():
    """The other region's own placed child counts as living there: a solo flagged child cannot go."""
    region = Instance((_child("C1", solo=True),), (), name="region")
    other = Instance((_child("X1"),), (_home("H1"),), name="nb")
    assert pool(region, other, {"X1": "H1"}, params=FAST).placed == 0
    assert pool(region, other, {}, params=FAST).placed == 1


def test_a_child_who_is_not_flagged_stays_home_even_where_a_shared_bed_would_suit_them():
    """Both children fit the shared home; only the flagged one is placed in it."""
    region = Instance((_child("FLAG"), _child("NOT")), (), name="region")
    other = Instance((), (_home("H1"),), name="nb")
    pooled = pool(region, other, {}, flagged=["FLAG"], params=FAST)
    assert dict(pooled.solve.result.assignment) == {"FLAG": f"nb{SEPARATOR}H1"}
    table = pooled.table().set_index("child_id")
    assert table.loc["FLAG", "home_id"] == "H1" and table.loc["FLAG", "home_authority"] == "Lancashire"
    assert table.loc["FLAG", "shared_as"] == "solo, specialist" and table.loc["FLAG", "weekly_cost"] == 5000.0
    figures = pooled.summary()
    assert figures["more_placed"] == 1 and figures["weekly_spend"] == 5000.0 and figures["max_miles"] > 13


def test_pooling_refuses_an_unknown_flagged_child_and_two_regions_of_one_name():
    region = Instance((_child("C1"),), (), name="same")
    with pytest.raises(ValueError, match="C9 are not children of same"):
        pool(region, Instance((), (), name="nb"), {}, flagged=["C9"], params=FAST)
    with pytest.raises(ValueError, match="no child of same is flagged"):
        pool(region, Instance((), (), name="nb"), {}, flagged=[], params=FAST)
    with pytest.raises(ValueError, match="both regions are called 'same'"):
        pool(region, Instance((), (), name="same"), {}, params=FAST)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tiny_instances(), tiny_instances(), st.data())
def test_only_flagged_children_cross_and_every_pooled_plan_passes_the_checker(region, other, data):
    """Random regions and flags: every child the pooled plan places is flagged, in a scarce home of the
    other region, within the beds its own plan left, and the plan passes the checker."""
    other = other.replace(name="other")
    flagged = data.draw(st.lists(st.sampled_from([c.child_id for c in region.children]), min_size=1, unique=True))
    own = greedy_checked(other).result.assignment
    pooled = pool(region, other, own, flagged=flagged, params=FAST)
    placed = {c: h for c, h in pooled.solve.result.assignment.items() if h is not None}
    assert set(placed) <= set(flagged)
    verify(pooled.solve.result, pooled.solve.instance, pooled.solve.weights)  # raises CheckFailed if not
    for home_id in set(placed.values()):
        name, original = home_id.split(SEPARATOR, 1)
        assert name == "other" and scarcity(other.home_by_id[original])
        theirs = sum(h == original for h in own.values())
        ours = sum(h == home_id for h in placed.values())
        assert theirs + ours <= other.home_by_id[original].vacancies


def test_rcc_pool_writes_the_placements_and_figures(tmp_path, capsys):
    """``rcc pool`` on a region and its neighbour: exit 0, pooled.csv and pooled.json, a line of figures."""
    region = Instance((_child("C1", needs=frozenset({"self_harm"})), _child("C2", needs=frozenset({"bsl"}))),
                      (_home("R1", min_age=0, max_age=5),), name="region")
    other = Instance((_child("X1"),), (_home("H1", vacancies=3),), name="nb")
    write_instance(region, tmp_path / "region")
    write_instance(other, tmp_path / "nb")
    code = main(["pool", str(tmp_path / "region"), "--with", str(tmp_path / "nb"), "--out", str(tmp_path / "out"),
                 "--time-limit", "5"])
    assert code == EXIT_OK
    assert "1 of 2 flagged child(ren) placed in nb's 1 shared home(s) (2 bed(s) vacant after its own plan)" \
        in capsys.readouterr().out
    table = pd.read_csv(tmp_path / "out" / "pooled.csv", dtype=str, keep_default_na=False)
    assert table.set_index("child_id")["home_id"].to_dict() == {"C1": "H1", "C2": ""}
    figures = json.loads((tmp_path / "out" / "pooled.json").read_text())
    assert figures["more_placed"] == 1 and figures["other_plan"] == "solve" and figures["weekly_spend"] == 5000.0


@pytest.mark.parametrize("flags, says", [
    (["--flag", "C9"], "--flag C9: not a child of region"),
    (["--time-limit", "0"], "--time-limit=0.0 must be a number of seconds > 0"),
])
def test_rcc_pool_names_bad_flags_and_exits_2(tmp_path, capsys, flags, says):
    write_instance(Instance((_child("C1"),), (_home("R1"),), name="region"), tmp_path / "region")
    code = main(["pool", str(tmp_path / "region"), "--with", str(FIXTURES / "neighbouring-region"),
                 "--out", str(tmp_path / "out"), *flags])
    assert code == EXIT_INVALID and says in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_rcc_pool_refuses_two_regions_named_alike_and_an_invalid_region(tmp_path, capsys):
    """Folders of one name (IDs would not say which region a home is in), and a broken homes.csv: exit 2."""
    code = main(["pool", str(FIXTURES / "neighbouring-region"), "--with", str(FIXTURES / "neighbouring-region"),
                 "--out", str(tmp_path / "out")])
    assert code == EXIT_INVALID and "both regions are called 'neighbouring-region'" in capsys.readouterr().err
    broken = tmp_path / "broken"
    write_instance(Instance((_child("C1"),), (_home("H1"),), name="broken"), broken)
    (broken / "homes.csv").write_text((broken / "homes.csv").read_text().replace(",2,8,17,", ",-2,8,17,"))
    code = main(["pool", str(broken), "--with", str(FIXTURES / "neighbouring-region"), "--out", str(tmp_path / "o")])
    assert code == EXIT_INVALID and "vacancies=-2 must be >= 0" in capsys.readouterr().err
