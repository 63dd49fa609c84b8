"""Opening a home (capital): what a new RCC-run or voluntary home at a postcode district would change.

The new home stands at the district's postcode-mean centroid (:func:`rcc.data.geo.postcode_districts`), in
the authority the bundled table gives the district. Every field a commissioner would argue about — setting,
beds, ages, need level, specialisms, the weekly running cost and the capital cost — is an input, never a
default hidden in the engine.

**The money.** ``running_cost`` is GBP per week *for the whole home*, because a home's staff and building
are paid whether its beds are filled or not: like a block contract (:mod:`rcc.scenarios.blockbook`), the
home's beds are block-booked at ``running_cost / beds`` each, so placing a child there costs nothing extra
and the weekly bill counts the full running cost, void beds included. The weekly saving is the bill without
the home minus the bill with it, on the same sampled referrals (common random numbers). Payback in weeks is
``capital_cost / mean weekly saving``; when the saving is zero or less the home never pays back.

Each scenario is solved twice (without and with the home) by the evaluation engine's policy, and each
solution is re-checked by :func:`rcc.check.verify` inside :func:`rcc.scenarios.evaluate.outcome`. Under
the "no worse than the status quo" guard each arm is held to its own status quo, which the new home changes
too; on Greater Manchester scenario 0 (rcc, 10 s) that guard left 2 more children without a home with the
home than without it, and none more with the guard off — so the guard's effect is part of what is measured.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from rcc.data import geo
from rcc.model import NEED_LEVELS, SETTINGS, Home, Instance
from rcc.scenarios.blockbook import BlockContract
from rcc.scenarios.distributed import Mapper, Progress, in_process
from rcc.scenarios.evaluate import Setup, outcome
from rcc.scenarios.intervals import t_interval
from rcc.scenarios.sweep import solves

RUNNERS = ("local_authority", "voluntary")  # an RCC-run home is the authorities' own; or a voluntary provider's
OLDEST = 17

# gain: (per-scenario column, +1 when more is the gain / −1 when less is), with its plain label
GAINS = {
    "spend_saved": ("weekly_bill", -1, "Weekly spend saved (£/week)"),
    "unplaced_avoided": ("unplaced", -1, "Children without a home avoided"),
    "brought_within_20_miles": ("within_20_miles", 1, "More children placed within 20 miles"),
    "kept_in_own_la": ("in_own_la", 1, "More children placed in their own authority"),
}
RANKINGS = {  # children first in the priorities' order, then payback; or payback first
    "children": ("unplaced_avoided", "brought_within_20_miles", "kept_in_own_la", "payback_weeks"),
    "payback": ("payback_weeks", "unplaced_avoided", "brought_within_20_miles", "kept_in_own_la"),
}
NEVER = "never pays back at these prices"


@dataclass(frozen=True)
class NewHome:
    """A home to open at ``district``: ``running_cost`` GBP/week for the whole home, ``capital_cost`` GBP once."""

    district: str
    setting: str
    beds: int
    min_age: int
    max_age: int
    need_level: int
    running_cost: float
    capital_cost: float
    specialisms: frozenset[str] = frozenset()
    runner: str = "local_authority"

    def __post_init__(self):
        object.__setattr__(self, "district", geo.normalise_district(self.district))  # ' m8 ' is M8
        object.__setattr__(self, "specialisms", frozenset(self.specialisms))

    def problems(self) -> list[str]:
        """Every field out of range, named with its value and the rule it breaks."""
        found = []
        if self.district not in geo.postcode_districts().index:
            found.append(f"district={self.district} is not a UK postcode district")
        elif not self._la_code():
            found.append(f"district={self.district} is not in an English authority")
        checks = [
            ("setting", self.setting, self.setting in SETTINGS, f"must be one of {', '.join(SETTINGS)}"),
            ("beds", self.beds, isinstance(self.beds, int) and self.beds >= 1, "must be a whole number >= 1"),
            ("ages", f"{self.min_age}-{self.max_age}", 0 <= self.min_age <= self.max_age <= OLDEST,
             f"must be a range within 0-{OLDEST}, youngest first"),
            ("need_level", self.need_level, self.need_level in NEED_LEVELS,
             f"must be one of {', '.join(map(str, NEED_LEVELS))}"),
            ("running_cost", self.running_cost, self.running_cost >= 0, "must be >= 0 (GBP per week for the home)"),
            ("capital_cost", self.capital_cost, self.capital_cost >= 0, "must be >= 0 (GBP)"),
            ("runner", self.runner, self.runner in RUNNERS, f"must be one of {', '.join(RUNNERS)}"),
        ]
        return found + [f"{name}={value} {rule}" for name, value, ok, rule in checks if not ok]

    def _la_code(self) -> str | None:
        """The district's English authority, None for a district unknown or outside England."""
        table = geo.postcode_districts()
        code = table.at[self.district, "la_code"] if self.district in table.index else None
        return code if isinstance(code, str) and code else None

    @property
    def home_id(self) -> str:
        return f"NEW-{self.district}-{self.setting}"

    @property
    def la_code(self) -> str:
        return self._la_code() or ""

    def home(self) -> Home:
        """The home as the matcher sees it: every bed block-booked (the running cost is paid anyway)."""
        where = geo.postcode_districts().loc[self.district]
        return Home(
            home_id=self.home_id, provider="New home (what-if)", setting=self.setting, la_code=self.la_code,
            lat=float(where["lat"]), lon=float(where["lon"]), vacancies=self.beds, min_age=self.min_age,
            max_age=self.max_age, max_need_level=self.need_level, weekly_cost=self.running_cost / self.beds,
            specialisms=self.specialisms, ofsted="unrated", block_booked=self.beds,
            postcode_district=self.district, sector=self.runner,
        )

    def contract(self) -> BlockContract:
        """The running cost as a block contract: every bed at ``running_cost / beds``, used or void."""
        return BlockContract(self.home_id, self.beds, self.running_cost / self.beds)

    def at(self, district: str) -> NewHome:
        return dataclasses.replace(self, district=district)


def with_home(instance: Instance, new: NewHome) -> Instance:
    """``instance`` with the new home added (a new instance; the original is untouched)."""
    if new.home_id in instance.home_by_id:
        raise ValueError(f"home_id {new.home_id} is already a home of {instance.name}")
    return instance.replace(homes=instance.homes + (new.home(),), name=f"{instance.name} + {new.home_id}")


def payback_weeks(capital_cost: float, weekly_saving: float) -> float | None:
    """Weeks of saving that repay the capital; None when the home saves nothing (it never pays back)."""
    if not weekly_saving > 0:
        return None
    return capital_cost / weekly_saving


def payback_words(weeks: float | None) -> str:
    if weeks is None:
        return NEVER
    return f"{weeks:,.0f} weeks (about {weeks / 52:,.1f} years)"


@dataclass(frozen=True)
class _Task:
    """One scenario's referrals placed without the home (option −1) or with the home at ``options[option]``."""

    setup: Setup
    options: tuple[NewHome, ...]

    def __call__(self, item: tuple[int, int]) -> dict:
        number, option = item
        instance = self.setup.scenario(number)
        if option < 0:
            measured = outcome(self.setup, instance, ())
        else:
            new = self.options[option]
            measured = outcome(self.setup, with_home(instance, new), (new.contract(),))
            measured["home_used"] = measured["usage"].get(new.home_id, 0)
        return {"scenario": number, "option": option, **measured}


def run(setup: Setup, options: Sequence[NewHome], scenarios: Iterable[int], mapper: Mapper | None = None,
        on_done: Progress | None = None) -> pd.DataFrame:
    """Per (scenario, option) outcome rows; option −1 is the region as it is. ``on_done`` per solve."""
    rows = (mapper or in_process)(_Task(setup, tuple(options)), solves(options, scenarios), on_done)
    return pd.DataFrame(rows).sort_values(["scenario", "option"], ignore_index=True)


def gains(raw: pd.DataFrame, option: int, capital_cost: float) -> dict:
    """Option ``option``'s paired gains against the region as it is (mean, low, high each), its payback in
    weeks from the mean saving (and from the saving interval's ends), and how full the new home was."""
    baseline = raw[raw["option"] == -1].set_index("scenario")
    mine = raw[raw["option"] == option].set_index("scenario").loc[baseline.index]
    row: dict = {}
    for name, (column, sign, _) in GAINS.items():
        mean, low, high = t_interval((sign * (mine[column] - baseline[column])).tolist())
        row.update({name: mean, f"{name}_low": low, f"{name}_high": high})
    row["bill_without"], row["bill_with"] = float(baseline["weekly_bill"].mean()), float(mine["weekly_bill"].mean())
    row["home_used"] = float(mine["home_used"].mean())
    row["payback_weeks"] = payback_weeks(capital_cost, row["spend_saved"])
    # the payback range follows the saving's interval: the larger saving repays soonest
    row["payback_soonest"] = payback_weeks(capital_cost, row["spend_saved_high"])
    row["payback_latest"] = None if math.isnan(row["spend_saved_low"]) else payback_weeks(
        capital_cost, row["spend_saved_low"])
    return row


def open_home(setup: Setup, new: NewHome, scenarios: Iterable[int], mapper: Mapper | None = None,
              on_done: Progress | None = None) -> tuple[dict, pd.DataFrame]:
    """(gains and payback, per-scenario rows) of opening ``new``, over the sampled scenarios."""
    problems = new.problems()
    if problems:
        raise ValueError("; ".join(problems))
    raw = run(setup, [new], scenarios, mapper, on_done)
    return gains(raw, 0, new.capital_cost), raw


def gains_table(row: dict) -> pd.DataFrame:
    """The gains as rows a person reads: label, mean and 95% interval."""
    return pd.DataFrame([{"measure": label, "mean": row[name], "low": row[f"{name}_low"], "high": row[f"{name}_high"]}
                         for name, (_, _, label) in GAINS.items()])


def candidate_districts(authority: str) -> list[str]:
    """The postcode districts the bundled table puts in ``authority`` (upper tier), in order."""
    table = geo.postcode_districts()
    return sorted(table.loc[table["la_code"] == authority, "postcode_district"], key=_district_order)


def _district_order(district: str) -> tuple[str, int, str]:
    """M2 before M10: the area letters, then the district number as a number."""
    found = re.match(r"([A-Z]+)(\d+)", district)
    return (found[1], int(found[2]), district) if found else (district, 0, district)


def where_to_open(setup: Setup, template: NewHome, districts: Sequence[str], scenarios: Iterable[int],
                  mapper: Mapper | None = None, by: str = "children",
                  on_done: Progress | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ranked districts, raw rows): ``template`` opened at each district in turn, on the same scenarios,
    ranked as :data:`RANKINGS` says for ``by``; a payback is NaN where the home never pays back, and ranks after
    every one that does."""
    if by not in RANKINGS:
        raise ValueError(f"rank by {by!r}: must be one of {', '.join(RANKINGS)}")
    options = [template.at(d) for d in districts]
    problems = [p for option in options for p in option.problems()]
    if problems:
        raise ValueError("; ".join(problems))
    raw = run(setup, options, scenarios, mapper, on_done)
    names = geo.local_authorities()["la_name"]
    table = pd.DataFrame([{"district": o.district, "la_code": o.la_code, "la_name": names.get(o.la_code, o.la_code),
                           **gains(raw, i, o.capital_cost)} for i, o in enumerate(options)])
    if not len(table):
        return table, raw
    paybacks = ["payback_weeks", "payback_soonest", "payback_latest"]
    table[paybacks] = table[paybacks].astype(float)  # NaN: never pays back
    order = RANKINGS[by]
    key = table.assign(payback_weeks=table["payback_weeks"].fillna(math.inf))
    ascending = [name == "payback_weeks" for name in order]
    ranked = key.sort_values(list(order), ascending=ascending, kind="stable").index
    return table.loc[ranked].reset_index(drop=True), raw
