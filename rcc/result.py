"""What a solve returns: a status, the objective and its proof, the terms and the assignment.

A time limit or a child who cannot be placed is a *status* or an unplaced entry, never an
exception; only bad input raises. ``assignment`` maps every child ID to a home ID or ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class Status(StrEnum):
    OPTIMAL = "optimal"  # proven: objective == bound (within the gap tolerance)
    FEASIBLE = "feasible"  # a checked assignment, no proof of optimality
    TIME_LIMIT = "time_limit"  # stopped by the time limit with an assignment and a bound
    INFEASIBLE = "infeasible"  # no assignment satisfies the hard rules (e.g. contradictory pins)
    ERROR = "error"  # the solver failed; see ``message``


TERMS = ("cost", "km", "unplaced", "split", "not_preferred")

STATUS_WORDS = {
    Status.OPTIMAL: "Optimal (proven)",
    Status.FEASIBLE: "Feasible (not proven optimal)",
    Status.TIME_LIMIT: "Best found within the time limit",
    Status.INFEASIBLE: "Infeasible",
    Status.ERROR: "Solver error",
}


@dataclass(frozen=True)
class Result:
    """One solver run. ``terms`` are the contract's weighted objective terms in GBP/week (see ``TERMS``)."""

    status: Status
    solver: str
    assignment: Mapping[str, str | None]
    objective: float | None = None
    bound: float | None = None
    terms: Mapping[str, float] = field(default_factory=dict)
    runtime_s: float = 0.0
    seed: int | None = None
    message: str = ""
    stats: Mapping[str, float] = field(default_factory=dict)  # how the solver got there, for benchmarks

    def __post_init__(self):
        object.__setattr__(self, "assignment", MappingProxyType(dict(self.assignment)))
        object.__setattr__(self, "terms", MappingProxyType(dict(self.terms)))
        object.__setattr__(self, "stats", MappingProxyType(dict(self.stats)))

    @property
    def gap(self) -> float | None:
        """Relative gap (objective − bound) / max(1, |objective|); 0 when proven optimal."""
        if self.objective is None or self.bound is None:
            return None
        return max(0.0, self.objective - self.bound) / max(1.0, abs(self.objective))

    def describe(self) -> str:
        """A one-line, plain-English status with the proof, for pages and logs."""
        text = STATUS_WORDS[self.status]
        if self.status is not Status.OPTIMAL and self.gap is not None:
            text += f"; at most {self.gap:.2%} above the best possible" if self.gap < 0.5 else "; no useful bound yet"
        return text

    @property
    def placed(self) -> int:
        return sum(home is not None for home in self.assignment.values())

    @property
    def unplaced(self) -> int:
        return sum(home is None for home in self.assignment.values())
