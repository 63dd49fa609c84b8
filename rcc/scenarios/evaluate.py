"""Evaluate block contracts over sampled demand scenarios, against spot purchasing on the same scenarios.

Each scenario is solved twice — with the contracts and spot-only — on the same sampled referrals
(common random numbers), so the difference between the two is the contracts' effect, not noise
between different draws. The placement *policy* solving each scenario is rcc's CP-SAT (with a
short time limit) or the greedy status quo; every solution is re-checked by ``rcc.check``.

The weekly bill counts what is really paid: spot placements at their price, plus every contracted
bed at its contract price whether used or void. Beside it are the measures a commissioner ranks
first (children without a home, brothers and sisters apart, far from home, outside the authority)
and, for comparison only, the weighted score (never money).

Each scenario is placed under the commissioner's objective (priorities by default) with the "no
worse than today" guards if they are on, against that scenario's own status quo; a budget or
fairness guard is about today's plan, not a sampled future, so scenario policies leave them out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from rcc.check import verify
from rcc.kpis import compute_kpis
from rcc.model import Instance, Weights
from rcc.priorities import GUARDED, Guards, Objective
from rcc.result import Result
from rcc.scenarios.blockbook import BlockContract, apply_contracts, contract_costs
from rcc.scenarios.demand import DemandProfile, scenario_instance
from rcc.scenarios.distributed import in_process
from rcc.solver.greedy import solve_greedy
from rcc.solver.params import SolveParams
from rcc.solver.plan import solve_plan

METRICS = ("weekly_bill", *GUARDED[:4], "void_beds", "utilisation_pct", "placed_pct", "within_20_miles_pct",
           "siblings_together_pct", "score")


@dataclass(frozen=True)
class Policy:
    """How each scenario's children are placed: ``"cpsat"`` (rcc's optimiser under the setup's objective,
    one worker, ``time_limit`` s) or ``"greedy"`` (the status quo)."""

    solver: str = "cpsat"
    time_limit: float = 5.0

    def __post_init__(self):
        if self.solver not in ("cpsat", "greedy"):
            raise ValueError(f"policy must be cpsat or greedy, not {self.solver!r}")

    def place(self, instance: Instance, weights: Weights, objective: Objective) -> Result:
        if self.solver == "greedy":
            return solve_greedy(instance, weights)
        scenario_objective = Objective(objective.mode, objective.priorities, Guards(objective.guards.status_quo))
        return solve_plan(instance, weights, scenario_objective, SolveParams(time_limit=self.time_limit, workers=1))


@dataclass(frozen=True)
class Setup:
    """Everything a scenario task needs, picklable so that dask workers can run it."""

    base: Instance
    profile: DemandProfile
    weights: Weights = field(default_factory=Weights)
    horizon_weeks: float = 4.0
    seed: int = 1
    policy: Policy = field(default_factory=Policy)
    objective: Objective = field(default_factory=Objective)

    def scenario(self, number: int) -> Instance:
        return scenario_instance(self.base, self.profile, self.horizon_weeks, self.seed, number)


def outcome(setup: Setup, instance: Instance, contracts: Sequence[BlockContract]) -> dict:
    """Place ``instance``'s children under ``contracts`` and measure what it costs and achieves."""
    booked = apply_contracts(instance, list(contracts))
    result = setup.policy.place(booked, setup.weights, setup.objective)
    check = verify(result, booked, setup.weights)
    kpis = compute_kpis(booked, result.assignment, check)
    costs = contract_costs(booked, list(contracts), result.assignment)
    return {
        "children": len(instance.children),
        "weekly_bill": check.measures["weekly_spend"] + costs["contract_bill"],
        **{m: check.measures[m] for m in GUARDED[:4]},
        "km": check.measures["km"],
        "score": check.objective + setup.weights.cost * costs["contract_bill"],
        "void_beds": costs["void_beds"],
        "utilisation_pct": costs["utilisation_pct"],
        "placed_pct": kpis["placed_pct"],
        "within_20_miles_pct": kpis["within_20_miles_pct"],
        "siblings_together_pct": kpis["siblings_together_pct"],
        "usage": _usage(result.assignment),
    }


def _usage(assignment) -> dict[str, int]:
    placed: dict[str, int] = {}
    for home in assignment.values():
        if home is not None:
            placed[home] = placed.get(home, 0) + 1
    return placed


def evaluate_scenario(setup: Setup, contracts: Sequence[BlockContract], number: int) -> dict:
    """One scenario with the contracts and spot-only: the task an evaluation fans out."""
    instance = setup.scenario(number)
    booked, spot = outcome(setup, instance, contracts), outcome(setup, instance, ())
    return {"scenario": number, **booked,
            **{f"spot_{k}": v for k, v in spot.items()}}


Mapper = Callable[[Callable, Iterable], list]


def evaluate(setup: Setup, contracts: Sequence[BlockContract], scenarios: Iterable[int],
             mapper: Mapper | None = None) -> pd.DataFrame:
    """One row per scenario (with contracts, and ``spot_``-prefixed without), in scenario order."""
    task = _ScenarioTask(setup, tuple(contracts))
    rows = (mapper or in_process)(task, list(scenarios))
    return pd.DataFrame(sorted(rows, key=lambda r: r["scenario"]))


@dataclass(frozen=True)
class _ScenarioTask:
    setup: Setup
    contracts: tuple[BlockContract, ...]

    def __call__(self, number: int) -> dict:
        return evaluate_scenario(self.setup, self.contracts, number)


def interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): a Student-t confidence interval for the expected value."""
    data = np.asarray([v for v in values if v is not None and not math.isnan(v)], float)
    if len(data) == 0:
        return math.nan, math.nan, math.nan
    mean = float(data.mean())
    if len(data) == 1:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(data) - 1) * data.std(ddof=1) / math.sqrt(len(data)))
    return mean, mean - half, mean + half


def summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per metric: contracts and spot-only means with 95% intervals, and the paired difference."""
    out = []
    for metric in METRICS:
        booked, spot = rows[metric].astype(float), rows[f"spot_{metric}"].astype(float)
        mean, low, high = interval(booked.tolist())
        spot_mean, spot_low, spot_high = interval(spot.tolist())
        diff, diff_low, diff_high = interval((booked - spot).tolist())
        out.append({"metric": metric, "contracts": mean, "contracts_low": low, "contracts_high": high,
                    "spot": spot_mean, "spot_low": spot_low, "spot_high": spot_high,
                    "difference": diff, "difference_low": diff_low, "difference_high": diff_high})
    return pd.DataFrame(out)
