"""Price drift: spot prices rise by a share a year while block contracts keep their price. When does a
contract pay?

The figures come from the evaluation engine (:func:`rcc.scenarios.evaluate.evaluate`): each sampled
scenario is placed with the contracts and spot-only, at today's prices, and each solution checked. Each
year is then priced from those placements: year ``k`` (1 = the first year, at today's prices) multiplies
every spot price by ``(1 + rise) ** (k - 1)``; the contract beds cost what they cost in year 1.

Repricing rather than re-solving is exact under the priorities objective: multiplying every spot price
by one factor leaves the order of the plans unchanged (money comes last, and contracted beds are free to
use at any price), so the same placements are chosen. Under the weighted objective, dearer spot beds would
weigh more against distance, so the figures are those of today's placements, repriced.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from rcc.scenarios.blockbook import BlockContract
from rcc.scenarios.intervals import t_interval

WEEKS_PER_YEAR = 52


def price_index(rise: float, year: int) -> float:
    """Spot prices in year ``year`` as a multiple of today's: year 1 is today's, each later year ``1 + rise``
    times the one before."""
    return (1 + rise) ** (year - 1)


def contract_bill(contracts: Sequence[BlockContract]) -> float:
    """The contracts' fixed weekly bill (every bed, used or void)."""
    return sum(c.price * c.beds for c in contracts)


def drift(rows: pd.DataFrame, contracts: Sequence[BlockContract], rise: float, years: int) -> pd.DataFrame:
    """Per year: the yearly bill buying spot only and with the contracts (means over the scenarios of
    ``evaluate``'s ``rows``), the yearly saving and the cumulative saving with 95% intervals, paired by
    scenario; a positive saving means the contracts are cheaper."""
    if rise < 0 or years < 1:
        raise ValueError(f"rise={rise} must be >= 0 and years={years} >= 1")
    fixed = contract_bill(contracts)
    spot_part = rows["weekly_bill"].astype(float) - fixed  # spot placements made beside the contracts
    spot_only = rows["spot_weekly_bill"].astype(float)
    cumulative = pd.Series(0.0, index=rows.index)
    out = []
    for year in range(1, years + 1):
        factor = price_index(rise, year)
        with_contracts = WEEKS_PER_YEAR * (spot_part * factor + fixed)
        spot = WEEKS_PER_YEAR * spot_only * factor
        saving = spot - with_contracts
        cumulative = cumulative + saving
        mean, low, high = t_interval(saving.tolist())
        total, total_low, total_high = t_interval(cumulative.tolist())
        out.append({"year": year, "spot_price_index": factor, "spot_only_bill": float(spot.mean()),
                    "with_contracts_bill": float(with_contracts.mean()), "saving": mean, "saving_low": low,
                    "saving_high": high, "cumulative_saving": total, "cumulative_low": total_low,
                    "cumulative_high": total_high})
    return pd.DataFrame(out)


def first_year(table: pd.DataFrame, column: str) -> int | None:
    """The first year ``column`` (``saving`` or ``cumulative_saving``) is above zero on average, or None."""
    ahead = table.loc[table[column] > 0, "year"]
    return int(ahead.iloc[0]) if len(ahead) else None


def verdict(table: pd.DataFrame) -> str:
    """When the contracts pay, in a sentence."""
    years = int(table["year"].max())
    cheaper, ahead = first_year(table, "saving"), first_year(table, "cumulative_saving")
    if cheaper is None:
        return f"The contracts are not cheaper than spot within {years} years."
    paid = (f"and have paid for themselves in all by year {ahead}" if ahead is not None
            else f"but have not paid for themselves in all within {years} years")
    return f"The contracts are first cheaper than spot in year {cheaper}, {paid}."
