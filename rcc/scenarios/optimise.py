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

Each round prices all its candidates on all in-sample scenarios in one batch of tasks (so the workers
stay busy), and says what it is doing (``on_stage``) and how far it has got (``on_done``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rcc.priorities import GUARDED
from rcc.scenarios.blockbook import BlockContract
from rcc.scenarios.distributed import Mapper, Progress, in_process
from rcc.scenarios.evaluate import Setup, evaluate, outcome, summary

CHILDREN_FIRST = GUARDED[:4]  # the measures a contract may not worsen on average
OnStage = Callable[[str], None]  # hears what the search is doing now, in words


@dataclass(frozen=True)
class _InSampleTask:
    """One in-sample scenario placed under one trial's contracts: item (contracts, scenario number)."""

    setup: Setup

    def __call__(self, item: tuple[tuple[BlockContract, ...], int]) -> dict:
        contracts, number = item
        found = outcome(self.setup, self.setup.scenario(number), contracts)
        return {key: found[key] for key in ("weekly_bill", *CHILDREN_FIRST, "usage")}


def _price(setup: Setup, trials: list[tuple[BlockContract, ...]], in_sample: Sequence[int], run: Mapper,
           on_done: Progress | None) -> list[list[dict]]:
    """Every trial on every in-sample scenario in one batch: per trial, its scenarios' outcomes."""
    found = run(_InSampleTask(setup), [(trial, n) for trial in trials for n in in_sample], on_done)
    return [found[k * len(in_sample):(k + 1) * len(in_sample)] for k in range(len(trials))]


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
             candidates: int = 3, max_beds: int = 30, on_done: Progress | None = None,
             on_stage: OnStage | None = None) -> Recommendation:
    """Search contracts (price = spot × (1 − ``discount``)) on the ``in_sample`` scenarios.

    ``on_stage`` hears what each batch of solves is for; ``on_done(done, total)`` counts that batch's solves."""
    if not 0 <= discount < 1:
        raise ValueError(f"discount must be in [0, 1), not {discount}")
    run, in_sample, say = mapper or in_process, list(in_sample), on_stage or (lambda _: None)
    homes = {h.home_id: h for h in setup.base.homes if h.vacancies > h.block_booked}
    prices = {h: round(home.weekly_cost * (1 - discount), 2) for h, home in homes.items()}
    beds: dict[str, int] = {}
    say(f"Buying every place spot, on {len(in_sample)} in-sample scenarios")
    [found] = _price(setup, [()], in_sample, run, on_done)
    spot = current = _means(found)
    steps: list[Step] = []
    while sum(beds.values()) < max_beds:
        proposals = _proposals(found, beds, homes, prices, candidates)
        if not proposals:
            break
        trials = [dict(beds, **{home_id: beds.get(home_id, 0) + 1}) for home_id in proposals]
        say(f"Bed {sum(beds.values()) + 1} (of at most {max_beds}): trying {len(trials)} home(s) on "
            f"{len(in_sample)} in-sample scenarios")
        best = None
        priced = _price(setup, [_contracts(trial, prices) for trial in trials], in_sample, run, on_done)
        for home_id, trial, tried in zip(proposals, trials, priced, strict=True):
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
                           mapper: Mapper | None = None, on_done: Progress | None = None) -> Recommendation:
    """The recommendation with its contracts-vs-spot summary on ``fresh`` scenarios attached."""
    rows = evaluate(setup, recommendation.contracts, fresh, mapper, on_done)
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
