"""The LP relaxation of the whole contract: a proven bound, a shortlist, and pairs that can never pay.

The exact model's LP (the HiGHS baseline's rows with the integrality dropped, solved by HiGHS's
dual simplex through ``scipy.optimize.linprog``) is nearly integral on generated regions: at 1,000
children 834 of 1,000 children sit wholly in one home and 210 of 181,275 pairs are fractional, and
its value is within 0.6% of the optimum. Three things follow (measured in ``benchmarks/``):

- its optimum is a **proven lower bound**, far above the min-cost-flow relaxation's (which drops
  siblings, solo and who may live together: 29% below the optimum at 1,000 children);
- its **reduced costs shortlist** each child's few homes worth trying, so CP-SAT can find a
  near-optimal plan in a model a fraction of the size;
- they also prune **safely** (reduced-cost fixing): every plan ``x`` satisfies
  ``cost(x) ≥ LP + Σ d_j x_j`` with ``d_j ≥ 0`` the reduced cost of pair ``j``, so once a plan
  costing ``incumbent`` is known, a pair with ``LP + d_j > incumbent`` is in no better plan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import csr_array, vstack

from rcc.model import Instance, Weights
from rcc.solver.candidates import first_per_child
from rcc.solver.highs import HighsModel


def tolerance(value: float) -> float:
    """£ kept in hand against HiGHS's 1e-7 feasibility tolerances before a bound or pruning is trusted."""
    return 1.0 + 1e-6 * abs(value)


@dataclass(frozen=True)
class LpRelaxation:
    """The LP optimum of one instance, per row of the ``pairs`` it was built from."""

    bound: float  # £/week: the LP optimum less ``tolerance``: proven, the LP being over every feasible pair
    values: np.ndarray  # each pair's LP value
    reduced_costs: np.ndarray  # each pair's reduced cost, £/week (≥ 0: the LP minimises)
    seconds: float
    prices: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per home, its capacity row's dual

    def worth_keeping(self, incumbent: float) -> np.ndarray:
        """The pairs a plan cheaper than ``incumbent`` (£/week) may use: ``bound + d_j ≤ incumbent``.

        The incumbent's own pairs always pass (its cost is at least ``LP + Σ`` of their ``d_j``).
        """
        return self.reduced_costs <= incumbent - self.bound + tolerance(incumbent)

    def shortlist(self, children: np.ndarray, per_child: int) -> np.ndarray:
        """Each child's ``per_child`` pairs of smallest reduced cost, and every pair the LP uses.

        ``children`` is the pairs' child column. A heuristic choice of where to look first, never
        a proof: the pruning above decides what may be left out for good.
        """
        return shortlist(children, self.reduced_costs, self.values, per_child)


def shortlist(children: np.ndarray, reduced_costs: np.ndarray, values: np.ndarray, per_child: int) -> np.ndarray:
    """A Boolean per pair: each child's ``per_child`` pairs of least reduced cost, and every pair the LP uses."""
    chosen = values > 1e-6
    chosen[first_per_child(children, reduced_costs, per_child)] = True
    return chosen


def lp_relaxation(instance: Instance, weights: Weights, pairs: pd.DataFrame, time_limit: float) -> LpRelaxation | None:
    """Solve the exact model's LP relaxation over ``pairs`` (every feasible pair: that is what makes
    its bound and pruning proven); ``None`` if HiGHS does not finish in ``time_limit`` seconds (the
    caller then carries on without it)."""
    started = time.perf_counter()
    if pairs.empty:
        return None
    model = HighsModel(instance, weights, pairs)
    solved = solve_lp(model, time_limit - (time.perf_counter() - started))
    if solved is None:
        return None
    value, x, reduced, duals = solved
    n = len(pairs)
    return LpRelaxation(bound=value - tolerance(value), values=x[:n], reduced_costs=np.maximum(reduced[:n], 0.0),
                        seconds=time.perf_counter() - started, prices=model.place_prices(duals))


def solve_lp(model: HighsModel, time_limit: float) -> tuple[float, np.ndarray, np.ndarray, np.ndarray] | None:
    """(LP optimum £/week, every variable's value, every variable's reduced cost at its lower bound,
    every row's dual), or None if HiGHS does not finish in ``time_limit`` seconds."""
    if time_limit <= 0:
        return None
    c, bounds = model.objective()
    rows = model.rows.constraint(len(c))
    matrix, lower, upper = csr_array(rows.A), rows.lb, rows.ub
    equal = lower == upper
    above, below = np.isfinite(lower) & ~equal, np.isfinite(upper) & ~equal
    res = linprog(
        c,
        A_ub=vstack([matrix[below], -matrix[above]], format="csr") if (below | above).any() else None,
        b_ub=np.concatenate([upper[below], -lower[above]]) if (below | above).any() else None,
        A_eq=matrix[equal] if equal.any() else None, b_eq=lower[equal] if equal.any() else None,
        bounds=np.column_stack([bounds.lb, bounds.ub]),
        method="highs-ds", options={"time_limit": time_limit, "disp": False},
    )
    if res.status != 0:
        return None
    duals = np.zeros(len(lower))
    if (below | above).any():
        marginals = res.ineqlin.marginals
        duals[below] = marginals[:below.sum()]
        duals[above] -= marginals[below.sum():]
    if equal.any():
        duals[equal] = res.eqlin.marginals
    return res.fun, res.x, res.lower.marginals, duals
