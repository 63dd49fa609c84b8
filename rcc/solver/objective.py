"""The solver side's own account of an assignment's objective terms and measures, from the pairs table.

Solvers report the terms and measures computed here; ``rcc.check`` recomputes them from the
instance alone with different code, and any disagreement is a bug that fails loudly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import numpy as np
import pandas as pd

from rcc.model import MILES_20_KM, Instance, Weights

SCALE = 100  # integer solvers work in pence: every weighted cost is rounded to the penny


def unplaced_penalties(instance: Instance, weights: Weights) -> np.ndarray:
    """Per child (in instance order), what leaving them unplaced costs: ``w_unplaced`` × urgency."""
    return np.array([weights.unplaced_penalty(c) for c in instance.children], float)


def placed_rows(instance: Instance, pairs: pd.DataFrame, assignment: Mapping[str, str | None]) -> pd.DataFrame:
    """The rows of ``pairs`` that ``assignment`` uses, found by position (no index over millions of
    pairs); raises if a placement is not a feasible pair."""
    child_at = {c.child_id: i for i, c in enumerate(instance.children)}
    home_at = {h.home_id: j for j, h in enumerate(instance.homes)}
    width = max(1, len(instance.homes))
    wanted = np.array([child_at[c] * width + home_at[h] for c, h in assignment.items() if h is not None], np.int64)
    keys = pairs["child"].to_numpy(np.int64) * width + pairs["home"].to_numpy(np.int64)
    rows = pairs[np.isin(keys, wanted)]
    if len(rows) != len(wanted):
        raise KeyError(f"{len(wanted) - len(rows)} placement(s) of the assignment are not feasible pairs")
    return rows


def assignment_terms(
    instance: Instance, weights: Weights, pairs: pd.DataFrame, assignment: Mapping[str, str | None]
) -> dict[str, float]:
    """The weighted terms (GBP/week) of ``assignment``, whose pairs must all be in ``pairs``."""
    placed = [(c, h) for c, h in assignment.items() if h is not None]
    rows = placed_rows(instance, pairs, assignment)
    per_home = rows.groupby("home_id").size()
    cost = 0.0
    for home_id, n in per_home.items():
        home = instance.home_by_id[home_id]
        cost += weights.cost * home.weekly_cost * max(0, n - home.block_booked)
    homes_of_group: dict[str, set[str]] = defaultdict(set)
    for child_id, home_id in placed:
        group = instance.child_by_id[child_id].sibling_group
        if group in instance.sibling_groups:
            homes_of_group[group].add(home_id)
    unplaced = sum(weights.unplaced_penalty(c) for c in instance.children if assignment.get(c.child_id) is None)
    return {
        "cost": cost,
        "km": weights.km * float(rows["km"].sum()),
        "unplaced": unplaced,
        "split": weights.split * sum(max(0, len(h) - 1) for h in homes_of_group.values()),
        "not_preferred": float(rows["pref_term"].sum()),
    }


def assignment_measures(instance: Instance, weights: Weights, pairs: pd.DataFrame,
                        assignment: Mapping[str, str | None]) -> dict[str, float]:
    """The contract's measures (v1.1) of ``assignment``, whose pairs must all be in ``pairs``."""
    placed = [(c, h) for c, h in assignment.items() if h is not None]
    rows = placed_rows(instance, pairs, assignment)
    spend = 0.0
    for home_id, n in rows.groupby("home_id").size().items():
        home = instance.home_by_id[home_id]
        spend += home.weekly_cost * max(0, n - home.block_booked)
    children, homes = instance.child_by_id, instance.home_by_id
    outside = sum(children[c].la_code != homes[h].la_code for c, h in placed)
    apart = 0
    for members in instance.sibling_groups.values():
        used = {assignment.get(c) for c in members} - {None}
        if used:
            apart += len(used) - 1 + any(assignment.get(c) is None for c in members)
    return {
        "unplaced": float(sum(weights.urgency_factor(c) for c in instance.children
                              if assignment.get(c.child_id) is None)),
        "siblings_apart": float(apart),
        "far_from_home": float((rows["km"] > MILES_20_KM).sum()),
        "outside_own_la": float(outside),
        "not_preferred": float(rows["not_preferred"].sum()),
        "weekly_spend": spend,
        "km": float(rows["km"].sum()),
    }
