"""Sufficiency sweeps: which extra beds (setting × need level × LA) would help most, over many scenarios.

Each what-if adds ``beds`` places of one setting and need level in one LA (a new home at the LA's
centroid, see :func:`rcc.scenarios.whatif.change_supply`). Every scenario's referrals are drawn
once and placed against the baseline supply and against each what-if (common random numbers), so
a what-if's value is measured on identical demand. Values are per scenario horizon:
children kept within 20 miles, km saved, unplaced avoided and the weekly total saved, each a
mean with a 95% interval; the table is ranked by total saved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from rcc.check import verify
from rcc.model import MILES_20_KM, Instance
from rcc.scenarios.distributed import in_process
from rcc.scenarios.evaluate import Mapper, Setup, interval
from rcc.scenarios.whatif import SupplyChange, change_supply


def default_options(setup: Setup, beds: int = 2, top_las: int = 4,
                    settings: Sequence[str] = ("foster", "childrens_home")) -> list[SupplyChange]:
    """The LAs with most referrals × the commonest settings × the need levels those LAs refer."""
    rates = setup.profile.rates()
    busiest = rates.groupby("la_code")["children_per_week"].sum().nlargest(top_las).index
    return [SupplyChange(la, setting, int(need), beds)
            for la in sorted(busiest) for setting in settings
            for need in sorted(rates.loc[rates["la_code"] == la, "need_level"].unique())]


def _measure(setup: Setup, instance: Instance) -> dict:
    result = setup.policy.place(instance, setup.weights)
    check = verify(result, instance, setup.weights)
    placed = [c for c in instance.children if result.assignment[c.child_id] is not None]
    return {
        "total": check.objective,
        "within_20_miles": sum(check.km[c.child_id] <= MILES_20_KM for c in placed),
        "km": sum(check.km[c.child_id] for c in placed),
        "unplaced": check.unplaced,
    }


@dataclass(frozen=True)
class _SweepTask:
    setup: Setup
    variants: tuple[Instance, ...]  # the baseline supply first, then one per what-if

    def __call__(self, number: int) -> list[dict]:
        children = self.setup.profile.sample(self.setup.horizon_weeks, self.setup.seed, number)
        rows = []
        for option, supply in enumerate(self.variants):
            instance = supply.replace(children=children, separations=(), travel={})
            rows.append({"scenario": number, "option": option - 1, **_measure(self.setup, instance)})
        return rows


def sweep(setup: Setup, options: Sequence[SupplyChange], scenarios: Iterable[int],
          mapper: Mapper | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ranked what-ifs, raw per-scenario rows; option −1 is the baseline)."""
    variants = (setup.base, *(change_supply(setup.base, option) for option in options))
    task = _SweepTask(setup, variants)
    per_task = (mapper or in_process)(task, list(scenarios))
    raw = pd.DataFrame([row for rows in per_task for row in rows]).sort_values(["scenario", "option"])
    return rank(raw, options), raw.reset_index(drop=True)


def rank(raw: pd.DataFrame, options: Sequence[SupplyChange]) -> pd.DataFrame:
    """Each what-if's paired gains against the baseline, ranked by weekly total saved."""
    baseline = raw[raw["option"] == -1].set_index("scenario")
    rows = []
    for i, option in enumerate(options):
        mine = raw[raw["option"] == i].set_index("scenario").loc[baseline.index]
        gains = {
            "total_saved": baseline["total"] - mine["total"],
            "kept_within_20_miles": mine["within_20_miles"] - baseline["within_20_miles"],
            "km_saved": baseline["km"] - mine["km"],
            "unplaced_avoided": baseline["unplaced"] - mine["unplaced"],
        }
        row = {"la_code": option.la_code, "setting": option.setting, "need_level": option.need_level,
               "beds": option.beds}
        for name, values in gains.items():
            mean, low, high = interval(values.tolist())
            row.update({name: mean, f"{name}_low": low, f"{name}_high": high})
        rows.append(row)
    table = pd.DataFrame(rows)
    return table.sort_values("total_saved", ascending=False, ignore_index=True) if len(table) else table
