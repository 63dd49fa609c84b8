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

from rcc.check import Check, verify
from rcc.data.atomic import atomic_write, atomic_write_text
from rcc.explain import Explainer
from rcc.kpis import compute_kpis
from rcc.model import Instance, Weights
from rcc.result import Result
from rcc.store.runs import RunRecord


@dataclass(frozen=True)
class CheckedSolve:
    """A result together with its independent check, explanations and KPIs: what users see."""

    instance: Instance
    weights: Weights
    result: Result
    check: Check
    explainer: Explainer
    kpis: dict


def checked(instance: Instance, weights: Weights, result: Result, pairs: pd.DataFrame) -> CheckedSolve:
    """Verify ``result`` (raises ``CheckFailed`` loudly on any disagreement) and explain it."""
    check = verify(result, instance, weights)
    explainer = Explainer(instance, weights, pairs, result.assignment, check)
    return CheckedSolve(instance, weights, result, check, explainer, compute_kpis(instance, result.assignment, check))


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


def summary(solve: CheckedSolve, hashes: dict[str, str] | None = None) -> dict:
    result, check = solve.result, solve.check
    return {
        "status": result.status.value,
        "objective": _finite(check.objective),
        "bound": _finite(result.bound),
        "gap": _finite(result.gap),
        "terms": dict(check.terms),
        "placed": check.placed,
        "unplaced": check.unplaced,
        "siblings_split": check.siblings_split,
        "runtime_s": round(result.runtime_s, 3),
        "solver": result.solver,
        "seed": result.seed,
        "message": result.message,
        "solver_stats": dict(result.stats),  # pairs, and after pruning; the LP's bound and seconds
        "weights": dataclasses.asdict(solve.weights),
        "kpis": solve.kpis,
        "inputs": hashes or {},
    }


def write_outputs(solve: CheckedSolve, out: str | os.PathLike, hashes: dict[str, str] | None = None) -> Path:
    out = Path(out)
    table = assignments_table(solve)
    atomic_write(out / "assignments.csv", lambda tmp: table.to_csv(tmp, index=False))
    atomic_write_text(out / "summary.json", json.dumps(summary(solve, hashes), indent=2) + "\n")
    return out


def run_record(solve: CheckedSolve, hashes: dict[str, str], parameters: dict) -> RunRecord:
    """The run-history record of a checked solve: the summary's figures and every child's match."""
    facts = json.loads(json.dumps(summary(solve, hashes), default=float))  # plain JSON types only
    return RunRecord(
        kind="solve", instance=solve.instance.name, inputs=hashes,
        parameters={"weights": facts["weights"], "solver": solve.result.solver, **parameters},
        status=facts["status"], runtime_s=facts["runtime_s"], objective=facts["objective"],
        bound=facts["bound"], gap=facts["gap"], kpis=facts["kpis"], message=facts["message"],
        assignments=[(c.child_id, solve.result.assignment.get(c.child_id), solve.check.km.get(c.child_id),
                      solve.check.charged.get(c.child_id)) for c in solve.instance.children],
    )
