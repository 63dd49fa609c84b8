"""Pairs priced, not stored (rcc.solver.pricing), checked against full enumeration and brute force.

Every property here compares the streamed, radius-limited search with the whole pairs table of the
same instance, or the Lagrangian bound with the brute-force optimum: a pair the search skips, or
a bound above some plan, fails a test.
"""

from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcc.model import Instance, Weights
from rcc.solver import colgen
from rcc.solver.candidates import candidate_pairs
from rcc.solver.colgen import column_generation
from rcc.solver.incumbent import SiblingCap
from rcc.solver.lp import solve_lp
from rcc.solver.pricing import PairSource, group_least_cost
from tests.bruteforce import brute_force, capped_optimum
from tests.builders import BOLTON, child, home
from tests.strategies import tiny_instances

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _pair_cost(source: PairSource, pairs: pd.DataFrame) -> np.ndarray:
    return source.pair_cost(pairs["child"].to_numpy(), pairs["home"].to_numpy(), pairs["km"].to_numpy())


def _keys(pairs: pd.DataFrame) -> set[tuple[int, int]]:
    return set(zip(pairs["child"].tolist(), pairs["home"].tolist(), strict=True))


@settings(max_examples=60, **SETTINGS)
@given(tiny_instances(max_children=7, max_homes=6), st.integers(1, 4), st.booleans())
def test_each_childs_cheapest_pairs_are_those_of_the_whole_table(instance, k, by_distance):
    """The widening circles find, for each child, the k cheapest (or nearest) of all its pairs."""
    source = PairSource(instance, Weights())
    everything = candidate_pairs(instance, Weights())
    kept = source.cheapest(k, by_distance=by_distance)
    assert _keys(kept) <= _keys(everything)
    cost_all = everything["km"].to_numpy() if by_distance else _pair_cost(source, everything)
    cost_kept = kept["km"].to_numpy() if by_distance else _pair_cost(source, kept)
    for c in range(len(instance.children)):
        expected = np.sort(cost_all[everything["child"].to_numpy() == c])[:k]
        got = np.sort(cost_kept[kept["child"].to_numpy() == c])
        np.testing.assert_allclose(got, expected, atol=1e-9)  # ties may pick another home at the same cost


@st.composite
def priced_rounds(draw):
    """A tiny instance, some of its pairs kept, and random prices and duals (any u ≥ 0 is allowed)."""
    instance = draw(tiny_instances(max_children=7, max_homes=6))
    everything = candidate_pairs(instance, Weights())
    kept_rows = draw(st.lists(st.booleans(), min_size=len(everything), max_size=len(everything)))
    kept = everything[np.array(kept_rows, bool)].reset_index(drop=True)
    prices = st.floats(0, 20_000, allow_nan=False)
    u = np.array(draw(st.lists(prices, min_size=len(instance.homes), max_size=len(instance.homes))))
    duals = np.array(draw(st.lists(prices, min_size=len(instance.children), max_size=len(instance.children))))
    split = {g: draw(st.floats(0, 6_000, allow_nan=False)) for g in instance.sibling_groups}
    return instance, everything, kept, u, duals, split


@settings(max_examples=80, **SETTINGS)
@given(priced_rounds())
def test_pricing_finds_every_pair_of_negative_reduced_cost(case):
    """Enumerating every pair: each one outside the kept pairs whose LP reduced cost is negative is
    proposed — a lone child's ``rc + dual``, a sibling's with its group's split dual, and every
    member's pair in a home the group would gain from using together."""
    instance, everything, kept, u, duals, split = case
    source = PairSource(instance, Weights())
    priced = source.price(u, kept, duals, split, per_child=10_000)
    proposed = set(zip(priced.children.tolist(), priced.homes.tolist(), strict=True))
    assert proposed <= _keys(everything)
    children, homes = everything["child"].to_numpy(), everything["home"].to_numpy()
    weight = np.where([instance.children[c].solo for c in children], [instance.homes[h].vacancies for h in homes], 1)
    lp = _pair_cost(source, everything) + u[homes] * weight + duals[children]
    group = np.array([instance.children[c].sibling_group if source.in_group[c] else "" for c in children], object)
    group_dual = np.array([split.get(g, 0.0) for g in group])
    outside = ~np.isin(children * 1000 + homes, kept["child"].to_numpy() * 1000 + kept["home"].to_numpy())
    expected = outside & (lp + group_dual < -1e-6)
    together = pd.DataFrame({"group": group, "home": homes, "gain": np.minimum(lp, 0.0)})
    gain = together[source.in_group[children]].groupby(["group", "home"])["gain"].sum()
    for (g, h), value in gain.items():
        if split.get(g, 0.0) + value < -1e-6:
            expected |= outside & (group == g) & (homes == h) & (lp < 0)
    missing = {(int(c), int(h)) for c, h in zip(children[expected], homes[expected], strict=True)} - proposed
    assert not missing


@settings(max_examples=80, **SETTINGS)
@given(priced_rounds())
def test_the_lagrangian_bound_never_exceeds_the_optimum(case):
    """Whatever the prices and kept pairs, no plan costs less than a round's bound."""
    instance, _, kept, u, duals, split = case
    bound = PairSource(instance, Weights()).price(u, kept, duals, split).bound
    assert bound <= brute_force(instance)[0] + 1e-6


@settings(max_examples=60, **SETTINGS)
@given(priced_rounds())
def test_a_round_cut_short_by_its_deadline_still_bounds_the_optimum(case):
    """A round whose deadline has passed searches nobody: each child counts only its price floor,
    so the bound is weaker than the full round's and still below every plan."""
    instance, _, kept, u, duals, split = case
    source = PairSource(instance, Weights())
    full = source.price(u, kept, duals, split)
    cut = source.price(u, kept, duals, split, deadline=0.0)
    assert cut.bound <= full.bound + 1e-6
    assert cut.searched == 0 and not len(cut.children)
    assert full.unsearched == 0 and cut.unsearched >= source.in_group.sum()


def _capped_optimum(instance, cap: SiblingCap) -> float:
    return capped_optimum(instance, cap.separations, cap.groups)


caps = st.builds(SiblingCap, st.integers(0, 3), st.integers(0, 2))


@settings(max_examples=80, **SETTINGS)
@given(priced_rounds(), caps, st.floats(0, 20_000), st.floats(0, 20_000), st.booleans())
def test_the_bound_with_a_sibling_cap_never_exceeds_the_optimum_of_the_plans_that_keep_it(case, cap, per_home,
                                                                                           per_group, free_places):
    """Whatever the prices of the cap's rows, no plan within the cap costs less than the bound
    (places often free, where the bound is nearly tight and a price charged twice would show)."""
    instance, _, kept, u, duals, split = case
    u = np.zeros_like(u) if free_places else u
    bound = PairSource(instance, Weights()).price(u, kept, duals, split, cap=cap,
                                                  cap_prices=(per_home, per_group)).bound
    assert bound <= _capped_optimum(instance, cap) + 1e-6


def test_the_bound_with_a_sibling_cap_is_the_optimum_where_the_relaxation_is_exact():
    """Two sisters and two homes of one place each, the cap allowing their split: the best plan
    splits them (£2,000 + £5,000 split + km). At free places the bound equals it whatever the
    cap's prices: each price is charged to the split group and given back once."""
    instance = Instance(children=(child("A", sibling_group="G"), child("B", sibling_group="G")),
                        homes=(home("H1", vacancies=1), home("H2", vacancies=1)))
    cap = SiblingCap(separations=1, groups=1)
    optimum = _capped_optimum(instance, cap)
    source = PairSource(instance, Weights())
    for prices in [(0.0, 0.0), (1_000.0, 0.0), (0.0, 1_000.0), (700.0, 2_500.0)]:
        bound = source.price(np.zeros(2), source.cheapest(2), cap=cap, cap_prices=prices).bound
        assert bound == pytest.approx(optimum)


@settings(max_examples=25, **SETTINGS)
@given(tiny_instances(max_children=7, max_homes=5))
def test_column_generation_bounds_the_optimum_and_converges(instance):
    """From each child's cheapest pair, rounds of LP and pricing: every round's bound is below the
    optimum, and with time enough nothing prices in at the end."""
    source = PairSource(instance, Weights())
    result = column_generation(source, source.cheapest(1), seconds=20)
    assert result.converged
    assert result.bound <= brute_force(instance)[0] + 1e-6
    assert all(r.bound <= result.bound for r in result.rounds)


@settings(max_examples=25, **SETTINGS)
@given(tiny_instances(max_children=7, max_homes=5), caps)
def test_column_generation_under_a_sibling_cap_bounds_the_capped_optimum(instance, cap):
    """The LP keeps the cap and the bound is over the plans that keep it: never above their optimum."""
    source = PairSource(instance, Weights())
    result = column_generation(source, source.cheapest(1), seconds=20, cap=cap)
    assert result.converged
    assert result.bound <= _capped_optimum(instance, cap) + 1e-6


def test_a_first_lp_not_solved_in_time_is_given_up_for_the_fallback_pairs(monkeypatch):
    """The first LP (over many pairs) runs out of its half of the time: column generation starts
    again from the fallback pairs, converges, and its bound still holds."""
    instance = Instance(children=(child("A"), child("B", sibling_group="G"), child("C", sibling_group="G")),
                        homes=(home("H1", vacancies=1), home("H2"), home("H3", at=BOLTON)))
    source = PairSource(instance, Weights())
    calls = []

    def first_out_of_time(model, seconds):
        calls.append(model.n_pairs)
        return None if len(calls) == 1 else solve_lp(model, seconds)

    monkeypatch.setattr(colgen, "solve_lp", first_out_of_time)
    result = column_generation(source, source.cheapest(3), seconds=20, fallback=source.cheapest(1))
    assert calls[:2] == [len(source.cheapest(3)), len(source.cheapest(1))]
    assert result.converged and result.rounds
    assert result.bound <= brute_force(instance)[0] + 1e-6


def _group_brute_force(matrix, room, split, must, apart=0.0) -> float:
    k, homes = matrix.shape
    best = np.inf
    for choice in itertools.product(range(-1, homes), repeat=k):
        if any(must[m] and choice[m] < 0 for m in range(k)):
            continue
        used = [h for h in choice if h >= 0]
        if any(used.count(h) > room[h] for h in set(used)) or any(
                h >= 0 and not np.isfinite(matrix[m, h]) for m, h in enumerate(choice)):
            continue
        cost = (sum(matrix[m, h] for m, h in enumerate(choice) if h >= 0) + split * max(0, len(set(used)) - 1)
                + apart * (len(set(used)) > 1))
        best = min(best, cost)
    return best


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 4), st.integers(1, 4), st.floats(0, 20_000), st.data())
def test_a_groups_least_cost_is_a_bound_on_every_way_to_place_it(k, homes, apart, data):
    """The subset recursion is never above the brute-force least cost of one group alone (it may
    be below: two of its blocks may pick one home), and equals it when every home has room for all;
    ``apart`` is charged once when the group is split."""
    values = st.one_of(st.floats(-16_000, 4_000, allow_nan=False), st.just(np.inf))
    matrix = np.array(data.draw(st.lists(st.lists(values, min_size=homes, max_size=homes), min_size=k, max_size=k)))
    room = np.array(data.draw(st.lists(st.integers(1, 3), min_size=homes, max_size=homes)), float)
    must = np.array(data.draw(st.lists(st.booleans(), min_size=k, max_size=k)))
    least = group_least_cost(matrix, room, 5000.0, must, apart)
    exact = _group_brute_force(matrix, room, 5000.0, must, apart)
    assert least <= exact + 1e-6
    if (room >= k).all():
        assert least == pytest.approx(exact) or least == exact == np.inf


def test_pricing_stays_within_a_memory_cap_where_every_pair_would_not():
    """4,000 children and 3,000 homes in one town: every pair is feasible (12 million pairs, about
    820 MB as the pairs table). Kept pairs and a pricing round allocate under a fifth of that: the
    chunks are sized by how many homes are near, whatever the instance's size."""
    rng = np.random.default_rng(0)
    spot = lambda: (53.45 + rng.uniform(-0.05, 0.05), -2.25 + rng.uniform(-0.05, 0.05))  # noqa: E731
    instance = Instance(children=tuple(child(f"C{i}", at=spot()) for i in range(4000)),
                        homes=tuple(home(f"H{j}", at=spot(), vacancies=1, weekly_cost=float(rng.integers(800, 6000)))
                                    for j in range(3000)))
    every_pair_mb = len(instance.children) * len(instance.homes) * 72 / 2**20
    tracemalloc.start()
    try:
        source = PairSource(instance, Weights())
        kept = source.cheapest(8)
        priced = source.price(np.full(len(instance.homes), 500.0), kept)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(kept) == 8 * len(instance.children)
    assert priced.bound < np.inf
    assert peak / 2**20 < every_pair_mb / 5, f"peak {peak / 2**20:.0f} MB against {every_pair_mb:.0f} MB for every pair"
