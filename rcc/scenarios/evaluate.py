"""Evaluate block contracts over sampled demand scenarios, against spot purchasing on the same scenarios.

Each scenario is solved twice — with the contracts and spot-only — on the same sampled referrals
(common random numbers), so the difference between the two is the contracts' effect, not noise
between different draws. The placement *policy* solving each scenario is rcc's CP-SAT (with a
short time limit) or the greedy status quo; every solution is re-checked by ``rcc.check``.

The weekly bill counts what is really paid: spot placements at their price, plus every contracted
bed at its contract price whether used or void. The *total* is the objective a commissioner
minimises: the bill plus the weighted distance, unplaced and split terms of the contract.
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
from rcc.scenarios.blockbook import BlockContract, apply_contracts, contract_costs
from rcc.scenarios.demand import DemandProfile, scenario_instance
from rcc.scenarios.distributed import in_process
from rcc.solver.cpsat import SolveParams, solve
from rcc.solver.greedy import solve_greedy

METRICS = ("total", "weekly_bill", "void_beds", "utilisation_pct", "placed_pct", "within_20_miles_pct",
           "siblings_together_pct")


@dataclass(frozen=True)
class Policy:
    """How each scenario's children are placed: ``"cpsat"`` (one worker, ``time_limit`` s) or ``"greedy"``."""

    solver: str = "cpsat"
    time_limit: float = 5.0

    def __post_init__(self):
        if self.solver not in ("cpsat", "greedy"):
            raise ValueError(f"policy must be cpsat or greedy, not {self.solver!r}")

    def place(self, instance: Instance, weights: Weights):
        if self.solver == "greedy":
            return solve_greedy(instance, weights)
        return solve(instance, weights, SolveParams(time_limit=self.time_limit, workers=1))


@dataclass(frozen=True)
class Setup:
    """Everything a scenario task needs, picklable so that dask workers can run it."""

    base: Instance
    profile: DemandProfile
    weights: Weights = field(default_factory=Weights)
    horizon_weeks: float = 4.0
    seed: int = 1
    policy: Policy = field(default_factory=Policy)

    def scenario(self, number: int) -> Instance:
        return scenario_instance(self.base, self.profile, self.horizon_weeks, self.seed, number)


def outcome(setup: Setup, instance: Instance, contracts: Sequence[BlockContract]) -> dict:
    """Place ``instance``'s children under ``contracts`` and measure what it costs and achieves."""
    booked = apply_contracts(instance, list(contracts))
    result = setup.policy.place(booked, setup.weights)
    check = verify(result, booked, setup.weights)
    kpis = compute_kpis(booked, result.assignment, check)
    costs = contract_costs(booked, list(contracts), result.assignment)
    bill = kpis["weekly_cost"] + costs["contract_bill"]
    return {
        "children": len(instance.children),
        "total": check.objective + setup.weights.cost * costs["contract_bill"],
        "weekly_bill": bill,
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
