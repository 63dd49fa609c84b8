"""The min-cost-flow relaxation: a lower bound, the speed limit, and a near-optimal warm start.

Dropping sibling splits, solo and separations leaves a transportation problem, which a min-cost
flow solves exactly in milliseconds (OR-Tools ``SimpleMinCostFlow``):

    child ─(1, km term)→ home ─(block_booked, 0)──────────→ sink
      │                    └──(vacancies − block_booked, cost)→ sink
      └─(1, w_unplaced)──────────────────────────────────────→ sink

Its optimum is a valid lower bound on the contract's optimum (every dropped rule only adds cost
or removes options). Its assignment breaks at most the dropped rules, so :func:`repair` makes it
feasible (solo children alone, separated children apart) and refills freed places, which gives
CP-SAT a far better first solution than the one-child-at-a-time status quo.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
from ortools.graph.python import min_cost_flow

from rcc.model import Instance, Weights
from rcc.solver.objective import SCALE


def flow_relaxation(instance: Instance, weights: Weights, pairs: pd.DataFrame) -> tuple[float, dict[str, str | None]]:
    """(lower bound in £/week, the relaxation's assignment)."""
    n_children, n_homes = len(instance.children), len(instance.homes)
    sink = n_children + n_homes
    flow = min_cost_flow.SimpleMinCostFlow()
    children, homes = pairs["child"].to_numpy(), pairs["home"].to_numpy()
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        children, n_children + homes, np.ones(len(pairs), np.int64),
        np.rint(SCALE * pairs["km_term"].to_numpy()).astype(np.int64),
    )
    everyone = np.arange(n_children)
    flow.add_arcs_with_capacity_and_unit_cost(
        everyone, np.full(n_children, sink), np.ones(n_children, np.int64),
        np.full(n_children, int(round(SCALE * weights.unplaced)), np.int64),
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


def repair(instance: Instance, weights: Weights, pairs: pd.DataFrame,
           assignment: dict[str, str | None]) -> dict[str, str | None]:
    """Make a relaxation's assignment feasible, then refill freed places cheapest first.

    A home holding a solo child and others keeps only its cheapest-placed child; of a separated
    pair sharing a home, the second leaves. Unplaced children then take the cheapest home that
    still has room without breaking a rule, if that costs less than leaving them unplaced.
    """
    result = dict(assignment)
    cost = pairs.assign(total=pairs["cost_term"] + pairs["km_term"]).set_index(["child_id", "home_id"])["total"]
    occupants: dict[str, list[str]] = defaultdict(list)
    for child_id, home_id in result.items():
        if home_id is not None:
            occupants[home_id].append(child_id)
    solo = {c.child_id for c in instance.children if c.solo}
    for home_id, kids in occupants.items():
        if len(kids) > 1 and solo.intersection(kids):
            keep = min(kids, key=lambda c: cost[c, home_id])
            for child_id in kids:
                if child_id != keep:
                    result[child_id] = None
            occupants[home_id] = [keep]
    apart = defaultdict(set)
    for a, b in instance.separations:
        apart[a].add(b)
        apart[b].add(a)
    for home_id, kids in occupants.items():
        for child_id in list(kids):
            if result[child_id] == home_id and apart[child_id].intersection(k for k in kids if result[k] == home_id):
                result[child_id] = None
    return _refill(instance, pairs[pairs["cost_term"] + pairs["km_term"] < weights.unplaced], result, solo, apart)


def _refill(instance, pairs, result, solo, apart) -> dict[str, str | None]:
    occupants: dict[str, set[str]] = defaultdict(set)
    for child_id, home_id in result.items():
        if home_id is not None:
            occupants[home_id].add(child_id)
    vacancies = {h.home_id: h.vacancies for h in instance.homes}
    ordered = pairs.assign(total=pairs["cost_term"] + pairs["km_term"]).sort_values(["total", "home_id"])
    for child_id, home_id in zip(ordered["child_id"], ordered["home_id"], strict=True):
        if result.get(child_id) is not None:
            continue
        here = occupants[home_id]
        if len(here) >= vacancies[home_id] or solo.intersection(here) or (child_id in solo and here):
            continue
        if apart[child_id].intersection(here):
            continue
        result[child_id] = home_id
        here.add(child_id)
    return result
