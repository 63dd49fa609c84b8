"""Measure one benchmark family: every solver in the same run, each result re-checked.

Each family runs in its own process so that its peak memory is its own, a memory cap
(``RLIMIT_AS``) protects the machine, and a wall-clock cap can stop it. The child reports each
stage as it finishes, so a family that runs out of time or memory still leaves a partial row
saying how far it got and why it stopped — an honest "not met", never a missing line.
"""

from __future__ import annotations

import dataclasses
import json
import math
import multiprocessing as mp
import queue
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass

from rcc.bench.manifest import Family
from rcc.check import verify
from rcc.data import read_instance
from rcc.model import Weights
from rcc.result import Result, Status
from rcc.solver.candidates import candidate_pairs
from rcc.solver.cpsat import solve
from rcc.solver.flow import flow_relaxation
from rcc.solver.greedy import solve_greedy
from rcc.solver.highs import solve_highs
from rcc.solver.incumbent import split_groups
from rcc.solver.lexicographic import solve_priorities
from rcc.solver.params import SolveParams
from rcc.solver.pipeline import NEAREST, solve_at_scale
from rcc.solver.pricing import PairSource

OPTIMAL_GAP = 1e-4  # "proven optimal" in the targets: gap ≤ 0.01%, HiGHS's default tolerance


@dataclass(frozen=True)
class Limits:
    """Per-family limits: solver seconds, HiGHS's cap, the family's wall clock and memory."""

    time_limit: float = 60.0
    workers: int = 2
    highs_cap: float = 600.0
    family_cap: float = 3600.0
    memory_gb: float = 20.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _outcomes(prefix: str, instance, result: Result) -> dict:
    """The result, checked: its weighted score, every measure (recomputed by the checker) and how many
    sibling groups it splits (placed members in more than one home)."""
    check = verify(result, instance)
    return {f"{prefix}_objective": result.objective,
            f"{prefix}_groups_split": split_groups(instance, result.assignment),
            **{f"{prefix}_{m}": v for m, v in check.measures.items()}}


def _pruning(result: Result, pairs: int) -> dict:
    """Pairs left after reduced-cost pruning (all of them when the LP stage did not run) and the LP's time."""
    return {"pairs_kept": result.stats.get("pairs_kept", pairs), "lp_s": result.stats.get("lp_s")}


def measure_instance(instance, limits: Limits, emit: Callable[[dict], None]) -> None:
    """Run every stage on one instance, emitting each stage's figures as soon as it has them."""
    emit({"stage": "candidates", "children": len(instance.children), "homes": len(instance.homes),
          "places": sum(h.vacancies for h in instance.homes)})
    started = time.perf_counter()
    pairs = candidate_pairs(instance)
    emit({"stage": "greedy", "pairs": len(pairs), "candidates_s": time.perf_counter() - started,
          "peak_mb": _peak_mb()})

    greedy = solve_greedy(instance, pairs=pairs)
    emit({"stage": "flow relaxation", "greedy_s": greedy.runtime_s, **_outcomes("greedy", instance, greedy)})

    started = time.perf_counter()
    relaxation, _ = flow_relaxation(instance, Weights(), pairs)
    emit({"stage": "cp-sat", "relaxation_bound": relaxation, "relaxation_s": time.perf_counter() - started,
          "peak_mb": _peak_mb()})

    params = SolveParams(time_limit=limits.time_limit, workers=limits.workers)
    exact = solve(instance, params=params, pairs=pairs)
    emit({"stage": "priorities", "status": exact.status.value, "bound": exact.bound, "gap": exact.gap,
          "seconds": exact.runtime_s, "peak_mb": _peak_mb(), **_pruning(exact, len(pairs)),
          "found_by": exact.found_by, "proved_by": exact.proved_by, **_outcomes("rcc", instance, exact)})

    children_first = solve_priorities(instance, params=params, pairs=pairs)
    emit({"stage": "highs", "priorities_status": children_first.status.value,
          "priorities_seconds": children_first.runtime_s,
          "priorities_proven": sum(s.proven for s in children_first.stages), "peak_mb": _peak_mb(),
          **_outcomes("priorities", instance, children_first)})

    target = max(exact.gap or 0.0, OPTIMAL_GAP)
    highs = solve_highs(instance, pairs=pairs, time_limit=limits.highs_cap, relative_gap=target)
    reached = highs.objective is not None and highs.gap is not None and highs.gap <= target + 1e-12
    if highs.objective is not None:
        verify(highs, instance)
    emit({"stage": "done", "highs_target_gap": target, "highs_s": highs.runtime_s, "highs_reached": reached,
          "highs_objective": highs.objective, "highs_gap": highs.gap, "peak_mb": _peak_mb()})


def measure_priced(instance, limits: Limits, emit: Callable[[dict], None]) -> None:
    """An instance too large to store every pair: the status quo over each child's nearest homes, then
    rcc's priced pipeline (its stages' own figures: candidates, LP). Priorities, the flow relaxation
    and HiGHS need every pair, so they do not run; the row says so."""
    emit({"stage": "candidates", "children": len(instance.children), "homes": len(instance.homes),
          "places": sum(h.vacancies for h in instance.homes)})
    started = time.perf_counter()
    near = PairSource(instance, Weights()).cheapest(NEAREST, by_distance=True)
    emit({"stage": "greedy", "peak_mb": _peak_mb()})
    greedy = solve_greedy(instance, pairs=near)
    greedy = dataclasses.replace(greedy, runtime_s=time.perf_counter() - started)
    emit({"stage": "cp-sat", "greedy_s": greedy.runtime_s, **_outcomes("greedy", instance, greedy)})
    params = SolveParams(time_limit=limits.time_limit, workers=limits.workers)
    exact = solve_at_scale(instance, Weights(), params, status_quo=greedy)
    emit({"stage": "done", "status": exact.status.value, "bound": exact.bound, "gap": exact.gap,
          "seconds": exact.runtime_s, "peak_mb": _peak_mb(), "pairs_kept": exact.stats.get("pairs_kept"),
          "lp_s": exact.stats.get("lp_s"), "candidates_s": exact.stats.get("candidates_s"),
          "pairs_priced": exact.stats.get("pairs_priced"), "found_by": exact.found_by, "proved_by": exact.proved_by,
          "note": f"pairs priced, not stored ({exact.stats.get('pairs_priced', 0):,.0f} priced over "
                  f"{exact.stats.get('lp_rounds', 0):.0f} LP rounds"
                  + (f", {exact.stats['regions']:.0f} English regions one by one" if "regions" in exact.stats else "")
                  + f"); the status quo is greedy over each child's {NEAREST} nearest homes; priorities, the "
                    "flow relaxation and HiGHS need every pair and do not run",
          **_outcomes("rcc", instance, exact)})


def _measure_tiny(family: Family, limits: Limits, emit: Callable[[dict], None]) -> None:
    """The rule fixtures as one row: totals, and how many optima equal the hand-computed ones."""
    folders = family.fixture_folders()
    totals = dict.fromkeys(("children", "pairs", "pairs_kept", "seconds", "greedy_objective", "rcc_objective",
                            "bound", "highs_s", "highs_objective"), 0.0)
    optimal = matched = highs_matched = 0
    for folder in folders:
        instance = read_instance(folder)
        expected = json.loads((folder / "expected.json").read_text())["objective"]
        pairs = candidate_pairs(instance)
        exact = solve(instance, params=SolveParams(time_limit=limits.time_limit, workers=limits.workers), pairs=pairs)
        greedy = solve_greedy(instance, pairs=pairs)
        highs = solve_highs(instance, pairs=pairs, time_limit=limits.highs_cap, relative_gap=0.0)
        for result in (exact, greedy, highs):
            verify(result, instance)
        optimal += exact.status is Status.OPTIMAL
        matched += math.isclose(exact.objective, expected, abs_tol=1e-6)
        highs_matched += math.isclose(highs.objective, expected, abs_tol=1e-6)
        for key, value in (("children", len(instance.children)), ("pairs", len(pairs)),
                           ("pairs_kept", _pruning(exact, len(pairs))["pairs_kept"]),
                           ("seconds", exact.runtime_s), ("greedy_objective", greedy.objective),
                           ("rcc_objective", exact.objective), ("bound", exact.bound),
                           ("highs_s", highs.runtime_s), ("highs_objective", highs.objective)):
            totals[key] += value
    n = len(folders)
    emit({"stage": "done", **totals, "children": int(totals["children"]), "pairs": int(totals["pairs"]),
          "pairs_kept": int(totals["pairs_kept"]),
          "status": f"optimal {optimal}/{n}", "gap": 0.0 if optimal == n else None,
          "note": f"{matched}/{n} CP-SAT and {highs_matched}/{n} HiGHS optima equal the hand-computed ones",
          "highs_reached": highs_matched == n, "peak_mb": _peak_mb()})


def measure_family(family: Family, limits: Limits, emit: Callable[[dict], None]) -> None:
    if family.time_limit is not None:
        limits = dataclasses.replace(limits, time_limit=family.time_limit)
    emit({"time_limit": limits.time_limit})
    if family.known_optimum is not None:
        emit({"known_optimum": family.known_optimum})
    if family.kind == "tiny":
        _measure_tiny(family, limits, emit)
        return
    emit({"stage": "building"})
    (instance,) = family.instances()
    (measure_priced if family.priced else measure_instance)(instance, limits, emit)


def _child(family: Family, limits: Limits, messages) -> None:
    """The family's own process: memory-capped, reporting stage by stage, never raising."""
    cap = int(limits.memory_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    try:
        measure_family(family, limits, messages.put)
    except MemoryError:
        messages.put({"error": f"memory cap of {limits.memory_gb:g} GB reached"})
    except Exception as exc:  # a checker failure included: it must show in the table, loudly
        messages.put({"error": f"{type(exc).__name__}: {exc}"})


def run_family(family: Family, limits: Limits, on_stage: Callable[[dict], None] = lambda row: None) -> dict:
    """Measure ``family`` in a fresh process; the row says ``stopped`` (and why) unless it finished."""
    context = mp.get_context("spawn")  # a clean process: no inherited threads or memory
    messages = context.Queue()
    process = context.Process(target=_child, args=(family, limits, messages), daemon=True)
    row: dict = {"family": family.name, "about": family.describe(), "stage": "starting"}
    started = time.perf_counter()
    process.start()
    while row["stage"] != "done" and "error" not in row:
        try:
            row.update(messages.get(timeout=1.0))
            on_stage(row)
        except queue.Empty:
            if not process.is_alive() and messages.empty():
                row["error"] = f"process ended with exit code {process.exitcode} (killed: usually out of memory)"
            elif time.perf_counter() - started > limits.family_cap:
                process.kill()
                row["error"] = f"stopped at the family's {limits.family_cap:g} s wall-clock cap"
    process.join(timeout=30)
    if "error" in row:
        row["stopped"] = f"{row.pop('error')} during {row['stage']}"
    row["wall_s"] = time.perf_counter() - started
    return row
