"""Session state and caches shared by the pages: the loaded instance, solves and saved scenarios.

Instances are immutable, so one cached object can be shared safely between reruns and users.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from rcc.app.imports import ImportOutcome
from rcc.data import read_instance
from rcc.model import Instance, Weights
from rcc.outputs import CheckedSolve, instance_hash, run_record
from rcc.service import greedy_checked, solve_checked
from rcc.solver.candidates import candidate_pairs
from rcc.solver.params import SolveParams
from rcc.store import RunRecord, RunStore

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
    for key in ("solved", "greedy", "pins", "scenario_result", "block_result", "status_quo", "data_import"):
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


def current_solve() -> tuple[CheckedSolve | None, CheckedSolve | None]:
    """(optimised, status quo) of the last solve; says where to go when there is none yet."""
    solved, greedy = st.session_state.get("solved"), st.session_state.get("greedy")
    if solved is None:
        st.info("Nothing solved yet: go to Solve.")
    return solved, greedy


def ensure_loaded() -> Instance:
    if instance() is None:
        set_instance(bundled_instance(), "Greater Manchester (bundled)")
    return instance()


def record(solved: CheckedSolve, parameters: dict) -> None:
    """Keep an app solve in the run history; a store that cannot be reached is a warning, not a crash."""
    try:
        run_id = RunStore().record(run_record(solved, instance_hash(solved.instance), {"source": "app", **parameters}))
    except SQLAlchemyError as exc:
        st.warning(f"Solved, but the run could not be recorded in the run history ({type(exc).__name__}).")
    else:
        st.caption(f"Recorded as run {run_id} in the run history.")


def record_scenario_run(kind: str, inst: Instance, parameters: dict, headline: dict, results,
                        runtime_s: float) -> None:
    """Keep an app evaluation, optimisation or sweep in the run history (a warning if it cannot be)."""
    try:
        run_id = RunStore().record(RunRecord(kind=kind, instance=inst.name, inputs=instance_hash(inst),
                                             parameters={"source": "app", **parameters}, status="done",
                                             runtime_s=runtime_s, kpis=headline,
                                             results=results))
    except SQLAlchemyError as exc:
        st.warning(f"The {kind} could not be recorded in the run history ({type(exc).__name__}).")
    else:
        st.caption(f"Recorded as run {run_id} in the run history.")


def solve_with_progress(inst: Instance, w: Weights, time_limit: float, pins=None) -> tuple[CheckedSolve, CheckedSolve]:
    """CP-SAT in a worker thread while a progress bar shows objective, bound and time; then greedy."""
    latest: dict = {}
    outcome: dict = {}
    pairs = pairs_for(inst, w)

    def run():
        try:
            outcome["solved"] = solve_checked(inst, w, SolveParams(time_limit=time_limit), pins=pins,
                                              progress=lambda o, b, t: latest.update(o=o, b=b, t=t), pairs=pairs)
        except Exception as exc:  # shown to the user below; the app must not crash
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    bar = st.progress(0.0, text="Solving…")
    worker.start()
    while worker.is_alive():
        if latest:
            gap = max(0.0, latest["o"] - latest["b"]) / max(1.0, abs(latest["o"]))
            bar.progress(min(1.0, latest["t"] / time_limit),
                         text=f"{latest['t']:.1f}s · best £{latest['o']:,.0f}/wk · bound £{latest['b']:,.0f} · "
                              f"gap {gap:.2%}")
        time.sleep(0.2)
    worker.join()
    bar.empty()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["solved"], greedy_checked(inst, w, pairs)
