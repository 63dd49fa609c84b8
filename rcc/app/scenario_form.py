"""The demand-scenario settings shared by the sweep and block-booking pages, the time a run will take,
and the progress bar that moves as each solve finishes.

Default sizes are set so that a run on the bundled Greater Manchester region (2 dask workers on 2
cores) finishes in about a minute; :data:`SECONDS_PER_SOLVE` is what one scenario solve took there.
"""

from __future__ import annotations

import time
from dataclasses import asdict

import streamlit as st

from rcc.app import state
from rcc.app.glossary import TERMS
from rcc.app.imports import entries_referrals
from rcc.model import Instance, Weights
from rcc.scenarios.demand import DemandProfile
from rcc.scenarios.evaluate import POLICY_SECONDS, Policy, Setup

# Measured on Greater Manchester scenarios (4-week horizon, ~100 children): rcc's CP-SAT uses its whole
# limit (5.1 s), the status quo's greedy 0.02–0.03 s. A dask cluster took 6 s to start and ~0.09 s of a worker's
# time per task — nothing beside CP-SAT, but 4× a greedy solve, so the fast policy runs in the app itself.
SECONDS_PER_SOLVE = {"cpsat": POLICY_SECONDS + 0.2, "greedy": 0.03}
DASK_SECONDS_PER_TASK, DASK_START_SECONDS = 0.09, 6.0
POLICIES = {"cpsat": f"rcc ({POLICY_SECONDS:g} s each)", "greedy": "status quo (fast)"}


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


def scenario_setup(inst: Instance, weights: Weights, key: str, policy: str = "cpsat") -> tuple[Setup, int, dict]:
    """(setup, dask workers, parameters to record) from a row of widgets; scenarios are placed under the
    Solve page's objective (its "no worse than today" guard against each scenario's own status quo).
    ``policy`` is the placement policy shown first: the one that keeps this page's run near a minute."""
    referrals, known_weeks, demand = _referrals(inst, key)
    cols = st.columns(5)
    observed = known_weeks or cols[0].number_input("Weeks of referrals the data covers", 1.0, 104.0, 12.0, 1.0,
                                                   key=f"{key}_obs")
    if known_weeks:
        cols[0].metric("Weeks of referrals", f"{known_weeks:g}")
    horizon = cols[1].number_input("Horizon (weeks)", 1.0, 52.0, 4.0, 1.0, key=f"{key}_hor")
    policy = cols[2].selectbox("Placement policy", list(POLICIES), list(POLICIES).index(policy), key=f"{key}_pol",
                               format_func=POLICIES.get,
                               help=f"How each scenario's children are placed: rcc's optimiser under the Solve page's "
                                    f"objective, {POLICY_SECONDS:g} seconds a solve, or the status quo (one child at a "
                                    "time, each to the best home left) — much faster, for a first look.")
    seed = cols[3].number_input("Seed", 0, 10**6, 1, key=f"{key}_seed", help=TERMS["seed"] + " " + TERMS["scenarios"])
    workers = cols[4].number_input("Parallel workers", 0, 8, 2 if policy == "cpsat" else 0, key=f"{key}_workers",
                                   help="Scenarios are solved side by side on this many processes (dask); 0 solves "
                                        "them one after another in the app itself — quicker for the status quo, "
                                        "whose solves take less time than handing them out.")
    objective = state.objective()
    setup = Setup(inst, DemandProfile.from_instance(referrals, observed), weights, horizon, int(seed), Policy(policy),
                  objective)
    parameters = {"demand": demand, "observed_weeks": observed, "horizon_weeks": horizon, "seed": int(seed),
                  "policy": policy, "weights": asdict(weights), "objective_mode": objective.mode,
                  "priorities": objective.priorities.describe(), "status_quo_guard": objective.guards.status_quo}
    return setup, int(workers), parameters


def _duration(seconds: float) -> str:
    """'about 40 s', 'about 3 min', 'about 1 h 10 min': rounded as an estimate should be."""
    if seconds < 90:
        return f"about {max(5, round(seconds / 5) * 5):.0f} s"
    if seconds < 3600:
        return f"about {round(seconds / 60):.0f} min"
    return f"about {int(seconds // 3600)} h {round(seconds % 3600 / 60):.0f} min"


def _seconds_each(policy: str, workers: int) -> float:
    """A solve's share of the run: its own time, and dask's per-task cost when it runs there, per worker."""
    return (SECONDS_PER_SOLVE[policy] + (DASK_SECONDS_PER_TASK if workers else 0)) / max(1, workers)


def estimate(solves: int, policy: str, workers: int, most: bool = False) -> str:
    """How long ``solves`` scenario solves should take, in words, before a run starts."""
    seconds = solves * _seconds_each(policy, workers) + (DASK_START_SECONDS if workers else 0)
    where = f"on {workers} workers" if workers > 1 else ("on 1 worker" if workers else "in the app")
    return (f"{'At most ' if most else ''}{solves:,} solves of {SECONDS_PER_SOLVE[policy]:g} s each {where}: "
            f"{_duration(seconds)}.")


class ProgressBar:
    """A bar that moves as each solve finishes — "Scenario 3 of 12 · about 40 s left" — and, before
    the first one has, says what is running and how long it should take. Time left is the time per
    solve so far, times the solves still to do; ``stage`` starts a new batch with its own words."""

    def __init__(self, unit: str, policy: str, workers: int):
        self._unit, self._each, self._workers = unit, _seconds_each(policy, workers), max(1, workers)
        self._bar = st.progress(0.0, text="Starting…")
        self._stage, self._started = "", time.perf_counter()

    def stage(self, words: str) -> None:
        self._stage, self._started = words, time.perf_counter()
        self._bar.progress(0.0, text=f"{words}…")

    def start(self, total: int) -> None:
        """Before the first solve finishes: what is running, with the estimate."""
        self._started = time.perf_counter()
        first = min(total, self._workers)
        running = f"{self._unit} 1 of {total:,}" if first == 1 else f"{self._unit}s 1–{first} of {total:,}"
        self._bar.progress(0.0, text=self._words(f"{running} running · {_duration(total * self._each)} in all"))

    def __call__(self, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self._started
        left = elapsed / done * (total - done)
        ending = "finishing" if done == total else f"{_duration(left)} left"
        self._bar.progress(done / total, text=self._words(f"{self._unit} {done:,} of {total:,} done · {ending}"))

    def _words(self, text: str) -> str:
        return f"{self._stage}: {text}" if self._stage else text

    def empty(self) -> None:
        self._bar.empty()
