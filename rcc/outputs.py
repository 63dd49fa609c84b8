"""A checked solve written as the contract's outputs: ``assignments.csv`` and ``summary.json``.

Nothing is written before the result has passed the independent checker; each file is written
to a temporary file and renamed, so a crash never leaves half an output.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from rcc.beyond_region import beyond_region
from rcc.check import Check, verify
from rcc.data.atomic import atomic_write_text
from rcc.data.safe_cells import write_csv
from rcc.explain import Explainer
from rcc.kpis import compute_kpis, kpis_by_la
from rcc.market import MARKET_GUARDS, SMALL_PROVIDER_HOMES, guard_standing, has_market, market_summary
from rcc.model import Instance, Weights
from rcc.priorities import MEASURES, Objective
from rcc.result import Result
from rcc.solver.guards import describe_guard
from rcc.store.runs import RunRecord


@dataclass(frozen=True)
class CheckedSolve:
    """A result together with its independent check, explanations and KPIs: what users see.

    ``status_quo`` holds the status quo's measures and where each came from (see
    :func:`rcc.service.status_quo`), when the solve was compared with it.
    """

    instance: Instance
    weights: Weights
    result: Result
    check: Check
    explainer: Explainer
    kpis: dict
    status_quo: dict | None = None
    objective: Objective | None = None

    def headline(self) -> str:
        """One line a planner reads first: children placed, the measures, real money, then the score."""
        m, k = self.check.measures, self.kpis
        return (f"{k['placed']}/{k['children']} placed; {m['siblings_apart']:.0f} sibling separation(s) "
                f"({k['groups_apart']} group(s) apart); {m['far_from_home']:.0f} more than 20 miles away; "
                f"{m['outside_own_la']:.0f} outside their authority; weekly spend "
                f"{MEASURES['weekly_spend'].format(m['weekly_spend'])}; weighted score {self.check.objective:,.0f} "
                "(not money)")


def checked(instance: Instance, weights: Weights, result: Result, pairs: pd.DataFrame,
            status_quo: dict | None = None, objective: Objective | None = None) -> CheckedSolve:
    """Verify ``result`` (raises ``CheckFailed`` loudly on any disagreement, a broken guard included)
    and explain it."""
    check = verify(result, instance, weights)
    explainer = Explainer(instance, weights, pairs, result.assignment, check, result.mode)
    return CheckedSolve(instance, weights, result, check, explainer, compute_kpis(instance, result.assignment, check),
                        status_quo, objective)


def input_hashes(folder: str | os.PathLike) -> dict[str, str]:
    """sha256 of each input file, so a run can be tied to exactly the data it saw."""
    folder = Path(folder)
    files = [folder] if folder.is_file() else sorted(p for p in folder.iterdir() if p.is_file())
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files
            if p.suffix.lower() in (".csv", ".parquet", ".xlsx", ".xls")}


def instance_hash(instance: Instance) -> dict[str, str]:
    """sha256 of an in-memory instance (an upload or a what-if), for runs that have no input files."""

    def plain(item) -> dict:
        return {k: sorted(v) if isinstance(v, frozenset) else v for k, v in dataclasses.asdict(item).items()}

    content = {
        "children": [plain(c) for c in instance.children], "homes": [plain(h) for h in instance.homes],
        "separations": sorted(instance.separations),
        "travel": sorted((c, h, km) for (c, h), km in instance.travel.items()),
    }
    return {"instance": hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()}


ASSIGNMENT_COLUMNS = ("child_id", "home_id", "km", "weekly_cost", "reason")


def assignments_table(solve: CheckedSolve) -> pd.DataFrame:
    reasons = solve.explainer.table().set_index("child_id")["reason"]
    return pd.DataFrame({
        "child_id": c.child_id,
        "home_id": solve.result.assignment.get(c.child_id) or "",
        "km": round(solve.check.km[c.child_id], 3) if c.child_id in solve.check.km else "",
        "weekly_cost": solve.check.charged.get(c.child_id, ""),
        "reason": reasons[c.child_id],
    } for c in solve.instance.children)


def _finite(value):
    return None if value is None or (isinstance(value, float) and not math.isfinite(value)) else value


UNITS = {
    "objective": "weighted score of the plan (the v1 objective's terms added up): a score, not money",
    "weekly_spend": "GBP per week: what the authorities pay (block-booked beds are already paid for)",
    "km": "kilometres",
}


def summary(solve: CheckedSolve, hashes: dict[str, str] | None = None) -> dict:
    """``summary.json``: the contract's fields, the measures (v1.1) with the stages that minimised and
    proved them, the guards, the status quo's measures beside, and every member authority's measures."""
    result, check = solve.result, solve.check
    has_plan = result.has_plan
    return {
        "status": result.status.value,
        "objective_mode": result.mode,
        "message": result.message,
        "measures": dict(check.measures) if has_plan else None,
        "weekly_spend": check.measures["weekly_spend"] if has_plan else None,
        "units": UNITS,
        "priorities": (solve.objective.priorities.describe()
                       if solve.objective and result.mode == "priorities" else None),
        "stages": [dataclasses.asdict(stage) for stage in result.stages],
        "found_by": result.found_by,
        "proved_by": result.proved_by,
        "guards": [_guard(guard, solve, has_plan) for guard in result.guards],
        "status_quo": solve.status_quo,
        "objective": _finite(check.objective) if has_plan else None,
        "bound": _finite(result.bound),
        "gap": _finite(result.gap),
        "terms": dict(check.terms) if has_plan else None,
        "placed": check.placed,
        "unplaced": check.unplaced,
        "siblings_split": check.groups_apart,  # sibling groups apart: split over homes, or some unplaced
        "runtime_s": round(result.runtime_s, 3),
        "solver": result.solver,
        "seed": result.seed,
        "solver_stats": dict(result.stats),  # pairs, and after pruning; the LP's bound and seconds
        "weights": dataclasses.asdict(solve.weights),
        "kpis": solve.kpis,
        "by_authority": _records(kpis_by_la(solve.instance, result.assignment, check)) if has_plan else [],
        "inputs": hashes or {},
        "beyond_region": beyond_region(solve.instance, solve.explainer.pairs).summary(),
        **_market(solve),
    }


def _guard(guard, solve: CheckedSolve, has_plan: bool) -> dict:
    value = solve.check.measures.get(guard.measure) if has_plan else None
    if has_plan and guard.measure in MARKET_GUARDS:
        value = guard_standing(solve.instance, solve.result.assignment, solve.check, guard)[0]
    market = {"small_provider_homes": guard.small_provider_homes} if guard.small_provider_homes else {}
    return {"measure": guard.measure, "cap": guard.cap, "source": guard.source, "says": describe_guard(guard),
            "value": value, "least_without_it": guard.least, "least_proven": guard.least_proven, **market}


def _market(solve: CheckedSolve) -> dict:
    """The provider-market block, only when the homes record sector or owner."""
    if not (solve.result.has_plan and has_market(solve.instance)):
        return {}
    most_homes = solve.objective.guards.small_provider_homes if solve.objective else SMALL_PROVIDER_HOMES
    return {"market": market_summary(solve.instance, solve.result.assignment, solve.check, most_homes)}


def _records(table: pd.DataFrame) -> list[dict]:
    return json.loads(table.to_json(orient="records"))


def write_outputs(solve: CheckedSolve, out: str | os.PathLike, hashes: dict[str, str] | None = None) -> Path:
    """``assignments.csv``, ``sibling_groups.csv`` (each group together or apart, where each member went
    and why), ``national_commissioning.csv`` (the children no home in the region can meet, and why: see
    :mod:`rcc.beyond_region`; it does not depend on the plan) and ``summary.json``, each atomically.
    Without a plan (the guards cannot all hold) the assignment and sibling tables have their headers only,
    so no earlier run's matches are left to mislead."""
    out = Path(out)
    has_plan = solve.result.has_plan
    table = assignments_table(solve) if has_plan else pd.DataFrame(columns=list(ASSIGNMENT_COLUMNS))
    groups = solve.explainer.sibling_groups()
    groups = groups if has_plan else groups.iloc[:0]
    write_csv(out / "assignments.csv", table)
    write_csv(out / "sibling_groups.csv", groups)
    write_csv(out / "national_commissioning.csv", beyond_region(solve.instance, solve.explainer.pairs).children)
    atomic_write_text(out / "summary.json", json.dumps(summary(solve, hashes), indent=2) + "\n")
    return out


def run_record(solve: CheckedSolve, hashes: dict[str, str], parameters: dict) -> RunRecord:
    """The run-history record of a checked solve: the summary's figures and every child's match."""
    facts = json.loads(json.dumps(summary(solve, hashes), default=float))  # plain JSON types only
    return RunRecord(
        kind="solve", instance=solve.instance.name, inputs=hashes,
        parameters={"weights": facts["weights"], "solver": solve.result.solver, "objective_mode": solve.result.mode,
                    "priorities": facts["priorities"],
                    "guards": dataclasses.asdict(solve.objective.guards) if solve.objective else None, **parameters},
        status=facts["status"], runtime_s=facts["runtime_s"], objective=facts["objective"],
        bound=facts["bound"], gap=facts["gap"], kpis=facts["kpis"], message=facts["message"],
        results={key: facts[key] for key in ("measures", "stages", "guards", "status_quo", "by_authority",
                                             "found_by", "proved_by")},
        assignments=[(c.child_id, solve.result.assignment.get(c.child_id), solve.check.km.get(c.child_id),
                      solve.check.charged.get(c.child_id)) for c in solve.instance.children],
    )
