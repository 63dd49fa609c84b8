"""A feasible plan from the min-cost-flow relaxation: its assignment, repaired, then completed.

The relaxation (see :mod:`rcc.solver.flow`) already respects every pairwise rule and every home's
vacancies; it only ignores solo children, who may live together (separations, ``alongside``)
and sibling splits. So: drop the placements that break those rules, then place whoever is left,
cheapest feasible home first (weighted cost + distance + not-preferred), while that beats leaving
them unplaced. Splits are not
rules, only costs, so nothing is needed for them.

On large regions this is a far better fallback than the status quo: CP-SAT's own good solutions
come from its LP, which needs tens of seconds to converge at a few hundred thousand pairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rcc.model import Instance, Weights
from rcc.solver.candidates import may_live_together
from rcc.solver.flow import flow_relaxation
from rcc.solver.objective import unplaced_penalties


def repaired_flow(instance: Instance, weights: Weights, pairs: pd.DataFrame,
                  relaxed: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """A complete assignment that keeps every hard rule of the contract, from the relaxation's
    assignment (``relaxed``, solved here if not given)."""
    if relaxed is None:
        _, relaxed = flow_relaxation(instance, weights, pairs)
    kids, homes = instance.children, instance.homes
    position = {c.child_id: i for i, c in enumerate(kids)}
    home_position = {h.home_id: j for j, h in enumerate(homes)}
    home_of = np.full(len(kids), -1)
    for child_id, home_id in relaxed.items():
        if home_id is not None:
            home_of[position[child_id]] = home_position[home_id]
    separated: dict[int, set[int]] = {}
    for a, b in instance.separations:
        separated.setdefault(position[a], set()).add(position[b])
        separated.setdefault(position[b], set()).add(position[a])

    def clash(i: int, there: list[int]) -> bool:
        """Would child ``i`` break solo, a separation or an ``alongside`` rule among ``there``?"""
        return bool(there) and (
            kids[i].solo or any(kids[o].solo for o in there) or bool(separated.get(i, set()).intersection(there))
            or not all(may_live_together(kids[i], kids[o]) for o in there))

    occupants: list[list[int]] = [[] for _ in homes]
    for i in np.argsort([not c.solo for c in kids], kind="stable"):  # solo children claim homes first...
        h = home_of[i]
        if h < 0:
            continue
        if clash(int(i), occupants[h]):
            home_of[i] = -1  # ...and whoever would break a rule there is placed again below
        else:
            occupants[h].append(int(i))

    penalty = unplaced_penalties(instance, weights)
    coefficient = pairs["cost_term"].to_numpy() + pairs["km_term"].to_numpy() + pairs["pref_term"].to_numpy()
    order = np.lexsort((coefficient, pairs["child"].to_numpy()))
    child_col, home_col = pairs["child"].to_numpy()[order], pairs["home"].to_numpy()[order]
    coefficient = coefficient[order]
    bounds = np.searchsorted(child_col, np.arange(len(kids) + 1))
    for i in np.flatnonzero(home_of < 0):
        for k in range(bounds[i], bounds[i + 1]):
            h, there = int(home_col[k]), occupants[int(home_col[k])]
            if coefficient[k] >= penalty[i]:
                break  # dearer than leaving the child unplaced, and the rest are dearer still
            if len(there) >= homes[h].vacancies or clash(int(i), there):
                continue
            there.append(int(i))
            home_of[i] = h
            break
    return {c.child_id: homes[home_of[i]].home_id if home_of[i] >= 0 else None for i, c in enumerate(kids)}
