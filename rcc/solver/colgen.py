"""Column generation: the contract's LP over the pairs kept so far, priced against every pair.

The LP of the whole contract does not fit at 5,000 children and more (4.7 M pairs, 1.6 M rows: not
solved in 15 minutes). Instead the LP is solved over a few pairs per child (the *restricted*
LP: the HiGHS baseline's rows, :class:`rcc.solver.highs.HighsModel`, over the kept pairs), its
capacity duals price every pair without storing it (:meth:`rcc.solver.pricing.PairSource.price`),
the pairs that price in are added, and the LP is solved again. Each round's Lagrangian bound is
valid whether or not the LP has converged, so the best of them is the proven bound.

The LP engine is HiGHS's dual simplex through SciPy (in process). On a restricted LP of 5,000
children (117,662 pairs, 36,856 rows) it took 4.3 s; OR-Tools' GLOP took 12.4 s and PDLP 21.9 s
through ``model_builder``, and OR-Tools' own HiGHS was as fast but its row duals came back wrong
(on a two-variable test: +1 where GLOP and SciPy give −2), and duals are what pricing needs. At
1,000 children (13,936 pairs) all took 0.2–0.3 s except PDLP (0.9 s). None of these re-solves
warm through SciPy or ``model_builder``, so each round solves from scratch (about 1.7 s at 5,000
children, beside 1.9 s of pricing); MathOpt's incremental GLOP might, and has not been measured.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rcc.solver.candidates import pair_keys, pair_table
from rcc.solver.highs import HighsModel
from rcc.solver.incumbent import SiblingCap
from rcc.solver.lp import shortlist, solve_lp
from rcc.solver.pricing import PairSource

log = logging.getLogger(__name__)

KEEP_PER_CHILD = 6



@dataclass(frozen=True)
class Round:
    """One round: the restricted LP's value (not a bound), the proven bound, and pairs added."""

    lp_value: float
    bound: float
    kept: int
    added: int
    searched: int
    lp_seconds: float
    pricing_seconds: float


@dataclass
class ColumnGeneration:
    """The kept pairs, the LP over them, and the best proven bound of every round so far."""

    pairs: pd.DataFrame
    bound: float = -np.inf
    values: np.ndarray = field(default_factory=lambda: np.zeros(0))
    reduced_costs: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rounds: list[Round] = field(default_factory=list)
    converged: bool = False  # the last round priced nothing in
    prices: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per home, the price of a place of the best bound
    cap_prices: tuple[float, float] = (0.0, 0.0)  # and of the sibling cap's two rows

    @property
    def seconds(self) -> float:
        return sum(r.lp_seconds + r.pricing_seconds for r in self.rounds)


def _solved(source: PairSource, pairs: pd.DataFrame, seconds: float, cap: SiblingCap | None):
    """The restricted LP over ``pairs``: (value, each pair's value and reduced cost, the price of a
    place per home, each child's dual, each sibling group's split dual, the prices of the cap's two
    rows), or None if HiGHS does not finish in ``seconds``. Over no pairs at all, everyone is
    unplaced and nothing has a price."""
    u, child_duals = np.zeros(source.n_homes), np.zeros(source.n_children)
    if pairs.empty:
        return float(source.penalty.sum()), np.zeros(0), np.zeros(0), u, child_duals, {}, (0.0, 0.0)
    model = HighsModel(source.instance, source.weights, pairs, cap)
    solved = solve_lp(model, seconds)
    if solved is None:
        return None
    value, x, reduced, duals = solved
    # All are ≤ rows of a minimisation: their duals share one sign, which engines report either
    # way (GLOP ≤ 0, HiGHS ≥ 0). Any u ≥ 0 gives a valid bound; these are the LP's.
    u = model.place_prices(duals)
    for child, row in model.child_rows.items():
        child_duals[child] = abs(duals[row])
    group_duals = {group: abs(duals[row]) for group, row in model.split_rows.items()}
    cap_prices = tuple(abs(duals[row]) for row in model.cap_rows) if model.cap_rows else (0.0, 0.0)
    n = model.n_pairs
    return value, x[:n], np.maximum(reduced[:n], 0.0), u, child_duals, group_duals, cap_prices


def column_generation(source: PairSource, kept: pd.DataFrame, seconds: float, per_child: int = 8,
                      protected: pd.DataFrame | None = None, cap: SiblingCap | None = None,
                      fallback: pd.DataFrame | None = None) -> ColumnGeneration:
    """Rounds of restricted LP and pricing for at most ``seconds`` (one round at least), from
    ``kept`` pairs. Stops early when nothing prices in. With a sibling ``cap``, the LP keeps it and
    the bound is over the plans that keep it. With ``fallback`` pairs (fewer), a first LP not
    solved in half the time is given up for theirs.

    Pairs the LP has no use for are dropped between rounds (all but each child's
    :data:`KEEP_PER_CHILD` of least reduced cost, those the LP uses, and ``protected`` ones, such as
    a start plan's): the LP is the slow part (HiGHS took 10 s over 123,537 pairs at 5,000
    children), and a dropped pair comes back if it prices in again.
    """
    started = time.perf_counter()
    state = ColumnGeneration(kept.reset_index(drop=True))
    guarded = _keys(source, protected) if protected is not None else np.zeros(0, np.int64)
    while True:
        left = seconds - (time.perf_counter() - started)
        limit = left if state.rounds else left / 2 if fallback is not None else max(left, 1.0)
        t = time.perf_counter()
        solved = _solved(source, state.pairs, limit, cap)
        lp_seconds = time.perf_counter() - t
        if solved is None and fallback is not None and not state.rounds:
            log.info("first LP of %d pairs not solved in %.1f s: from %d pairs", len(state.pairs), limit,
                     len(fallback))
            state.pairs, fallback = fallback.reset_index(drop=True), None
            continue
        if solved is None:  # the pairs added last have no LP values yet: zero, so a shortlist takes them
            log.info("restricted LP of %d pairs not solved in %.1f s", len(state.pairs), left)
            missing = len(state.pairs) - len(state.values)
            state.values = np.concatenate([state.values, np.zeros(missing)])
            state.reduced_costs = np.concatenate([state.reduced_costs, np.zeros(missing)])
            break
        value, x, reduced, u, child_duals, group_duals, cap_prices = solved
        priced = source.price(u, state.pairs, child_duals, group_duals, per_child, cap, cap_prices)
        state.values, state.reduced_costs = x, reduced
        if priced.bound > state.bound:
            state.bound, state.prices, state.cap_prices = priced.bound, u, cap_prices
        state.rounds.append(Round(value, priced.bound, len(state.pairs), len(priced.children), priced.searched,
                                  lp_seconds, priced.seconds))
        log.info("round %d: restricted LP %.2f over %d pairs (%.1f s), bound %.2f, %d pairs priced in "
                 "(%.1f s, %d priced)", len(state.rounds), value, len(state.pairs), lp_seconds, priced.bound,
                 len(priced.children), priced.seconds, priced.searched)
        if not len(priced.children):
            state.converged = True
            break
        if time.perf_counter() - started >= seconds:
            break  # no time to solve again: the LP above still matches the pairs
        added = pair_table(source.instance, source.weights, source.arrays, priced.children, priced.homes, priced.km)
        useful = _useful(source, state, guarded)
        state.values, state.reduced_costs = state.values[useful], state.reduced_costs[useful]
        state.pairs = pd.concat([state.pairs[useful], added], ignore_index=True)  # the LP's rows keep their order
    return state


def _keys(source: PairSource, pairs: pd.DataFrame) -> np.ndarray:
    return np.sort(pair_keys(source.instance, pairs["child"].to_numpy(), pairs["home"].to_numpy()))


def _useful(source: PairSource, state: ColumnGeneration, protected: np.ndarray) -> np.ndarray:
    """The pairs worth solving the next LP over: each child's few of least reduced cost, the LP's own,
    and the protected ones."""
    children = state.pairs["child"].to_numpy()
    return (shortlist(children, state.reduced_costs, state.values, KEEP_PER_CHILD)
            | np.isin(_keys(source, state.pairs), protected))
