"""One-call workflows shared by the CLI and the app: solve, re-check, explain, compare, reopen.

Everything a page shows comes through here, so it has passed the independent checker. The app imports
nothing from ``rcc.solver``: what it needs of it (candidate pairs, solver settings, the status quo's
source names, guards in words) is re-exported here.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from rcc.data.problems import InvalidInstance, Problem
from rcc.data.read import read_text_table, validate_tables
from rcc.data.write import instance_tables
from rcc.model import Instance, Weights
from rcc.outputs import CheckedSolve, checked
from rcc.priorities import MEASURES, Objective, from_settings
from rcc.result import Guard, ProgressUpdate, Result, Stage, Status
from rcc.solver import cpsat
from rcc.solver.candidates import candidate_pairs
from rcc.solver.frontier import frontier, trade_off
from rcc.solver.greedy import solve_greedy
from rcc.solver.guards import GREEDY, TODAY, describe_guard
from rcc.solver.kinship import with_kinship
from rcc.solver.params import SolveParams
from rcc.solver.plan import solve_plan

__all__ = ["GREEDY", "TODAY", "CheckedFrontier", "SolveParams", "candidate_pairs", "describe_guard",
           "frontier_checked", "greedy_checked", "instance_files", "instance_from_files", "kpi_comparison",
           "recorded_objective", "reopen_checked", "solve_checked", "status_quo"]

KPI_LABELS = {
    "placed_pct": "Placed %",
    "within_20_miles_pct": "Within 20 miles %",
    "siblings_together_pct": "Sibling groups together %",
    "own_la_pct": "In own authority %",
    "mean_km": "Mean distance (km)",
    "block_booked_used": "Block-booked beds used",
    "groups_apart": "Sibling groups apart",
    "needed_today_placed_pct": "Needed today: placed %",
    "preferred_setting_pct": "In preferred setting %",
}
SCORE_LABEL = "Weighted score (not money)"


def solve_checked(instance: Instance, weights: Weights | None = None, params: SolveParams | None = None,
                  pins: Mapping[str, str | None] | None = None,
                  progress: Callable[[ProgressUpdate], None] | None = None, pairs: pd.DataFrame | None = None,
                  objective: Objective | None = None, actual: Mapping[str, float] | None = None,
                  hint: str | None = None) -> CheckedSolve:
    """A plan under ``objective`` (priorities by default), then the independent check, explanations,
    KPIs and the status quo's measures beside it. ``hint="greedy"`` warm-starts the weighted score.
    Children with a family or friends carer who may take them are pinned there (:mod:`rcc.solver.kinship`)
    in the plan and in the status quo alike; ``pins`` set by hand win for their child."""
    weights = weights or Weights()
    objective = objective or Objective()
    pairs = candidate_pairs(instance, weights) if pairs is None else pairs
    if hint:
        result = cpsat.solve(instance, weights, params, hint=hint, pins=with_kinship(instance, pairs, pins) or None,
                             progress=progress, pairs=pairs)
    else:
        result = solve_plan(instance, weights, objective, params, pins=pins, progress=progress, pairs=pairs,
                            actual=actual)
    today = greedy_checked(instance, weights, pairs)
    return checked(instance, weights, result, pairs, status_quo(today, actual), objective)


def greedy_checked(instance: Instance, weights: Weights | None = None,
                   pairs: pd.DataFrame | None = None) -> CheckedSolve:
    """The status quo, checked the same way, to show beside the optimised plan."""
    weights = weights or Weights()
    pairs = candidate_pairs(instance, weights) if pairs is None else pairs
    return checked(instance, weights, solve_greedy(instance, weights, pairs), pairs)


def status_quo(greedy: CheckedSolve, actual: Mapping[str, float] | None = None) -> dict[str, dict]:
    """The status quo's measures (the checked greedy plan's, today's where an SSDA903 import records
    them) and where each came from."""
    measures = dict(greedy.check.measures) | dict(actual or {})
    return {"measures": measures, "sources": {m: TODAY if m in (actual or {}) else GREEDY for m in measures}}


def kpi_comparison(solves: Mapping[str, CheckedSolve], as_text: bool = False) -> pd.DataFrame:
    """The measures and KPIs side by side: one row each, one column per named solve, plus the weighted
    score (labelled as a score, never money) and status.

    ``as_text`` formats every cell for display (a table mixing numbers and a status word cannot be
    shown as typed columns).
    """
    rows = {measure.label + f" ({measure.unit})": {name: s.check.measures[key] for name, s in solves.items()}
            for key, measure in MEASURES.items()}
    rows |= {label: {name: s.kpis[key] for name, s in solves.items()} for key, label in KPI_LABELS.items()}
    rows[SCORE_LABEL] = {name: s.check.objective for name, s in solves.items()}
    rows["Status"] = {name: s.result.status.value for name, s in solves.items()}
    table = pd.DataFrame(rows).T
    if as_text:
        table = table.map(lambda v: "—" if v is None else f"{v:,.1f}" if isinstance(v, float) else str(v))
    return table


@dataclass(frozen=True)
class CheckedFrontier:
    """The trade-off frontier between ``x`` and ``y``, every point checked independently."""

    x: str
    y: str
    points: tuple[CheckedSolve, ...]
    dropped: int
    message: str = ""

    def table(self) -> pd.DataFrame:
        """One row per point, from the ``y`` end to the ``x`` end: its two coordinates, every measure,
        its status, and in words what the step from the point before trades."""
        rows = []
        for k, point in enumerate(self.points):
            previous = self.points[k - 1] if k else None
            rows.append({"point": k + 1, **{m: point.check.measures[m] for m in MEASURES},
                         "status": point.result.status.value, "plan": point.result.message,
                         "trade_off": trade_off(previous.result, point.result, self.x, self.y) if previous else ""})
        return pd.DataFrame(rows)


def frontier_checked(instance: Instance, x: str, y: str, weights: Weights | None = None,
                     objective: Objective | None = None, params: SolveParams | None = None, points: int = 7,
                     on_point: Callable[[int, int, CheckedSolve], None] | None = None,
                     pairs: pd.DataFrame | None = None, actual: Mapping[str, float] | None = None) -> CheckedFrontier:
    """The frontier (:func:`rcc.solver.frontier.frontier`), each point checked as it comes."""
    weights = weights or Weights()
    objective = objective or Objective()
    pairs = candidate_pairs(instance, weights) if pairs is None else pairs
    today = status_quo(greedy_checked(instance, weights, pairs), actual)

    done_points: dict[int, CheckedSolve] = {}

    def report(done: int, planned: int, result) -> None:
        done_points[id(result)] = checked(instance, weights, result, pairs, today, objective)
        if on_point:
            on_point(done, planned, done_points[id(result)])

    found = frontier(instance, x, y, weights, objective, params, points, report, pairs, actual,
                     pins=with_kinship(instance, pairs) or None)
    return CheckedFrontier(x, y, tuple(done_points[id(r)] for r in found.points), found.dropped, found.message)


def instance_files(instance: Instance) -> dict[str, str]:
    """The instance as the contract's CSV files (name → text), to keep with a run so it can be reopened."""
    return {f"{name}.csv": table.to_csv(index=False) for name, table in instance_tables(instance).items()}


def instance_from_files(files: Mapping[str, str], name: str) -> Instance:
    """An instance read back from :func:`instance_files`, validated like any upload; raises
    :class:`InvalidInstance` naming every problem (a kept copy is data from outside like any other)."""
    problems: list[Problem] = []
    raw = {}
    for label, text in files.items():
        frame = read_text_table(io.StringIO(text), label, problems)
        if frame is not None:
            raw[label.removesuffix(".csv")] = (label, frame)
    report = validate_tables(raw, name=name, problems=problems)
    if not report.ok:
        raise InvalidInstance(report.problems)
    return report.instance


def recorded_objective(parameters: Mapping) -> Objective:
    """The objective a run was solved under, from its recorded parameters (priorities by default)."""
    order = parameters.get("priorities") or []
    return from_settings({
        "objective": parameters.get("objective_mode", "priorities"),
        "priorities": {"order": [p["measure"] for p in order],
                       "tolerance": {p["measure"]: p["tolerance"] for p in order}} if order else {},
        "guards": parameters.get("guards") or {},
    })


def reopen_checked(instance: Instance, run: Mapping, pairs: pd.DataFrame | None = None) -> CheckedSolve:
    """A recorded solve (``RunStore.run``) made a plan again: its assignment, stages and guards on
    ``instance``, re-checked from scratch (``CheckFailed`` if it no longer passes). The recorded score is
    not carried over: the checker recomputes every figure."""
    parameters, results = run["parameters"], run["results"] or {}
    weights = Weights(**parameters.get("weights", {}))
    objective = recorded_objective(parameters)
    assignments = run["assignments"]
    assignment = {c: (h if isinstance(h, str) and h else None)
                  for c, h in zip(assignments["child_id"], assignments["home_id"], strict=True)}
    result = Result(
        status=Status(run["status"]), solver=parameters.get("solver", "recorded"), assignment=assignment,
        runtime_s=run["runtime_s"] or 0.0, message=run["message"] or "", mode=objective.mode,
        stages=tuple(Stage(**stage) for stage in results.get("stages") or ()),
        guards=tuple(Guard(g["measure"], g["cap"], g["source"], small_provider_homes=g.get("small_provider_homes"))
                     for g in results.get("guards") or ()))
    pairs = candidate_pairs(instance, weights) if pairs is None else pairs
    return checked(instance, weights, result, pairs, results.get("status_quo"), objective)
