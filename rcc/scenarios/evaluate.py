"""Evaluate block contracts over sampled demand scenarios, against spot purchasing on the same scenarios.

Each scenario is solved twice — with the contracts and spot-only — on the same sampled referrals
(common random numbers), so the difference between the two is the contracts' effect, not noise
between different draws. The placement *policy* solving each scenario is rcc's CP-SAT (with a
short time limit) or the greedy status quo; every solution is re-checked by ``rcc.check``.

The weekly bill counts what is really paid: spot placements at their price, plus every contracted
bed at its contract price whether used or void. Beside it are the measures a commissioner ranks
first (children without a home, brothers and sisters apart, far from home, outside the authority)
and, for comparison only, the weighted score (never money). Each metric's interval follows from what it
is (:mod:`rcc.scenarios.intervals`): shares stay within 0–100%, counts and money never go below zero.

Each scenario is placed under the commissioner's objective (priorities by default) with the "no
worse than today" guards if they are on, against that scenario's own status quo; a budget or
fairness guard is about today's plan, not a sampled future, so scenario policies leave them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from rcc.check import verify
from rcc.kpis import compute_kpis
from rcc.model import Instance, Weights
from rcc.priorities import GUARDED, Guards, Objective
from rcc.result import Result
from rcc.scenarios.blockbook import BlockContract, apply_contracts, contract_costs
from rcc.scenarios.demand import DemandProfile, scenario_instance
from rcc.scenarios.distributed import Mapper, Progress, in_process
from rcc.scenarios.intervals import METRICS, share_difference, t_interval, wilson
from rcc.solver.greedy import solve_greedy
from rcc.solver.params import SolveParams
from rcc.solver.plan import solve_plan

POLICY_SECONDS = 5.0  # below this, Greater Manchester scenarios (~100 children) start from the status quo and
# leave more children without a home (measured: 8 rather than 3 in one scenario at 3 s)


@dataclass(frozen=True)
class Policy:
    """How each scenario's children are placed: ``"cpsat"`` (rcc's optimiser under the setup's objective,
    one worker, ``time_limit`` s) or ``"greedy"`` (the status quo)."""

    solver: str = "cpsat"
    time_limit: float = POLICY_SECONDS

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
    placed = kpis["placed"]
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
        "own_la_pct": kpis["own_la_pct"],
        # what the shares are pooled from (rcc.scenarios.intervals.METRICS)
        "placed": placed,
        "within_20_miles": _count(kpis["within_20_miles_pct"], placed),
        "groups": len(booked.sibling_groups),
        "groups_together": _count(kpis["siblings_together_pct"], len(booked.sibling_groups)),
        "in_own_la": _count(kpis["own_la_pct"], placed),
        "beds_used": costs["beds_used"],
        "contracted_beds": costs["contracted_beds"],
        "usage": _usage(result.assignment),
    }


def _count(share: float | None, of: int) -> int:
    """How many a share counts, back from its percentage (exact: the share is 100 × count / of)."""
    return 0 if share is None else round(share * of / 100)


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


def evaluate(setup: Setup, contracts: Sequence[BlockContract], scenarios: Iterable[int],
             mapper: Mapper | None = None, on_done: Progress | None = None) -> pd.DataFrame:
    """One row per scenario (with contracts, and ``spot_``-prefixed without), in scenario order;
    ``on_done(done, total)`` as each scenario finishes."""
    task = _ScenarioTask(setup, tuple(contracts))
    rows = (mapper or in_process)(task, list(scenarios), on_done)
    return pd.DataFrame(sorted(rows, key=lambda r: r["scenario"]))


@dataclass(frozen=True)
class _ScenarioTask:
    setup: Setup
    contracts: tuple[BlockContract, ...]

    def __call__(self, number: int) -> dict:
        return evaluate_scenario(self.setup, self.contracts, number)


def summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per metric: contracts and spot-only with 95% intervals, and the paired difference; each interval
    as :mod:`rcc.scenarios.intervals` sets for the kind of metric it is."""
    out = []
    for metric in METRICS.values():
        if metric.kind == "share":
            hits, of, spot_hits, spot_of = (rows[c].astype(float) for c in (
                metric.hits, metric.of, f"spot_{metric.hits}", f"spot_{metric.of}"))
            levels = wilson(hits.sum(), of.sum()), wilson(spot_hits.sum(), spot_of.sum())
            difference = share_difference(hits, of, spot_hits, spot_of)
        else:
            booked, spot = rows[metric.name].astype(float), rows[f"spot_{metric.name}"].astype(float)
            floor = 0.0 if metric.never_negative else None
            levels = t_interval(booked.tolist(), floor=floor), t_interval(spot.tolist(), floor=floor)
            difference = t_interval((booked - spot).tolist())
        (mean, low, high), (spot_mean, spot_low, spot_high) = levels
        out.append({"metric": metric.name, "contracts": mean, "contracts_low": low, "contracts_high": high,
                    "spot": spot_mean, "spot_low": spot_low, "spot_high": spot_high, "difference": difference[0],
                    "difference_low": difference[1], "difference_high": difference[2]})
    return pd.DataFrame(out)
