"""OR-Library linear assignment instances (Beasley's ``assignNNN``) expressed as rcc instances.

Child *i* and home *j* of an n × n cost matrix become a child and a one-vacancy home with
``weekly_cost`` 0, and every pair is listed in ``travel`` with ``km`` = the matrix entry, so the
contract's optimum is ``w_km`` × the assignment optimum (20 × 305 = 6,100 for ``assign100``).
Children may travel farther than any entry, so every pair is feasible.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from rcc.model import Child, Home, Instance

_MANCHESTER = (53.4808, -2.2426, "E08000003")


def read_orlib_assignment(path: str | os.PathLike) -> np.ndarray:
    """The n × n cost matrix of an OR-Library assignment file (n, then the rows)."""
    numbers = Path(path).read_text().split()
    n = int(numbers[0])
    values = np.array(numbers[1 : 1 + n * n], float)
    if len(values) != n * n:
        raise ValueError(f"{path}: expected {n * n} costs after n={n}, found {len(values)}")
    return values.reshape(n, n)


def assignment_instance(costs: np.ndarray, name: str = "orlib") -> Instance:
    lat, lon, la = _MANCHESTER
    n = len(costs)
    reach = float(costs.max()) + 1.0
    children = tuple(
        Child(f"C{i + 1:03d}", la, lat, lon, age=10, sex="F", need_level=1, max_distance_km=reach) for i in range(n)
    )
    homes = tuple(
        Home(f"H{j + 1:03d}", "OR-Library", "foster", la, lat, lon, vacancies=1, min_age=0, max_age=17,
             max_need_level=4, weekly_cost=0.0)
        for j in range(n)
    )
    travel = {(c.child_id, h.home_id): float(costs[i, j]) for i, c in enumerate(children) for j, h in enumerate(homes)}
    return Instance(children, homes, travel=travel, name=name)
