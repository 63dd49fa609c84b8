"""Recommend block contracts under uncertain demand: sample-average approximation, decomposed by scenario.

The two-stage problem: first choose beds ``b_h`` to block-book at each home at a discounted
price (paid whether used or not); then, in each demand scenario, place that scenario's referrals
as well as possible (the *recourse*, solved by the evaluation policy — rcc's CP-SAT by default).
The sample-average objective is the mean, over in-sample scenarios, of contract bill + spot
costs + weighted distance, unplaced and split terms.

Solving all scenarios in one extensive model is out of reach beyond toy sizes, so the first stage
is searched bed by bed and each candidate is priced by re-solving every in-sample scenario exactly
(scenario decomposition). Candidates are ranked by the newsvendor rule — a bed is worth booking
when P(the home uses at least that many beds) × spot price exceeds the contract price — using
the usage seen in the current in-sample solutions, and a bed is kept only if the re-solved
sample average falls. The search starts from spot-only, so the recommendation is never worse than
spot-only in sample; its value is then *validated out of sample* on scenarios the search never saw.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rcc.scenarios.blockbook import BlockContract
from rcc.scenarios.distributed import in_process
from rcc.scenarios.evaluate import Mapper, Setup, evaluate, outcome, summary


@dataclass(frozen=True)
class _InSampleTask:
    setup: Setup
    contracts: tuple[BlockContract, ...]

    def __call__(self, number: int) -> dict:
        found = outcome(self.setup, self.setup.scenario(number), self.contracts)
        return {"total": found["total"], "usage": found["usage"]}


@dataclass(frozen=True)
class Step:
    """One accepted bed: where, at what price, and the in-sample mean total after it (GBP/week)."""

    home_id: str
    beds: int
    price: float
    mean_total: float


@dataclass(frozen=True)
class Recommendation:
    discount: float
    contracts: tuple[BlockContract, ...]
    spot_mean_total: float  # in sample
    mean_total: float  # in sample, with the contracts
    steps: tuple[Step, ...]
    out_of_sample: pd.DataFrame | None = None  # ``evaluate.summary`` on fresh scenarios

    @property
    def in_sample_saving(self) -> float:
        return self.spot_mean_total - self.mean_total


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
    spot_mean = current = float(np.mean([f["total"] for f in found]))
    steps: list[Step] = []
    while sum(beds.values()) < max_beds:
        best = None
        for home_id in _proposals(found, beds, homes, prices, candidates):
            trial = dict(beds, **{home_id: beds.get(home_id, 0) + 1})
            tried = run(_InSampleTask(setup, _contracts(trial, prices)), list(in_sample))
            mean = float(np.mean([t["total"] for t in tried]))
            if mean < current - 1e-6 and (best is None or mean < best[1]):
                best = (trial, mean, tried, home_id)
        if best is None:
            break
        beds, current, found, home_id = best[0], best[1], best[2], best[3]
        steps.append(Step(home_id, beds[home_id], prices[home_id], current))
    return Recommendation(discount, _contracts(beds, prices), spot_mean, current, tuple(steps))


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
    return Recommendation(recommendation.discount, recommendation.contracts, recommendation.spot_mean_total,
                          recommendation.mean_total, recommendation.steps, summary(rows))


def sensitivity(setup: Setup, discounts: Sequence[float], in_sample: Sequence[int], fresh: Sequence[int],
                mapper: Mapper | None = None, **search) -> pd.DataFrame:
    """For each discount: beds recommended, in-sample saving, and out-of-sample saving with its interval."""
    rows = []
    for discount in discounts:
        rec = validate_out_of_sample(setup, optimise(setup, discount, in_sample, mapper, **search), fresh, mapper)
        total = rec.out_of_sample.set_index("metric").loc["total"]
        rows.append({"discount": discount, "beds": sum(c.beds for c in rec.contracts),
                     "in_sample_saving": rec.in_sample_saving, "out_of_sample_saving": -total["difference"],
                     "saving_low": -total["difference_high"], "saving_high": -total["difference_low"]})
    return pd.DataFrame(rows)
