"""A feasible plan from the min-cost-flow relaxation: its assignment, repaired, then completed.

The relaxation (see :mod:`rcc.solver.flow`) already respects every pairwise rule and every home's
vacancies; it only ignores solo children, separations and sibling splits. So: drop the
placements that break solo or separation rules, then place whoever is left, cheapest feasible
home first (weighted cost + distance), while that beats leaving them unplaced. Splits are not
rules, only costs, so nothing is needed for them.

On large regions this is a far better fallback than the status quo: CP-SAT's own good solutions
come from its LP, which needs tens of seconds to converge at a few hundred thousand pairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rcc.model import Instance, Weights
from rcc.solver.flow import flow_relaxation


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

    occupants: list[list[int]] = [[] for _ in homes]
    for i in np.argsort([not c.solo for c in kids], kind="stable"):  # solo children claim homes first...
        h = home_of[i]
        if h < 0:
            continue
        there = occupants[h]
        solo_there = any(kids[o].solo for o in there)
        if solo_there or (kids[i].solo and there) or separated.get(int(i), set()).intersection(there):
            home_of[i] = -1  # ...and whoever would break solo or a separation is placed again below
        else:
            there.append(int(i))

    coefficient = pairs["cost_term"].to_numpy() + pairs["km_term"].to_numpy()
    order = np.lexsort((coefficient, pairs["child"].to_numpy()))
    child_col, home_col = pairs["child"].to_numpy()[order], pairs["home"].to_numpy()[order]
    coefficient = coefficient[order]
    bounds = np.searchsorted(child_col, np.arange(len(kids) + 1))
    for i in np.flatnonzero(home_of < 0):
        for k in range(bounds[i], bounds[i + 1]):
            h, there = int(home_col[k]), occupants[int(home_col[k])]
            if coefficient[k] >= weights.unplaced:
                break  # dearer than leaving the child unplaced, and the rest are dearer still
            if len(there) >= homes[h].vacancies or any(kids[o].solo for o in there):
                continue
            if (kids[i].solo and there) or separated.get(int(i), set()).intersection(there):
                continue
            there.append(int(i))
            home_of[i] = h
            break
    return {c.child_id: homes[home_of[i]].home_id if home_of[i] >= 0 else None for i, c in enumerate(kids)}
