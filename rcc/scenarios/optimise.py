"""Recommend block contracts under uncertain demand: sample-average approximation, decomposed by scenario.

The two-stage problem: first choose beds ``b_h`` to block-book at each home at a discounted
price (paid whether used or not); then, in each demand scenario, place that scenario's referrals
as well as possible (the *recourse*, solved by the evaluation policy — rcc's optimiser, children
first, by default). A contract is judged on real money and on the children: the mean weekly bill
(contract bill + spot placements) over the in-sample scenarios must fall, and no measure a
commissioner ranks above money (children without a home, brothers and sisters apart, far from
home, outside the authority) may rise on average.

Solving all scenarios in one extensive model is out of reach beyond toy sizes, so the first stage
is searched bed by bed and each candidate is priced by re-solving every in-sample scenario exactly
(scenario decomposition). Candidates are ranked by the newsvendor rule — a bed is worth booking
when P(the home uses at least that many beds) × spot price exceeds the contract price — using
the usage seen in the current in-sample solutions, and a bed is kept only if the re-solved
sample averages pass the test above (the best bill of those that do). The search starts from
spot-only, so the recommendation is never worse than spot-only in sample; its value is then
*validated out of sample* on scenarios the search never saw.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rcc.priorities import GUARDED
from rcc.scenarios.blockbook import BlockContract
from rcc.scenarios.distributed import in_process
from rcc.scenarios.evaluate import Mapper, Setup, evaluate, outcome, summary

CHILDREN_FIRST = GUARDED[:4]  # the measures a contract may not worsen on average


@dataclass(frozen=True)
class _InSampleTask:
    setup: Setup
    contracts: tuple[BlockContract, ...]

    def __call__(self, number: int) -> dict:
        found = outcome(self.setup, self.setup.scenario(number), self.contracts)
        return {key: found[key] for key in ("weekly_bill", *CHILDREN_FIRST, "usage")}


def _means(found: list[dict]) -> dict[str, float]:
    return {key: float(np.mean([f[key] for f in found])) for key in ("weekly_bill", *CHILDREN_FIRST)}


def _no_worse_for_children(trial: dict[str, float], current: dict[str, float]) -> bool:
    return all(trial[m] <= current[m] + 1e-9 for m in CHILDREN_FIRST)


@dataclass(frozen=True)
class Step:
    """One accepted bed: where, at what price, and the in-sample mean weekly bill after it (GBP/week)."""

    home_id: str
    beds: int
    price: float
    mean_bill: float


@dataclass(frozen=True)
class Recommendation:
    discount: float
    contracts: tuple[BlockContract, ...]
    spot_mean_bill: float  # in sample, £/week
    mean_bill: float  # in sample, with the contracts (contract bill + spot), £/week
    steps: tuple[Step, ...]
    out_of_sample: pd.DataFrame | None = None  # ``evaluate.summary`` on fresh scenarios

    @property
    def in_sample_saving(self) -> float:
        return self.spot_mean_bill - self.mean_bill


def _contracts(beds: dict[str, int], prices: dict[str, float]) -> tuple[BlockContract, ...]:
    return tuple(BlockContract(h, n, prices[h]) for h, n in sorted(beds.items()) if n > 0)


def optimise(setup: Setup, discount: float, in_sample: Sequence[int], mapper: Mapper | None = None,
             candidates: int = 3, max_beds: int = 30) -> Recommendation:
    """Search contracts (price = spot × (1 − ``discount``)) on the ``in_sample`` scenarios."""
    if not 0 <= discount < 1:
        raise ValueError(f"discount must be in [0, 1), not {discount}")
    run = mapper or in_process
    homes = {h.home_id: h for h in setup.base.homes if h.vacancies > h.block_booked}
    prices = {h: round(home.weekly_cost * (1 - discount), 2) for h, home in homes.items()}
    beds: dict[str, int] = {}
    found = run(_InSampleTask(setup, ()), list(in_sample))
    spot = current = _means(found)
    steps: list[Step] = []
    while sum(beds.values()) < max_beds:
        best = None
        for home_id in _proposals(found, beds, homes, prices, candidates):
            trial = dict(beds, **{home_id: beds.get(home_id, 0) + 1})
            tried = run(_InSampleTask(setup, _contracts(trial, prices)), list(in_sample))
            means = _means(tried)
            if (means["weekly_bill"] < current["weekly_bill"] - 1e-6 and _no_worse_for_children(means, current)
                    and (best is None or means["weekly_bill"] < best[1]["weekly_bill"])):
                best = (trial, means, tried, home_id)
        if best is None:
            break
        beds, current, found, home_id = best
        steps.append(Step(home_id, beds[home_id], prices[home_id], current["weekly_bill"]))
    return Recommendation(discount, _contracts(beds, prices), spot["weekly_bill"], current["weekly_bill"],
                          tuple(steps))


def _proposals(found: list[dict], beds: dict[str, int], homes: dict, prices: dict[str, float],
               candidates: int) -> list[str]:
    """Homes whose next bed the newsvendor rule rates best: P(use ≥ next) × spot − contract price."""
    scored = []
    for home_id, home in homes.items():
        nxt = beds.get(home_id, 0) + 1
        if nxt > home.vacancies - home.block_booked:
            continue
        chance = np.mean([f["usage"].get(home_id, 0) >= nxt for f in found])
        value = chance * home.weekly_cost - prices[home_id]
        if value > 0:
            scored.append((value, home_id))
    return [home_id for _, home_id in sorted(scored, reverse=True)[:candidates]]


def validate_out_of_sample(setup: Setup, recommendation: Recommendation, fresh: Iterable[int],
                           mapper: Mapper | None = None) -> Recommendation:
    """The recommendation with its contracts-vs-spot summary on ``fresh`` scenarios attached."""
    rows = evaluate(setup, recommendation.contracts, fresh, mapper)
    return Recommendation(recommendation.discount, recommendation.contracts, recommendation.spot_mean_bill,
                          recommendation.mean_bill, recommendation.steps, summary(rows))


def sensitivity(setup: Setup, discounts: Sequence[float], in_sample: Sequence[int], fresh: Sequence[int],
                mapper: Mapper | None = None, **search) -> pd.DataFrame:
    """For each discount: beds recommended, in-sample saving, and out-of-sample saving with its interval."""
    rows = []
    for discount in discounts:
        rec = validate_out_of_sample(setup, optimise(setup, discount, in_sample, mapper, **search), fresh, mapper)
        bill = rec.out_of_sample.set_index("metric").loc["weekly_bill"]
        rows.append({"discount": discount, "beds": sum(c.beds for c in rec.contracts),
                     "in_sample_saving": rec.in_sample_saving, "out_of_sample_saving": -bill["difference"],
                     "saving_low": -bill["difference_high"], "saving_high": -bill["difference_low"]})
    return pd.DataFrame(rows)
