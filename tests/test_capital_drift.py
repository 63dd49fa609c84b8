"""Opening a home (capital) and price drift: the arithmetic by hand, the checker on every result, and the
CLI's named errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from rcc.app.state import AppState
from rcc.check import verify
from rcc.cli import main
from rcc.data import read_instance
from rcc.exit_codes import EXIT_INVALID, EXIT_OK
from rcc.model import Instance
from rcc.scenarios.blockbook import BlockContract
from rcc.scenarios.capital import (
    NEVER,
    NewHome,
    gains,
    open_home,
    payback_weeks,
    payback_words,
    where_to_open,
    with_home,
)
from rcc.scenarios.demand import DemandProfile
from rcc.scenarios.drift import drift, first_year, price_index, verdict
from rcc.scenarios.evaluate import Policy, Setup
from tests.builders import WITHINGTON, child, home
from tests.conftest import FIXTURES
from tests.test_app_whatif_pages import TIMEOUT
from tests.test_app_whatif_pages import _readable as readable

GREEDY = Policy("greedy")
GM = str(FIXTURES / "greater-manchester")
M1 = (53.47766, -2.23674)  # the M1 district's centroid in the bundled table


def _new(**changes) -> NewHome:
    fields = dict(district="M1", setting="childrens_home", beds=50, min_age=0, max_age=17, need_level=4,
                  running_cost=5000.0, capital_cost=260_000.0)
    return NewHome(**{**fields, **changes})


def test_payback_is_capital_over_the_weekly_saving_and_never_without_one():
    assert payback_weeks(260_000, 2_600) == 100
    assert payback_weeks(260_000, 0) is None and payback_weeks(260_000, -50) is None
    assert payback_words(None) == NEVER and payback_words(104).startswith("104 weeks (about 2.0 years)")


def test_a_home_that_saves_a_known_amount_pays_back_by_hand():
    """Spot: one £1,000/week home 5 km away. The new home (50 beds at M1's centroid, where the children live;
    £5,000/week whatever its use) is nearer and free at the margin, so it takes every child: each scenario of n children saves 1,000 n − 5,000 a week, and the
    payback is the capital over the mean of that."""
    base = Instance((child("C1", at=M1), child("C2", at=M1)), (home(vacancies=50, at=WITHINGTON),), name="one")
    setup = Setup(base, DemandProfile.from_instance(base, weeks=1), horizon_weeks=3, seed=5, policy=GREEDY)
    row, raw = open_home(setup, _new(), range(12))
    without, mine = raw[raw["option"] == -1], raw[raw["option"] == 0]
    n = without["children"].to_numpy()
    assert len(set(n)) > 1, "the scenarios should differ in size"
    assert list(without["weekly_bill"]) == pytest.approx(list(1000 * n))
    assert list(mine["weekly_bill"]) == pytest.approx([5000.0] * len(n))
    assert list(mine["home_used"]) == list(n)
    saving = (1000 * n - 5000).mean()
    assert row["spend_saved"] == pytest.approx(saving)
    assert row["payback_weeks"] == pytest.approx(260_000 / saving)
    assert row["unplaced_avoided"] == 0


def test_gains_pair_each_scenario_and_a_dearer_home_never_pays_back():
    raw = pd.DataFrame([
        {"scenario": s, "option": o, "weekly_bill": bill, "unplaced": unplaced, "within_20_miles": near,
         "in_own_la": own, "home_used": used}
        for s, o, bill, unplaced, near, own, used in [
            (0, -1, 10_000, 2, 5, 4, 0), (0, 0, 9_000, 1, 7, 6, 2),
            (1, -1, 12_000, 1, 6, 6, 0), (1, 0, 11_000, 0, 7, 8, 2),
            (2, -1, 8_000, 0, 4, 4, 0), (2, 0, 9_500, 0, 4, 4, 1)]])
    row = gains(raw, 0, 50_000)
    assert row["spend_saved"] == pytest.approx((1000 + 1000 - 1500) / 3)
    assert row["unplaced_avoided"] == pytest.approx(2 / 3)
    assert row["brought_within_20_miles"] == pytest.approx(1.0)
    assert row["kept_in_own_la"] == pytest.approx(4 / 3)
    assert row["payback_weeks"] == pytest.approx(50_000 / (500 / 3))
    dearer = raw.assign(weekly_bill=raw["weekly_bill"] + (raw["option"] == 0) * 5_000)
    assert gains(dearer, 0, 50_000)["payback_weeks"] is None


def test_the_new_home_stands_at_its_district_in_the_district_authority_with_every_bed_paid():
    new = _new(district="m8 ", beds=4, running_cost=18_000.0, specialisms=frozenset({"self_harm"}))
    made = new.home()
    assert (made.la_code, made.postcode_district) == ("E08000003", "M8")
    assert (made.lat, made.lon) == pytest.approx((53.50896, -2.24091))
    assert made.block_booked == made.vacancies == 4 and made.weekly_cost == 4_500
    assert new.contract() == BlockContract(made.home_id, 4, 4_500) and made.sector == "local_authority"
    assert made.specialisms == {"self_harm"}


@pytest.mark.parametrize("changes, named", [
    ({"district": "ZZ99"}, "district=ZZ99 is not a UK postcode district"),
    ({"district": "CF10"}, "district=CF10 is not in an English authority"),
    ({"min_age": 12, "max_age": 9}, "ages=12-9 must be a range within 0-17"),
    ({"max_age": 19}, "ages=0-19 must be a range within 0-17"),
    ({"running_cost": -1.0}, "running_cost=-1.0 must be >= 0"),
    ({"capital_cost": -5.0}, "capital_cost=-5.0 must be >= 0"),
    ({"beds": 0}, "beds=0 must be a whole number >= 1"),
    ({"need_level": 5}, "need_level=5 must be one of 1, 2, 3, 4"),
    ({"runner": "private"}, "runner=private must be one of local_authority, voluntary"),
])
def test_each_bad_field_is_named(changes, named):
    assert any(p.startswith(named) for p in _new(**changes).problems())


@pytest.fixture(scope="module")
def gm():
    return read_instance(FIXTURES / "greater-manchester")


def test_every_what_if_result_passes_the_checker(gm):
    """The scenarios with the home, placed by both policies, pass rcc.check (which raises otherwise); the new
    home only ever takes children it may."""
    setup = Setup(gm, DemandProfile.from_instance(gm, weeks=12), horizon_weeks=4, seed=1, policy=GREEDY)
    new = _new(district="M8", beds=4, min_age=8, max_age=17, need_level=3, running_cost=18_000.0)
    for policy in (GREEDY, Policy("cpsat", 2.0)):
        instance = with_home(setup.scenario(0), new)
        result = policy.place(instance, setup.weights, setup.objective)
        assert verify(result, instance, setup.weights).measures["unplaced"] >= 0
        taken = [instance.child_by_id[c] for c, h in result.assignment.items() if h == new.home_id]
        assert all(8 <= c.age <= 17 and c.need_level <= 3 for c in taken)


def test_where_to_open_ranks_children_first_or_by_payback(gm):
    setup = Setup(gm, DemandProfile.from_instance(gm, weeks=12), horizon_weeks=4, seed=1, policy=GREEDY)
    template = _new(district="M8", beds=4, min_age=8, max_age=17, need_level=3, running_cost=18_000.0,
                    capital_cost=1_500_000.0)
    districts = ["M8", "WN5", "OL1"]
    by_children, raw = where_to_open(setup, template, districts, range(4))
    assert sorted(by_children["district"]) == sorted(districts) and set(raw["option"]) == {-1, 0, 1, 2}
    keys = [(-a, -b, -c, float("inf") if w is None or w != w else w) for a, b, c, w in zip(
        by_children["unplaced_avoided"], by_children["brought_within_20_miles"], by_children["kept_in_own_la"],
        by_children["payback_weeks"], strict=True)]
    assert keys == sorted(keys)
    by_payback, _ = where_to_open(setup, template, districts, range(4), by="payback")
    weeks = by_payback["payback_weeks"].astype(float).fillna(float("inf")).tolist()
    assert weeks == sorted(weeks)
    assert by_payback.loc[0, "la_name"] in {"Manchester", "Wigan", "Oldham"}


def test_drift_compounds_spot_prices_and_holds_the_contract_price_by_hand():
    """Two scenarios; the contract bill is 2 × £500. Year k prices spot at 1.1^(k−1): year 1 saves
    52 × [(2,000 − 1,700), (1,800 − 1,900)] = [15,600, −5,200], year 2 52 × [2,200 − 1,770, 1,980 − 1,990],
    year 3 52 × [2,420 − 1,847, 2,178 − 2,089]."""
    rows = pd.DataFrame({"weekly_bill": [1700.0, 1900.0], "spot_weekly_bill": [2000.0, 1800.0]})
    table = drift(rows, [BlockContract("H1", 2, 500.0)], 0.10, 3)
    assert list(table["spot_price_index"]) == pytest.approx([1, 1.1, 1.21])
    assert list(table["saving"]) == pytest.approx([5_200, (22_360 - 520) / 2, (29_796 + 4_628) / 2])
    assert table.loc[2, "cumulative_saving"] == pytest.approx(5_200 + 10_920 + 17_212)
    assert table.loc[0, "with_contracts_bill"] == pytest.approx(52 * 1800)
    assert price_index(0.05, 4) == pytest.approx(1.157625)


def test_a_contract_dearer_today_pays_once_spot_prices_have_risen_enough():
    """Spot part £1,100 beside a £1,000 contract, £2,000 spot only: saving 52 × (900 × 1.05^(k−1) − 1,000),
    first positive in year 4 (1.05³ = 1.157625)."""
    rows = pd.DataFrame({"weekly_bill": [2100.0, 2100.0], "spot_weekly_bill": [2000.0, 2000.0]})
    table = drift(rows, [BlockContract("H1", 1, 1000.0)], 0.05, 8)
    assert first_year(table, "saving") == 4
    assert table.loc[3, "saving"] == pytest.approx(52 * (900 * 1.157625 - 1000))
    assert verdict(table).startswith("The contracts are first cheaper than spot in year 4")
    assert verdict(drift(rows, [BlockContract("H1", 1, 1000.0)], 0.05, 3)) == \
        "The contracts are not cheaper than spot within 3 years."


def test_cli_open_home_where_to_open_and_price_drift_write_outputs(tmp_path, gm):
    common = ["--workers", "0", "--policy", "greedy", "--db", f"sqlite:///{tmp_path / 'runs.db'}"]
    home_flags = ["--running-cost", "18000", "--capital-cost", "1500000"]
    assert main(["open-home", GM, "--district", "M8", "--scenarios", "3", "--out", str(tmp_path / "oh"),
                 *home_flags, *common]) == EXIT_OK
    result = json.loads((tmp_path / "oh" / "open_home.json").read_text())
    assert result["home"]["district"] == "M8" and "payback" in result
    assert len(pd.read_csv(tmp_path / "oh" / "open_home.csv")) == 4
    assert main(["where-to-open", GM, "--candidates", "M8,M9", "--scenarios", "2", "--out", str(tmp_path / "wo"),
                 *home_flags, *common]) == EXIT_OK
    assert sorted(pd.read_csv(tmp_path / "wo" / "where_to_open.csv")["district"]) == ["M8", "M9"]
    home_id = next(h.home_id for h in gm.homes if h.vacancies > 0)
    assert main(["price-drift", GM, "--contract", f"{home_id}:1:400", "--years", "3", "--scenarios", "2",
                 "--out", str(tmp_path / "pd"), *common]) == EXIT_OK
    assert list(pd.read_csv(tmp_path / "pd" / "price_drift.csv")["year"]) == [1, 2, 3]


def test_cli_flags_are_named_errors_not_tracebacks(tmp_path, capsys):
    out = str(tmp_path / "x")
    assert main(["open-home", GM, "--district", "ZZ99", "--ages", "12-20", "--running-cost", "-1",
                 "--capital-cost", "-2", "--out", out, "--workers", "0"]) == EXIT_INVALID
    err = capsys.readouterr().err
    for named in ("--district=ZZ99 is not a UK postcode district", "--ages=12-20 must be a range within 0-17",
                  "--running-cost=-1.0 must be >= 0", "--capital-cost=-2.0 must be >= 0"):
        assert named in err
    assert main(["open-home", GM, "--district", "M8", "--ages", "eight", "--running-cost", "1", "--capital-cost",
                 "1", "--out", out, "--workers", "0"]) == EXIT_INVALID
    assert "--ages=eight must be two whole numbers" in capsys.readouterr().err
    assert main(["price-drift", GM, "--contract", "H00001:x:1", "--rise", "-0.1", "--out", out,
                 "--workers", "0"]) == EXIT_INVALID
    assert "--rise=-0.1 must be >= 0" in capsys.readouterr().err
    assert main(["price-drift", GM, "--contract", "NOPE:1:100", "--out", out, "--workers", "0"]) == EXIT_INVALID
    assert "home_id=NOPE is not a home of the instance" in capsys.readouterr().err
    assert main(["where-to-open", GM, "--authority", "E99999999", "--running-cost", "1", "--capital-cost", "1",
                 "--out", out, "--workers", "0"]) == EXIT_INVALID
    assert "--authority=E99999999 is not an English upper-tier authority code" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def _page(instance: Instance, **fields) -> AppTest:
    at = AppTest.from_string("from rcc.app.pages import capital\ncapital.render()\n", default_timeout=TIMEOUT)
    at.session_state["app"] = AppState(instance=instance, label="Greater Manchester", **fields)
    return at


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _fast(at: AppTest, key: str, scenarios: int) -> None:
    """Status-quo placement in this process, few scenarios: the page's flow, in seconds."""
    at.selectbox(key=f"{key}_pol").set_value("greedy")
    at.number_input(key=f"{key}_workers").set_value(0)
    at.number_input(key=f"{key}_n").set_value(scenarios)


def test_open_a_home_page_shows_every_field_and_reads_plainly(gm):
    """Every figure of the home is a field; the district picker names authorities; results give the saving,
    payback and children with intervals, no raw column names, shares inside 0-100%."""
    at = _run(_page(gm))
    assert at.selectbox(key="oh_district").value == "M8"
    assert "M8 · Manchester" in at.selectbox(key="oh_district").options
    labels = {w.label for w in [*at.number_input, *at.selectbox, *at.slider, *at.multiselect, *at.radio]}
    assert {"Postcode district", "Setting", "Beds", "Run by", "Ages it takes", "Highest need level it meets",
            "Specialisms it offers", "Running cost (£ a week for the whole home)", "Capital cost (£, once)"} <= labels
    _fast(at, "oh", 2)
    at.button(key="oh_run").click()
    _run(at)
    assert [m.label for m in at.metric][:3] == ["Weekly spend saved", "Payback", "Beds used on average"]
    assert "weeks" in at.metric[1].value or at.metric[1].value == NEVER
    readable(at)
    _fast(at, "wo", 2)
    at.multiselect(key="wo_districts_E08000003").set_value(["M8", "M9"])
    at.button(key="wo_run").click()
    _run(at)
    assert sorted(at.dataframe[-1].value["District"]) == ["M8", "M9"]
    readable(at)


def test_price_drift_section_prices_the_block_booking_pages_contracts(gm):
    home_id = next(h.home_id for h in gm.homes if h.vacancies > h.block_booked)
    at = _run(_page(gm, block=([BlockContract(home_id, 1, 500.0)], None)))
    _fast(at, "pd", 2)
    at.number_input(key="pd_years").set_value(4)
    at.button(key="pd_run").click()
    _run(at)
    assert list(at.dataframe[-1].value["Year"]) == [1, 2, 3, 4]
    assert any("cheaper than spot" in m.value for m in at.markdown)
    readable(at)


def test_loading_another_instance_clears_the_open_a_home_results(gm):
    held = AppState(instance=gm, open_home=(_new(), {"spend_saved": 1.0}), where_to_open=("children", pd.DataFrame()),
                    price_drift=pd.DataFrame({"year": [1]}))
    held.load(gm.replace(name="other"), "other")
    assert (held.open_home, held.where_to_open, held.price_drift) == (None, None, None)
