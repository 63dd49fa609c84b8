"""One-call workflows shared by the CLI and the app: solve, re-check, explain, compare.

Everything a page shows comes through here, so it has passed the independent checker.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from rcc.model import Instance, Weights
from rcc.outputs import CheckedSolve, checked
from rcc.solver.candidates import candidate_pairs
from rcc.solver.cpsat import Progress, SolveParams, solve
from rcc.solver.greedy import solve_greedy

KPI_LABELS = {
    "placed_pct": "Placed %",
    "within_20_miles_pct": "Within 20 miles %",
    "siblings_together_pct": "Sibling groups together %",
    "own_la_pct": "In own LA %",
    "mean_km": "Mean km",
    "weekly_cost": "Weekly cost £",
    "block_booked_used": "Block-booked beds used",
    "unplaced": "Unplaced",
    "siblings_split": "Sibling groups split",
    "needed_today_placed_pct": "Needed today: placed %",
    "preferred_setting_pct": "In preferred setting %",
}


def solve_checked(instance: Instance, weights: Weights | None = None, params: SolveParams | None = None,
                  pins: Mapping[str, str | None] | None = None, progress: Progress | None = None,
                  pairs: pd.DataFrame | None = None) -> CheckedSolve:
    """CP-SAT, then the independent check, explanations and KPIs."""
    weights = weights or Weights()
    pairs = candidate_pairs(instance, weights) if pairs is None else pairs
    result = solve(instance, weights, params, pins=pins, progress=progress, pairs=pairs)
    return checked(instance, weights, result, pairs)


def greedy_checked(instance: Instance, weights: Weights | None = None,
                   pairs: pd.DataFrame | None = None) -> CheckedSolve:
    """The status quo, checked the same way, to show beside the optimised plan."""
    weights = weights or Weights()
    pairs = candidate_pairs(instance, weights) if pairs is None else pairs
    return checked(instance, weights, solve_greedy(instance, weights, pairs), pairs)


def kpi_comparison(solves: Mapping[str, CheckedSolve], as_text: bool = False) -> pd.DataFrame:
    """KPIs side by side: one row per KPI, one column per named solve, plus objective and status.

    ``as_text`` formats every cell for display (a table mixing numbers and a status word cannot be
    shown as typed columns).
    """
    rows = {label: {name: s.kpis[key] for name, s in solves.items()} for key, label in KPI_LABELS.items()}
    rows["Objective £/wk"] = {name: s.check.objective for name, s in solves.items()}
    rows["Status"] = {name: s.result.status.value for name, s in solves.items()}
    table = pd.DataFrame(rows).T
    if as_text:
        table = table.map(lambda v: "—" if v is None else f"{v:,.1f}" if isinstance(v, float) else str(v))
    return table
