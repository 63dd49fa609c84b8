"""One entry point for a plan, whichever objective the commissioner chose.

``priorities`` (the default, contract v1.1) runs :func:`rcc.solver.lexicographic.solve_priorities`;
``weighted`` runs the v1 score's LP-guided CP-SAT (:func:`rcc.solver.cpsat.solve`), where the guards
do not apply: that mode is the contract's weighted sum, unchanged, for comparisons and benchmarks.

Either way, each child whose family or friends carer may take them is pinned there
(:mod:`rcc.solver.kinship`) beside any pins set by hand, so every caller's plan keeps kinship
placements without having to know of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from rcc.model import Instance, Weights
from rcc.priorities import Objective
from rcc.result import ProgressUpdate, Result
from rcc.solver import cpsat
from rcc.solver.candidates import candidate_pairs
from rcc.solver.kinship import with_kinship
from rcc.solver.lexicographic import solve_priorities
from rcc.solver.params import SolveParams


def solve_plan(instance: Instance, weights: Weights | None = None, objective: Objective | None = None,
               params: SolveParams | None = None, pins: Mapping[str, str | None] | None = None,
               progress: Callable[[ProgressUpdate], None] | None = None, pairs: pd.DataFrame | None = None,
               actual: Mapping[str, float] | None = None) -> Result:
    """A plan for ``instance`` under ``objective`` (priorities unless told otherwise), kinship pins kept."""
    objective = objective or Objective()
    pairs = candidate_pairs(instance, weights or Weights()) if pairs is None else pairs
    pins = with_kinship(instance, pairs, pins) or None
    if objective.mode == "weighted":
        return cpsat.solve(instance, weights, params, pins=pins, progress=progress, pairs=pairs)
    return solve_priorities(instance, weights, objective, params, pins=pins, progress=progress, pairs=pairs,
                            actual=actual)
