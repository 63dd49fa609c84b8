"""The min-cost-flow relaxation: a lower bound in milliseconds, and the speed limit for exact solvers.

Dropping sibling splits, solo and who may live together (separations, ``alongside``) leaves a
transportation problem, which a min-cost flow solves exactly in milliseconds (OR-Tools
``SimpleMinCostFlow``):

    child ─(1, km + not-preferred terms)→ home ─(block_booked, 0)──────────→ sink
      │                                     └──(vacancies − block_booked, cost)→ sink
      └─(1, the child's unplaced penalty)─────────────────────────────────────→ sink

Its optimum is a valid lower bound on the contract's optimum (every dropped rule only adds cost
or removes options), available in a fraction of a second — before CP-SAT's first LP bound.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from ortools.graph.python import min_cost_flow

from rcc.model import Instance, Weights
from rcc.solver.objective import SCALE, unplaced_penalties


def flow_relaxation(instance: Instance, weights: Weights, pairs: pd.DataFrame) -> tuple[float, dict[str, str | None]]:
    """(lower bound in £/week, the relaxation's assignment)."""
    n_children, n_homes = len(instance.children), len(instance.homes)
    sink = n_children + n_homes
    flow = min_cost_flow.SimpleMinCostFlow()
    children, homes = pairs["child"].to_numpy(), pairs["home"].to_numpy()
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        children, n_children + homes, np.ones(len(pairs), np.int64),
        np.rint(SCALE * (pairs["km_term"].to_numpy() + pairs["pref_term"].to_numpy())).astype(np.int64),
    )
    everyone = np.arange(n_children)
    flow.add_arcs_with_capacity_and_unit_cost(
        everyone, np.full(n_children, sink), np.ones(n_children, np.int64),
        np.rint(SCALE * unplaced_penalties(instance, weights)).astype(np.int64),
    )
    for j, home in enumerate(instance.homes):
        if home.block_booked:
            flow.add_arc_with_capacity_and_unit_cost(n_children + j, sink, home.block_booked, 0)
        spot = home.vacancies - home.block_booked
        if spot:
            flow.add_arc_with_capacity_and_unit_cost(n_children + j, sink, spot,
                                                     int(round(SCALE * weights.cost * home.weekly_cost)))
    for i in range(n_children):
        flow.set_node_supply(i, 1)
    flow.set_node_supply(sink, -n_children)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow relaxation ended with status {status}")
    used = np.array([flow.flow(a) for a in pair_arcs]) > 0
    assignment: dict[str, str | None] = {c.child_id: None for c in instance.children}
    for child_id, home_id in zip(pairs["child_id"].to_numpy()[used], pairs["home_id"].to_numpy()[used], strict=True):
        assignment[child_id] = home_id
    rounding = 0.01 * n_children  # each child carries at most two penny-rounded coefficients
    return flow.optimal_cost() / SCALE - rounding, assignment
