"""Sufficiency sweeps: which extra beds (setting × need level × LA) would help most, over many scenarios.

Each what-if adds ``beds`` places of one setting and need level in one LA (a new home at the LA's
centroid, see :func:`rcc.scenarios.whatif.change_supply`). Every scenario's referrals are drawn
once and placed against the baseline supply and against each what-if (common random numbers), so
a what-if's value is measured on identical demand. Values are per scenario horizon, each a mean
with a 95% interval: children placed who would not have been (urgency-weighted), separations of
brothers and sisters avoided, children kept within 20 miles and in their own authority, weekly
spend saved (real money: negative when the new beds cost more than they save) and km saved.

Each (scenario, what-if) solve is a task of its own, so the work spreads evenly over the workers and
progress is reported solve by solve (``on_done``), not only after a scenario's every what-if.

The table is ranked as commissioners rank outcomes (:data:`RANKINGS`): by the gains in the order of
the priorities, money after the children (``priorities``), or by weekly spend saved (``spend``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from rcc.check import verify
from rcc.model import Instance
from rcc.scenarios.distributed import Mapper, Progress, in_process
from rcc.scenarios.evaluate import Setup
from rcc.scenarios.intervals import t_interval
from rcc.scenarios.whatif import SupplyChange, change_supply


def default_options(setup: Setup, beds: int = 2, top_las: int = 4,
                    settings: Sequence[str] = ("foster", "childrens_home")) -> list[SupplyChange]:
    """The LAs with most referrals × the commonest settings × the need levels those LAs refer."""
    rates = setup.profile.rates()
    busiest = rates.groupby("la_code")["children_per_week"].sum().nlargest(top_las).index
    return [SupplyChange(la, setting, int(need), beds)
            for la in sorted(busiest) for setting in settings
            for need in sorted(rates.loc[rates["la_code"] == la, "need_level"].unique())]


GAINS = {  # gain column: (measure, +1 when a fall in the measure is the gain)
    "unplaced_avoided": "unplaced",
    "separations_avoided": "siblings_apart",
    "kept_within_20_miles": "far_from_home",
    "kept_in_own_la": "outside_own_la",
    "spend_saved": "weekly_spend",
    "km_saved": "km",
}
RANKINGS = {
    "priorities": ("unplaced_avoided", "separations_avoided", "kept_within_20_miles", "kept_in_own_la", "spend_saved"),
    "spend": ("spend_saved", "unplaced_avoided", "separations_avoided"),
}


def _measure(setup: Setup, instance: Instance) -> dict:
    result = setup.policy.place(instance, setup.weights, setup.objective)
    check = verify(result, instance, setup.weights)
    return dict(check.measures)


@dataclass(frozen=True)
class _SweepTask:
    """One scenario's referrals placed against one supply: the baseline (option −1) or a what-if."""

    setup: Setup
    options: tuple[SupplyChange, ...]

    def __call__(self, item: tuple[int, int]) -> dict:
        number, option = item
        supply = self.setup.base if option < 0 else change_supply(self.setup.base, self.options[option])
        children = self.setup.profile.sample(self.setup.horizon_weeks, self.setup.seed, number)
        instance = supply.replace(children=children, separations=(), travel={})
        return {"scenario": number, "option": option, **_measure(self.setup, instance)}


def solves(options: Sequence[SupplyChange], scenarios: Iterable[int]) -> list[tuple[int, int]]:
    """Every (scenario, option) a sweep solves, the baseline (option −1) first in each scenario."""
    return [(number, option) for number in scenarios for option in range(-1, len(options))]


def sweep(setup: Setup, options: Sequence[SupplyChange], scenarios: Iterable[int],
          mapper: Mapper | None = None, by: str = "priorities",
          on_done: Progress | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ranked what-ifs, raw per-scenario rows; option −1 is the baseline); ``on_done(done, total)``
    as each of the (what-ifs + 1) × scenarios solves finishes."""
    rows = (mapper or in_process)(_SweepTask(setup, tuple(options)), solves(options, scenarios), on_done)
    raw = pd.DataFrame(rows).sort_values(["scenario", "option"])
    return rank(raw, options, by), raw.reset_index(drop=True)


def rank(raw: pd.DataFrame, options: Sequence[SupplyChange], by: str = "priorities") -> pd.DataFrame:
    """Each what-if's paired gains against the baseline (a fall in a measure is a gain), ranked by the
    mean gains in the order :data:`RANKINGS` gives for ``by``."""
    if by not in RANKINGS:
        raise ValueError(f"rank by {by!r}: must be one of {', '.join(RANKINGS)}")
    baseline = raw[raw["option"] == -1].set_index("scenario")
    rows = []
    for i, option in enumerate(options):
        mine = raw[raw["option"] == i].set_index("scenario").loc[baseline.index]
        row = {"la_code": option.la_code, "setting": option.setting, "need_level": option.need_level,
               "beds": option.beds}
        for name, measure in GAINS.items():
            mean, low, high = t_interval((baseline[measure] - mine[measure]).tolist())
            row.update({name: mean, f"{name}_low": low, f"{name}_high": high})
        rows.append(row)
    table = pd.DataFrame(rows)
    if not len(table):
        return table
    return table.sort_values(list(RANKINGS[by]), ascending=False, ignore_index=True)
