"""The app's state in one typed object, the caches shared by the pages, and the run store behind them.

Everything a session holds lives in one :class:`AppState` under ``st.session_state["app"]`` (widget keys
stay Streamlit's own), so loading another instance can clear every result at once, and no page can
leave a stale one behind. Every solve is recorded in the run store with the instance it was made on,
and the current plan's run ID rides in the URL (``?run=…``): a browser refresh, which starts a new
session, reopens that run from the store, re-checked, and History can reopen any app run the same way.

Instances are immutable, so one cached object can be shared safely between reruns and users.
"""

from __future__ import annotations

import dataclasses
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
from rcc.check import CheckFailed
from rcc.data import InvalidInstance, read_instance
from rcc.imports.status_quo import actual_measures
from rcc.model import Instance, Weights
from rcc.outputs import CheckedSolve, instance_hash, run_record
from rcc.priorities import MEASURES, Objective
from rcc.result import ProgressUpdate, Status
from rcc.service import (
    CheckedFrontier,
    SolveParams,
    candidate_pairs,
    frontier_checked,
    greedy_checked,
    instance_files,
    instance_from_files,
    recorded_objective,
    reopen_checked,
    solve_checked,
)
from rcc.store import RunRecord, RunStore

T = TypeVar("T")
DEFAULT_INSTANCE = Path(__file__).resolve().parents[2] / "fixtures" / "greater-manchester"
BUNDLED = "Greater Manchester (bundled)"
APP_KEY = "app"
RUN_PARAM = "run"
NO_PLAN = (Status.INFEASIBLE.value, Status.ERROR.value)
REMEMBERED = 40  # solves whose run IDs a session remembers (the current plan, frontier points, scenarios)


@dataclass
class Scenario:
    """A named what-if: its inputs, weights and checked results (with the status quo beside it)."""

    name: str
    instance: Instance
    weights: Weights
    solved: CheckedSolve
    greedy: CheckedSolve | None = None
    notes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class StatusQuo:
    """Where the loaded children live today, from the SSDA903 they were imported from.

    ``summary`` is the importer's ``status_quo_summary``; ``table`` has one row per child (no personal data).
    """

    summary: dict
    table: pd.DataFrame


@dataclass(frozen=True)
class FrontierRun:
    """A trade-off frontier found on the Trade-offs page, with the status quo to compare its points with."""

    instance: Instance
    found: CheckedFrontier
    greedy: CheckedSolve
    time_limit: float


@dataclass
class AppState:
    """What one session holds. ``load`` resets every field except ``KEPT_ON_LOAD``: the settings, the
    saved scenarios (they carry their own instance) and which solves were recorded as which run."""

    instance: Instance | None = None
    label: str = ""
    status_quo: StatusQuo | None = None  # today's placements, after an SSDA903 import
    data_import: ImportOutcome | None = None
    objective: Objective = field(default_factory=Objective)
    weights: Weights = field(default_factory=Weights)
    solved: CheckedSolve | None = None  # the current plan
    greedy: CheckedSolve | None = None  # the status quo beside it
    pins: dict[str, str | None] = field(default_factory=dict)
    run_id: int | None = None  # the current plan's run in the store, kept in the URL
    solve_failed: CheckedSolve | None = None  # the last attempt, when it found no plan
    frontier: FrontierRun | None = None
    frontier_clicked: int | None = None  # the chart point last clicked, to tell a new click from an old one
    whatif: tuple[CheckedSolve, CheckedSolve] | None = None  # Sufficiency: (solved, status quo)
    sweep: tuple[str, pd.DataFrame] | None = None  # Sufficiency: (ranked by, ranking)
    block: tuple[list, CheckedSolve] | None = None  # Block-booking: (contracts, solved with them)
    block_evaluation: pd.DataFrame | None = None  # Block-booking: chosen contracts over sampled demand
    block_recommendation: object = None  # Block-booking: the optimiser's recommendation
    open_home: tuple[object, dict] | None = None  # Open a home: (the home, its gains and payback)
    where_to_open: tuple[str, pd.DataFrame] | None = None  # Open a home: (ranked by, ranked districts)
    price_drift: pd.DataFrame | None = None  # Open a home: the block contracts' bills year by year
    scenarios: dict[str, Scenario] | None = None  # saved by name; None until read from the store
    recorded: list[tuple[CheckedSolve, int]] = field(default_factory=list)  # (solve, its run ID)
    pooled: tuple | None = None  # Beyond the region: (the pooled what-if, which of the other region's beds)

    KEPT_ON_LOAD = ("objective", "weights", "scenarios", "recorded")

    def load(self, instance: Instance, label: str) -> None:
        """A new instance invalidates every result made for the previous one: all of them go."""
        fresh = AppState(instance=instance, label=label)
        for f in dataclasses.fields(self):
            if f.name not in self.KEPT_ON_LOAD:
                setattr(self, f.name, getattr(fresh, f.name))

    def remember(self, solved: CheckedSolve, run_id: int) -> None:
        """Note which run ``solved`` was recorded as; only the latest are kept, to bound the memory."""
        self.recorded = [*self.recorded[-(REMEMBERED - 1):], (solved, run_id)]

    def run_id_of(self, solved: CheckedSolve) -> int | None:
        """The run a solve of this session was recorded as (by identity: solves are not hashable)."""
        return next((run_id for s, run_id in self.recorded if s is solved), None)


def app() -> AppState:
    """This session's state. A new session whose URL names a run (a refresh) starts from that run."""
    found = st.session_state.get(APP_KEY)
    if found is None:
        found = st.session_state[APP_KEY] = AppState()
        requested = st.query_params.get(RUN_PARAM)
        if requested:
            _restore(found, requested)
    _keep_url(found)
    return found


def _keep_url(current: AppState) -> None:
    """Keep ``?run=`` naming the current plan's run (page changes drop query parameters)."""
    wanted = None if current.run_id is None else str(current.run_id)
    if st.query_params.get(RUN_PARAM) != wanted:
        if wanted is None:
            del st.query_params[RUN_PARAM]
        else:
            st.query_params[RUN_PARAM] = wanted


def _restore(current: AppState, requested: str) -> None:
    """Reopen the run the URL names, or say plainly why not and start afresh."""
    problem = "is not a run number" if not requested.isdigit() else open_run(int(requested), current)
    if problem:
        st.warning(f"The plan in this page's address (run {requested}) could not be reopened: {problem}. "
                   "Starting afresh.")


@st.cache_resource(show_spinner="Reading the bundled region…")
def bundled_instance(path: str = str(DEFAULT_INSTANCE)) -> Instance:
    return read_instance(path)


@st.cache_resource(show_spinner="Finding every feasible child–home pair…", max_entries=16,
                   hash_funcs={Instance: hash, Weights: hash})
def pairs_for(instance: Instance, weights: Weights) -> pd.DataFrame:
    return candidate_pairs(instance, weights)


def instance() -> Instance | None:
    return app().instance


def set_instance(value: Instance, label: str) -> None:
    """A new instance invalidates every solve made for the previous one."""
    app().load(value, label)


def set_status_quo(summary: dict, table: pd.DataFrame) -> None:
    """Keep today's placements beside the instance just loaded; loading another instance drops them."""
    app().status_quo = StatusQuo(summary, table)


def status_quo() -> StatusQuo | None:
    return app().status_quo


def set_data_import(outcome: ImportOutcome) -> None:
    """Keep the last SSDA903 + Ofsted import, so its report and files survive reruns until another load."""
    app().data_import = outcome


def data_import() -> ImportOutcome | None:
    return app().data_import


def weights() -> Weights:
    return app().weights


def objective() -> Objective:
    """The objective and guards set on the Solve page (priorities by default), which the Trade-offs and
    scenario pages use too."""
    return app().objective


def keep_settings(chosen: Objective, w: Weights) -> None:
    """Keep valid Solve-page settings at once, so other pages use them and the page shows them again."""
    current = app()
    current.objective, current.weights = chosen, w


def actual_for(inst: Instance) -> dict[str, float] | None:
    """Today's far-from-home and outside-authority counts from the SSDA903 import, for the "no worse than
    today" guards; only for the imported children (a what-if that changes the children has no today)."""
    today, loaded = status_quo(), instance()
    if today is None or loaded is None or inst.children != loaded.children:
        return None
    return actual_measures(today.table)


def current_solve() -> tuple[CheckedSolve | None, CheckedSolve | None]:
    """(optimised, status quo) of the current plan; says where to go when there is none yet."""
    current = app()
    if current.solved is None:
        st.info("Nothing solved yet: go to Solve (or open a past run from History).")
    return current.solved, current.greedy


def use_plan(solved: CheckedSolve, greedy: CheckedSolve | None, pins: Mapping[str, str | None] | None = None) -> None:
    """Make ``solved`` the current plan for Results, Map and Export, with the pins it was solved with; its
    run (when recorded) goes into the URL, so a refresh brings it back."""
    current = app()
    current.solved, current.greedy, current.pins = solved, greedy, dict(pins or {})
    current.run_id, current.solve_failed = current.run_id_of(solved), None
    _keep_url(current)


def ensure_loaded() -> Instance:
    current = app()
    if current.instance is None:
        current.load(bundled_instance(), BUNDLED)
    return current.instance


def pins_for(inst: Instance) -> dict[str, str | None]:
    """The current pins that still make sense on ``inst`` (a what-if may drop a child or empty a home),
    saying on the page which are kept and which are not, so none is dropped silently."""
    pins = app().pins
    kept = {c: h for c, h in pins.items() if c in inst.child_by_id
            and (h is None or (h in inst.home_by_id and inst.home_by_id[h].vacancies > 0))}
    if kept:
        st.caption("Your pins are kept: " + ", ".join(f"{c} → {h or 'unplaced'}" for c, h in kept.items()) + ".")
    dropped = [c for c in pins if c not in kept]
    if dropped:
        st.caption(f"Pins left out (the child or the home's vacancy is not in this what-if): {', '.join(dropped)}.")
    return kept


# --- the run store ------------------------------------------------------------------------------


def _store(records: list[RunRecord], what: str, keep: Instance | None = None) -> list[int]:
    """Keep records in the run history (with the instance they were made on, to reopen them); a store
    that cannot be reached is a warning, not a crash."""
    try:
        store = RunStore()
        if keep is not None:
            store.keep_instance(instance_hash(keep)["instance"], keep.name, instance_files(keep))
        run_ids = [store.record(r) for r in records]
    except SQLAlchemyError as exc:
        st.warning(f"{what}, but the run history could not record it ({type(exc).__name__}).")
        return []
    st.caption(f"Recorded as run{'s' if len(run_ids) > 1 else ''} {', '.join(map(str, run_ids))} in the run history.")
    return run_ids


def record(solved: CheckedSolve, parameters: dict) -> int | None:
    """Keep an app solve (with or without a plan) in the run history; its run ID, or ``None``."""
    ids = _store([run_record(solved, instance_hash(solved.instance), {"source": "app", **parameters})], "Solved",
                 solved.instance)
    if not ids:
        return None
    app().remember(solved, ids[0])
    return ids[0]


def record_scenario_run(kind: str, inst: Instance, parameters: dict, headline: dict, results,
                        runtime_s: float) -> None:
    """Keep an app evaluation, optimisation or sweep in the run history (a warning if it cannot be)."""
    _store([RunRecord(kind=kind, instance=inst.name, inputs=instance_hash(inst),
                      parameters={"source": "app", **parameters}, status="done", runtime_s=runtime_s, kpis=headline,
                      results=results)], f"The {kind} ran")


def _reopened(run_id: int) -> tuple[CheckedSolve, dict[str, str | None]] | str:
    """A recorded solve on the instance it was made on, re-checked, with the pins it was solved with;
    or why it cannot be reopened."""
    try:
        store = RunStore()
        run = store.run(run_id)
        if run is None:
            return "there is no such run in the history"
        if not has_plan(run):
            return "only a solve with a plan can be opened"
        kept = store.kept_instance(run["inputs"].get("instance", ""))
    except SQLAlchemyError as exc:
        return f"the run history cannot be read ({type(exc).__name__})"
    if kept is None:
        return "its data was not kept with it (runs from the command line, or from before this version, are not)"
    bundled = bundled_instance()
    try:
        inst = (bundled if instance_hash(bundled) == run["inputs"] else instance_from_files(kept[1], kept[0]))
        weights = Weights(**run["parameters"].get("weights", {}))
        return reopen_checked(inst, run, pairs_for(inst, weights)), dict(run["parameters"].get("pins") or {})
    except InvalidInstance as exc:
        return f"its kept data no longer passes the contract ({exc})"
    except CheckFailed as exc:
        return f"the plan no longer passes the independent check ({exc})"


def has_plan(run: Mapping) -> bool:
    """Whether a recorded run is a solve that found a plan (the only kind that can be opened)."""
    return run["kind"] == "solve" and run["status"] not in NO_PLAN and bool(len(run["assignments"]))


def open_run(run_id: int, current: AppState | None = None) -> str | None:
    """Make a recorded solve the current plan, on its own instance and settings, with its pins; ``None``
    when done, else the reason it could not be."""
    current = current or app()
    found = _reopened(run_id)
    if isinstance(found, str):
        return found
    solved, pins = found
    inst = solved.instance
    current.load(inst, BUNDLED if inst is bundled_instance() else f"{inst.name} (reopened from run {run_id})")
    current.objective = solved.objective or recorded_objective({})
    current.weights = solved.weights
    current.remember(solved, run_id)
    current.solved, current.greedy = solved, greedy_checked(inst, solved.weights, pairs_for(inst, solved.weights))
    current.pins, current.run_id = pins, run_id
    _keep_url(current)
    return None


def saved_scenarios() -> dict[str, Scenario]:
    """The scenarios saved by name, read from the run store once per session (each re-checked)."""
    current = app()
    if current.scenarios is None:
        current.scenarios = {}
        try:
            saved = RunStore().saved_scenarios()
        except SQLAlchemyError as exc:
            st.warning(f"Saved scenarios could not be read from the run history ({type(exc).__name__}).")
            saved = {}
        for name, run_id in saved.items():
            found = _reopened(run_id)
            if isinstance(found, str):
                st.caption(f"Saved scenario '{name}' (run {run_id}) could not be reopened: {found}.")
                continue
            solved = found[0]
            current.scenarios[name] = Scenario(name, solved.instance, solved.weights, solved)
            current.remember(solved, run_id)
    return current.scenarios


def save_scenario(name: str, solved: CheckedSolve) -> None:
    """Save ``solved`` under ``name`` for this session and, through its run, for later sessions."""
    scenarios = saved_scenarios()
    scenarios[name] = Scenario(name, solved.instance, solved.weights, solved)
    run_id = app().run_id_of(solved) or record(solved, {"purpose": "saved scenario"})
    if run_id is None:
        return
    try:
        RunStore().save_scenario(name, run_id)
    except SQLAlchemyError as exc:
        st.warning(f"'{name}' is saved for this session only: the run history could not keep it "
                   f"({type(exc).__name__}).")


# --- long solves with a progress bar ------------------------------------------------------------


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
                        chosen: Objective | None = None, purpose: str = "solve") -> tuple[CheckedSolve, CheckedSolve]:
    """A checked solve under ``chosen`` (the Solve page's objective unless given) with a progress bar
    saying, in plain words, which priority is being worked on; then the status quo beside it. Every
    solve is recorded, with its pins and ``purpose`` (a pin, a what-if, an evaluation, …)."""
    latest: list[ProgressUpdate] = []
    pairs, chosen, actual = pairs_for(inst, w), chosen or objective(), actual_for(inst)  # session state: read here
    solved = _with_bar(
        lambda: solve_checked(inst, w, SolveParams(time_limit=time_limit), pins=pins, progress=latest.append,
                              pairs=pairs, objective=chosen, actual=actual),
        lambda: (latest[-1].elapsed / time_limit, latest[-1].describe()) if latest else None, "Solving…")
    record(solved, {"purpose": purpose, "time_limit": time_limit, "pins": dict(pins or {})})
    return solved, greedy_checked(inst, w, pairs)


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
    """Keep every point of a frontier in the run history, as ``rcc frontier`` does (each can be reopened)."""
    hashes = instance_hash(run.instance)
    found = run.found
    ids = _store([run_record(point, hashes, {"source": "app", "kind": "frontier", "x": found.x, "y": found.y,
                                             "point": k, "time_limit": run.time_limit})
                  for k, point in enumerate(found.points, start=1)], "The trade-off was found", run.instance)
    for point, run_id in zip(found.points, ids, strict=False):
        app().remember(point, run_id)
