"""Solver settings (flags or the ``[solver]`` table of a TOML file) and how they reach CP-SAT.

Settings are checked when they are made, so a wrong time limit or worker count is a named input
error at the boundary, never a traceback mid-solve.
"""

from __future__ import annotations

import logging
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from ortools.sat.python import cp_model

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SolveParams:
    """Solver settings; ``cpsat`` passes any further CP-SAT parameter by name."""

    time_limit: float = 60.0
    workers: int = 2
    seed: int = 0
    relative_gap: float = 0.0
    lp_guide: bool = True  # the LP relaxation's bound, shortlist and pruning (``rcc.solver.lp``)
    # This machine's rates, which decide what fits in the time (measured on the project's 2-core
    # machine; set them in [solver] for another): HiGHS solved the LP of 181,275 pairs in 9.4 s and
    # CP-SAT presolved them in ~21 s. An LP too large for its share of the time is not built whole:
    # the priced pipeline (rcc.solver.pipeline) solves the instance instead.
    lp_pairs_per_second: float = 20_000
    presolve_pairs_per_second: float = 9_000
    # Solved region by region, the whole instance's bound is one pass over every child: 53,334
    # children in 116 s over England, 20,000 in 27 s over five regions.
    bound_pass_children_per_second: float = 400
    cpsat: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self):
        """A wrong setting (flag or TOML) is named here, not met later as a traceback mid-solve."""
        problems = [f"{name}={getattr(self, name)!r} {rule}" for name, ok, rule in (
            ("time_limit", _number(self.time_limit) and self.time_limit > 0, "must be a number of seconds > 0"),
            ("workers", _integer(self.workers) and self.workers >= 1, "must be a whole number ≥ 1"),
            ("seed", _integer(self.seed) and self.seed >= 0, "must be a whole number ≥ 0"),
            ("relative_gap", _number(self.relative_gap) and self.relative_gap >= 0, "must be a number ≥ 0"),
            ("lp_guide", isinstance(self.lp_guide, bool), "must be true or false"),
            ("lp_pairs_per_second", _number(self.lp_pairs_per_second) and self.lp_pairs_per_second >= 0,
             "must be a number ≥ 0"),
            ("presolve_pairs_per_second", _number(self.presolve_pairs_per_second)
             and self.presolve_pairs_per_second >= 0, "must be a number ≥ 0"),
            ("bound_pass_children_per_second", _number(self.bound_pass_children_per_second)
             and self.bound_pass_children_per_second > 0, "must be a number > 0"),
            ("cpsat", isinstance(self.cpsat, Mapping), "must be a table of CP-SAT parameters"),
        ) if not ok]
        if problems:
            raise ValueError("; ".join(problems))

    @classmethod
    def from_toml(cls, path: str | Path, defaults: Mapping[str, object] | None = None) -> SolveParams:
        """Read the ``[solver]`` table (and its ``[solver.cpsat]`` sub-table) of a TOML file, over
        ``defaults`` (a command's own, such as the frontier's longer time limit)."""
        with open(path, "rb") as f:
            table = tomllib.load(f).get("solver", {})
        known = {f.name for f in fields(cls)}
        unknown = set(table) - known
        if unknown:
            raise ValueError(f"{path}: unknown [solver] setting(s) {', '.join(sorted(unknown))}")
        try:
            return cls(**{**(defaults or {}), **table})
        except ValueError as exc:
            raise ValueError(f"{path}: [solver] {exc}") from None


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)




# Measured on generated regional instances (see benchmarks/): CP-SAT's default two-worker portfolio
# runs no LP at all and its bound stalls. With two workers we ask for one full-problem worker with
# the whole LP relaxation (``max_lp``: linearization level 2, every constraint in the LP); CP-SAT
# then gives the second thread to its LNS and local-search workers, which improve the solutions.
DEFAULT_CPSAT = {"linearization_level": 2}
TWO_WORKER_SUBSOLVERS = ["max_lp"]


def run(model: cp_model.CpModel, params: SolveParams, seconds: float,
        on_solution: cp_model.CpSolverSolutionCallback | None = None,
        on_bound=None) -> tuple[int, cp_model.CpSolver]:
    """Solve ``model`` under ``params`` for at most ``seconds``: (CP-SAT's status, the solver)."""
    solver = cp_model.CpSolver()
    configure(solver, params)
    solver.parameters.max_time_in_seconds = max(0.01, seconds)
    if on_bound is not None:
        solver.best_bound_callback = on_bound
    return solver.solve(model, on_solution), solver


def configure(solver: cp_model.CpSolver, params: SolveParams) -> None:
    """Apply ``params`` (and the measured defaults above) to a CP-SAT solver; its log goes to DEBUG."""
    p = solver.parameters
    p.max_time_in_seconds = params.time_limit
    p.num_workers = params.workers
    p.random_seed = params.seed
    p.relative_gap_limit = params.relative_gap
    p.log_search_progress = log.isEnabledFor(logging.DEBUG)
    p.log_to_stdout = False
    settings = dict(DEFAULT_CPSAT)
    if params.workers == 2:
        settings["subsolvers"] = TWO_WORKER_SUBSOLVERS
    settings.update(params.cpsat)
    for name, value in settings.items():
        if isinstance(value, list | tuple):
            getattr(p, name).extend(value)  # repeated fields, e.g. subsolvers
        else:
            setattr(p, name, value)
    solver.log_callback = lambda line: log.debug("cp-sat: %s", line)

