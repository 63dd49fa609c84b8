"""What a solve returns: a status, the measures and the proof, the weighted terms and the assignment.

A time limit or a child who cannot be placed is a *status* or an unplaced entry, never an
exception; only bad input raises. ``assignment`` maps every child ID to a home ID or ``None``.

Two objective modes (contract v1.1): ``priorities`` minimises the measures one after another
(:class:`Stage` says how far each was proven), ``weighted`` minimises the v1 score. Either way
``objective`` and ``terms`` are the plan's weighted score — a score, not money — and
``measures["weekly_spend"]`` is what the plan really costs a week.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from rcc.priorities import MEASURES


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
class Stage:
    """One step of a solve: a priorities stage (one measure, minimised with the earlier ones held) or,
    in weighted mode, the score. ``bound`` is the least value proven possible given the earlier
    stages (``None`` when nothing valid is known), ``engine`` what found and proved it."""

    measure: str
    value: float | None
    bound: float | None
    proven: bool
    seconds: float
    engine: str = "cp-sat"


@dataclass(frozen=True)
class Guard:
    """A hard limit the plan was held to: ``measure`` ≤ ``cap``, or for ``fairness`` no authority's
    placed % more than ``cap`` points below the region's. ``least`` is filled when the guards could
    not all hold: the least this measure can be with every other guard held (``None``: no plan keeps
    the others either); ``least_proven`` says whether that least was proven. ``small_local`` is a floor,
    not a cap: at least ``cap`` % of placements with owners of at most ``small_provider_homes`` homes, all
    in the region; its ``least`` is the fewest placements by which it falls short."""

    measure: str
    cap: float
    source: str
    least: float | None = None
    least_proven: bool = False
    small_provider_homes: int | None = None


@dataclass(frozen=True)
class Result:
    """One solver run. ``terms`` are the contract's weighted objective terms (see ``TERMS``), a score;
    ``measures`` the v1.1 measures of the plan, ``weekly_spend`` among them in GBP/week."""

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
    mode: str = "weighted"
    measures: Mapping[str, float] = field(default_factory=dict)
    stages: tuple[Stage, ...] = ()
    guards: tuple[Guard, ...] = ()
    found_by: str = ""
    proved_by: str = ""
    no_plan_found: bool = False  # out of time before any plan kept the guards and pins: a time limit, no plan

    def __post_init__(self):
        object.__setattr__(self, "assignment", MappingProxyType(dict(self.assignment)))
        object.__setattr__(self, "terms", MappingProxyType(dict(self.terms)))
        object.__setattr__(self, "stats", MappingProxyType(dict(self.stats)))
        object.__setattr__(self, "measures", MappingProxyType(dict(self.measures)))
        object.__setattr__(self, "stages", tuple(self.stages))
        object.__setattr__(self, "guards", tuple(self.guards))

    @property
    def has_plan(self) -> bool:
        """Whether the result carries a plan (a proven-infeasible or failed solve does not, nor one that ran
        out of time before finding any plan that keeps the guards and pins)."""
        return not self.no_plan_found and self.status not in (Status.INFEASIBLE, Status.ERROR)

    @property
    def gap(self) -> float | None:
        """Relative gap (objective − bound) / max(1, |objective|); 0 when proven optimal."""
        if self.objective is None or self.bound is None:
            return None
        return max(0.0, self.objective - self.bound) / max(1.0, abs(self.objective))

    def describe(self) -> str:
        """A one-line, plain-English status with the proof, for pages and logs."""
        if self.mode == "priorities" and self.stages and self.has_plan:
            proven = [s for s in self.stages if s.proven]
            if len(proven) == len(self.stages):
                return "Best possible on every priority (proven)"
            return (f"{STATUS_WORDS[self.status]}; proven best on {len(proven)} of {len(self.stages)} priorities")
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


@dataclass(frozen=True)
class ProgressUpdate:
    """What a running solve reports: the stage it is in, the best value found and proven for that
    stage's measure (or the weighted score), and the real weekly spend of the best plan so far."""

    elapsed: float
    stage: str  # a measure name, or "score" in weighted mode
    stage_number: int
    stages: int
    value: float | None
    bound: float | None
    weekly_spend: float | None = None
    last_stage_number: int | None = None  # when one solve minimises several measures together

    def describe(self) -> str:
        """One plain-English line: 'Priority 2 of 7, brothers and sisters apart: 30 separations (best
        possible ≥ 24) · weekly spend £418,200/week · 35 s'. A score is never shown as money."""
        if self.stage == "score":
            head = f"Weighted score {_plain(self.value)}"
            if self.bound is not None and self.value is not None:
                gap = max(0.0, self.value - self.bound) / max(1.0, abs(self.value))
                head += f" (at most {gap:.2%} above the best possible)"
        else:
            measure = MEASURES[self.stage]
            numbers = (f"{self.stage_number}" if (self.last_stage_number or self.stage_number) == self.stage_number
                       else f"{self.stage_number}–{self.last_stage_number}")
            head = f"Priority {numbers} of {self.stages}, {measure.label.lower()}: {measure.format(self.value)}"
            if self.bound is not None:
                head += f" (best possible ≥ {measure.format(max(0.0, self.bound))})"
        spend = ("" if self.weekly_spend is None
                 else f" · weekly spend {MEASURES['weekly_spend'].format(self.weekly_spend)}")
        return f"{head}{spend} · {self.elapsed:.0f} s"


def _plain(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"
