"""The demand-scenario settings shared by the sweep and block-booking optimiser pages."""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from rcc.app import state
from rcc.app.imports import entries_referrals
from rcc.model import Instance, Weights
from rcc.scenarios.demand import DemandProfile
from rcc.scenarios.evaluate import Policy, Setup


def _referrals(inst: Instance, key: str) -> tuple[Instance, float | None, str]:
    """Whose referrals scenarios resample: the waiting children, or — after an SSDA903 import — the
    entries to care it found, which cover a known number of weeks."""
    imported = state.data_import()
    entries = entries_referrals(imported) if imported is not None else None
    if entries is None:
        return inst, None, "waiting children"
    weeks = float(imported.ssda903.summary["entries_weeks"])
    captions = [f"{len(inst.children):,} children", f"{len(entries.children):,} entries in {weeks:g} weeks"]
    choice = st.radio("Referrals sampled from", ["waiting children", "SSDA903 entries to care"], horizontal=True,
                      key=f"{key}_demand", captions=captions)
    return (entries, weeks, choice) if choice.startswith("SSDA903") else (inst, None, choice)


def scenario_setup(inst: Instance, weights: Weights, key: str) -> tuple[Setup, int, dict]:
    """(setup, dask workers, parameters to record) from a row of widgets; scenarios are placed under the
    Solve page's objective (its "no worse than today" guard against each scenario's own status quo)."""
    referrals, known_weeks, demand = _referrals(inst, key)
    cols = st.columns(5)
    observed = known_weeks or cols[0].number_input("Weeks of referrals the data covers", 1.0, 104.0, 12.0, 1.0,
                                                   key=f"{key}_obs")
    if known_weeks:
        cols[0].metric("Weeks of referrals", f"{known_weeks:g}")
    horizon = cols[1].number_input("Horizon (weeks)", 1.0, 52.0, 4.0, 1.0, key=f"{key}_hor")
    policy = cols[2].selectbox("Placement policy", ["cpsat", "greedy"], key=f"{key}_pol",
                               format_func={"cpsat": "rcc (5 s each)", "greedy": "status quo"}.get,
                               help="How each scenario's children are placed: rcc's optimiser under the Solve page's "
                                    "objective, 5 seconds a scenario, or the status quo (one child at a time).")
    seed = cols[3].number_input("Seed", 0, 10**6, 1, key=f"{key}_seed")
    workers = cols[4].number_input("Dask workers (0: in this process)", 0, 8, 2, key=f"{key}_workers")
    objective = state.objective()
    setup = Setup(inst, DemandProfile.from_instance(referrals, observed), weights, horizon, int(seed), Policy(policy),
                  objective)
    parameters = {"demand": demand, "observed_weeks": observed, "horizon_weeks": horizon, "seed": int(seed),
                  "policy": policy, "weights": asdict(weights), "objective_mode": objective.mode,
                  "priorities": objective.priorities.describe(), "status_quo_guard": objective.guards.status_quo}
    return setup, int(workers), parameters


def progress_bar(label: str):
    """A progress bar and the (done, total) callback that moves it."""
    bar = st.progress(0.0, text=label)
    return bar, lambda done, total: bar.progress(done / total, text=f"{label}: {done}/{total} scenarios")
