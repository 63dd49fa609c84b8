"""Session state and caches shared by the pages: the loaded instance, solves and saved scenarios.

Instances are immutable, so one cached object can be shared safely between reruns and users.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from rcc.app.imports import ImportOutcome
from rcc.data import read_instance
from rcc.imports.status_quo import actual_measures
from rcc.model import Instance, Weights
from rcc.outputs import CheckedSolve, instance_hash, run_record
from rcc.priorities import MEASURES, Objective
from rcc.result import ProgressUpdate
from rcc.service import CheckedFrontier, frontier_checked, greedy_checked, solve_checked
from rcc.solver.candidates import candidate_pairs
from rcc.solver.params import SolveParams
from rcc.store import RunRecord, RunStore

T = TypeVar("T")
DEFAULT_INSTANCE = Path(__file__).resolve().parents[2] / "fixtures" / "greater-manchester"


@dataclass
class Scenario:
    """A named what-if: its inputs, weights and checked results (with the status quo beside it)."""

    name: str
    instance: Instance
    weights: Weights
    solved: CheckedSolve
    greedy: CheckedSolve | None = None
    notes: dict = field(default_factory=dict)


@st.cache_resource(show_spinner="Reading the bundled region…")
def bundled_instance(path: str = str(DEFAULT_INSTANCE)) -> Instance:
    return read_instance(path)


@st.cache_resource(show_spinner="Finding every feasible child–home pair…", max_entries=16,
                   hash_funcs={Instance: hash, Weights: hash})
def pairs_for(instance: Instance, weights: Weights) -> pd.DataFrame:
    return candidate_pairs(instance, weights)


def instance() -> Instance | None:
    return st.session_state.get("instance")


def set_instance(value: Instance, label: str) -> None:
    """A new instance invalidates every solve made for the previous one."""
    st.session_state["instance"] = value
    st.session_state["instance_label"] = label
    for key in ("solved", "greedy", "pins", "solve_failed", "frontier", "scenario_result", "block_result",
                "status_quo", "data_import"):
        st.session_state.pop(key, None)


@dataclass(frozen=True)
class StatusQuo:
    """Where the loaded children live today, from the SSDA903 they were imported from.

    ``summary`` is the importer's ``status_quo_summary``; ``table`` has one row per child (no personal data).
    """

    summary: dict
    table: pd.DataFrame


def set_status_quo(summary: dict, table: pd.DataFrame) -> None:
    """Keep today's placements beside the instance just loaded; loading another instance drops them."""
    st.session_state["status_quo"] = StatusQuo(summary, table)


def status_quo() -> StatusQuo | None:
    return st.session_state.get("status_quo")


def set_data_import(outcome: ImportOutcome) -> None:
    """Keep the last SSDA903 + Ofsted import, so its report and files survive reruns until another load."""
    st.session_state["data_import"] = outcome


def data_import() -> ImportOutcome | None:
    return st.session_state.get("data_import")


def weights() -> Weights:
    return st.session_state.get("weights", Weights())


def objective() -> Objective:
    """The objective and guards set on the Solve page (priorities by default), which the Trade-offs and
    scenario pages use too."""
    return st.session_state.get("objective", Objective())


def keep_settings(chosen: Objective, w: Weights) -> None:
    """Keep valid Solve-page settings at once, so other pages use them and the page shows them again."""
    st.session_state["objective"], st.session_state["weights"] = chosen, w


def actual_for(inst: Instance) -> dict[str, float] | None:
    """Today's far-from-home and outside-authority counts from the SSDA903 import, for the "no worse than
    today" guards; only for the imported children (a what-if that changes the children has no today)."""
    today, loaded = status_quo(), instance()
    if today is None or loaded is None or inst.children != loaded.children:
        return None
    return actual_measures(today.table)


def current_solve() -> tuple[CheckedSolve | None, CheckedSolve | None]:
    """(optimised, status quo) of the last solve; says where to go when there is none yet."""
    solved, greedy = st.session_state.get("solved"), st.session_state.get("greedy")
    if solved is None:
        st.info("Nothing solved yet: go to Solve.")
    return solved, greedy


def use_plan(solved: CheckedSolve, greedy: CheckedSolve, pins: Mapping[str, str | None] | None = None) -> None:
    """Make ``solved`` the current plan for Results, Map and Export, with the pins it was solved with."""
    st.session_state["solved"], st.session_state["greedy"] = solved, greedy
    st.session_state["pins"] = dict(pins or {})
    st.session_state.pop("solve_failed", None)


def ensure_loaded() -> Instance:
    if instance() is None:
        set_instance(bundled_instance(), "Greater Manchester (bundled)")
    return instance()


def _store(records: list[RunRecord], what: str) -> None:
    """Keep records in the run history; a store that cannot be reached is a warning, not a crash."""
    try:
        store = RunStore()
        run_ids = [store.record(r) for r in records]
    except SQLAlchemyError as exc:
        st.warning(f"{what}, but the run history could not record it ({type(exc).__name__}).")
        return
    st.caption(f"Recorded as run{'s' if len(run_ids) > 1 else ''} {', '.join(map(str, run_ids))} in the run history.")


def record(solved: CheckedSolve, parameters: dict) -> None:
    """Keep an app solve (with or without a plan) in the run history."""
    _store([run_record(solved, instance_hash(solved.instance), {"source": "app", **parameters})], "Solved")


def record_scenario_run(kind: str, inst: Instance, parameters: dict, headline: dict, results,
                        runtime_s: float) -> None:
    """Keep an app evaluation, optimisation or sweep in the run history (a warning if it cannot be)."""
    _store([RunRecord(kind=kind, instance=inst.name, inputs=instance_hash(inst),
                      parameters={"source": "app", **parameters}, status="done", runtime_s=runtime_s, kpis=headline,
                      results=results)], f"The {kind} ran")


def _with_bar(work: Callable[[], T], poll: Callable[[], tuple[float, str] | None], start: str) -> T:
    """``work`` in a worker thread while a progress bar shows what ``poll`` reports. Streamlit calls may
    only come from the script's thread, so the worker only stores what it has to report."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = work()
        except Exception as exc:  # re-raised below, in the script's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    bar = st.progress(0.0, text=start)
    worker.start()
    while worker.is_alive():
        shown = poll()
        if shown:
            bar.progress(min(1.0, shown[0]), text=shown[1])
        time.sleep(0.2)
    worker.join()
    bar.empty()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def solve_with_progress(inst: Instance, w: Weights, time_limit: float, pins=None,
                        chosen: Objective | None = None) -> tuple[CheckedSolve, CheckedSolve]:
    """A checked solve under ``chosen`` (the Solve page's objective unless given) with a progress bar
    saying, in plain words, which priority is being worked on; then the status quo beside it."""
    latest: list[ProgressUpdate] = []
    pairs, chosen, actual = pairs_for(inst, w), chosen or objective(), actual_for(inst)  # session state: read here
    solved = _with_bar(
        lambda: solve_checked(inst, w, SolveParams(time_limit=time_limit), pins=pins, progress=latest.append,
                              pairs=pairs, objective=chosen, actual=actual),
        lambda: (latest[-1].elapsed / time_limit, latest[-1].describe()) if latest else None, "Solving…")
    return solved, greedy_checked(inst, w, pairs)


@dataclass(frozen=True)
class FrontierRun:
    """A trade-off frontier found on the Trade-offs page, with the status quo to compare its points with."""

    instance: Instance
    found: CheckedFrontier
    greedy: CheckedSolve
    time_limit: float


def frontier_with_progress(inst: Instance, w: Weights, chosen: Objective, x: str, y: str, points: int,
                           time_limit: float) -> FrontierRun:
    """The frontier between ``x`` and ``y`` in a worker thread, the bar moving on as each point is found."""
    found: list[tuple[int, int, CheckedSolve]] = []
    started = time.perf_counter()
    pairs, actual = pairs_for(inst, w), actual_for(inst)  # session state can only be read in this thread

    def poll() -> tuple[float, str]:
        elapsed = f"{time.perf_counter() - started:.0f} s"
        if not found:
            return 0.0, f"Finding the first point · {elapsed}"
        done, planned, point = found[-1]
        m = point.check.measures
        return done / planned, (f"Point {done} of {planned}: {MEASURES[y].label.lower()} {MEASURES[y].format(m[y])}, "
                                f"{MEASURES[x].label.lower()} {MEASURES[x].format(m[x])} · {elapsed}")

    frontier = _with_bar(
        lambda: frontier_checked(inst, x, y, w, chosen, SolveParams(time_limit=time_limit), points,
                                 lambda done, planned, point: found.append((done, planned, point)), pairs, actual),
        poll, "Finding the first point…")
    return FrontierRun(inst, frontier, greedy_checked(inst, w, pairs), time_limit)


def record_frontier(run: FrontierRun) -> None:
    """Keep every point of a frontier in the run history, as ``rcc frontier`` does."""
    hashes = instance_hash(run.instance)
    found = run.found
    _store([run_record(point, hashes, {"source": "app", "kind": "frontier", "x": found.x, "y": found.y, "point": k,
                                       "time_limit": run.time_limit})
            for k, point in enumerate(found.points, start=1)], "The trade-off was found")
