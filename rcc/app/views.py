"""What several pages show the same way: the measures as metrics, the proof, the guards and tables with
readable column names. Presentation only: every figure comes checked from ``rcc.service``.

Money is real weekly spend and always reads £/week; the weighted score is only ever "weighted score
(not money)". A change is coloured as a commissioner reads it: for every measure, lower is better.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from rcc.app import glossary
from rcc.charts import setting_name
from rcc.data import geo
from rcc.kpis import kpis_by_la
from rcc.market import MARKET_GUARDS, guard_standing
from rcc.model import KM_PER_MILE
from rcc.outputs import CheckedSolve
from rcc.priorities import MEASURES
from rcc.report import sentence
from rcc.result import Result
from rcc.service import SCORE_LABEL, describe_guard

NOTHING = "—"  # a figure with nothing behind it, never "None"

SHARES = (  # kpi key, label, format, lower is better
    ("placed_pct", "Placed", "{:.1f}%", False),
    ("within_20_miles_pct", "Within 20 miles", "{:.1f}%", False),
    ("siblings_together_pct", "Sibling groups together", "{:.1f}%", False),
    ("own_la_pct", "In own authority", "{:.1f}%", False),
    ("mean_miles", "Mean distance", "{:.1f} miles", True),
    ("block_booked_used", "Block-booked beds used", "{:.0f}", False),
)
AUTHORITY_FORMATS = {
    "Weekly spend (£/week)": st.column_config.NumberColumn(format="localized"),
    "Points below the region's placed %": st.column_config.NumberColumn(format="%.1f"),
}


def _metric(col, label: str, value: str, delta: float | None, change: str, lower_is_better: bool,
            help: str | None = None) -> None:
    """A metric whose change reads as a commissioner reads it: green when better, grey when unchanged."""
    if delta is None:
        col.metric(label, value, help=help)
    elif abs(delta) < 0.05:
        col.metric(label, value, "no change", "off", help=help, delta_arrow="off")
    else:
        col.metric(label, value, change, "inverse" if lower_is_better else "normal", help=help)


def measure_metrics(measures: Mapping[str, float], baseline: Mapping[str, float] | None = None) -> None:
    """One metric per measure in its own unit, with the change from ``baseline`` (a fall shows green).
    Three to a row, so that long labels and values ('2,038 children', '£393,632/week') are not cut off."""
    cols = [col for _ in range(0, len(MEASURES), 3) for col in st.columns(3)]
    for col, name in zip(cols, MEASURES, strict=False):
        measure, value = MEASURES[name], measures[name]
        delta = None if baseline is None else value - baseline[name]
        # the sign first, so the arrow points the right way: '-4 children', '+£1,200/week'
        change = "" if delta is None else f"{'+' if delta > 0 else '-'}{measure.format(abs(delta))}"
        _metric(col, measure.label, measure.format(value), delta, change, True, sentence(measure.counts))


def share_metrics(kpis: Mapping, baseline: Mapping | None = None) -> None:
    """The shares commissioners report (placed %, within 20 miles %, …) with the change in points."""
    kpis, baseline = _with_miles(kpis), _with_miles(baseline) if baseline else None
    for col, (key, title, fmt, lower_is_better) in zip(st.columns(len(SHARES)), SHARES, strict=True):
        value = kpis[key]
        base = baseline[key] if baseline else None
        delta = None if value is None or base is None else value - base
        unit = " points" if fmt.endswith("%") else (" miles" if key == "mean_miles" else "")
        change = "" if delta is None else f"{delta:+,.1f}{unit}"
        _metric(col, title, "—" if value is None else fmt.format(value), delta, change, lower_is_better)


def kinship_metrics(kpis: Mapping, baseline: Mapping | None = None) -> None:
    """Children placed with their family or friends carer, and carers nobody was placed with — only when the
    data has such carers. The law prefers these placements, so each unused carer has a reason, given in the
    child's explanation."""
    if not kpis.get("kinship_carers"):
        return
    help_text = glossary.TERMS["family or friends carer"]
    placed, unused = st.columns(2)
    delta = None if baseline is None else kpis["kinship_placed"] - baseline["kinship_placed"]
    _metric(placed, "Placed with family or friends carers", f"{kpis['kinship_placed']:,}", delta,
            "" if delta is None else f"{delta:+,} children", False, help_text)
    unused.metric("Family or friends carers unused", f"{kpis['kinship_carers_unused']:,} of {kpis['kinship_carers']:,}",
                  help=help_text)


def miles(km: float | None) -> str:
    """A distance in miles to one decimal ('12.4'; '—' when there is none), the unit of "within 20 miles"."""
    return NOTHING if km is None else f"{km / KM_PER_MILE:,.1f}"


def _with_miles(kpis: Mapping) -> dict:
    """The KPIs with the mean distance in miles too, as commissioners measure "far from home"."""
    mean_km = kpis.get("mean_km")
    return {**kpis, "mean_miles": None if mean_km is None else mean_km / KM_PER_MILE}


def status_quo_measures(solved: CheckedSolve, greedy: CheckedSolve | None) -> Mapping[str, float] | None:
    """The status quo's measures: as the solve recorded them (today's, after an SSDA903 import, for
    the measures the 903 records), else the greedy plan's."""
    if solved.status_quo:
        return solved.status_quo["measures"]
    return greedy.check.measures if greedy else None


def outcome_metrics(solved: CheckedSolve, baseline: CheckedSolve, versus: str) -> None:
    """Measures and shares of ``solved`` against another plan (a baseline, or buying every place spot)."""
    st.caption(f"Changes are against {versus}.")
    measure_metrics(solved.check.measures, baseline.check.measures)
    share_metrics(solved.kpis, baseline.kpis)


def _formatted(name: str, value: float | None) -> str:
    if value is None:
        return "—"
    return MEASURES[name].format(value) if name in MEASURES else f"{value:,.0f}"


def proof_table(result: Result) -> pd.DataFrame:
    """Each stage of the solve: the plan's value, the best possible, and whether it is proven best."""
    order = [s.measure for s in result.stages]
    return pd.DataFrame({
        "Priority": [f"{order.index(s.measure) + 1}. {MEASURES[s.measure].label}" if s.measure in MEASURES
                     else SCORE_LABEL for s in result.stages],
        "This plan": [_formatted(s.measure, s.value) for s in result.stages],
        "Best possible": ["—" if s.bound is None else f"≥ {_formatted(s.measure, max(0.0, s.bound))}"
                          for s in result.stages],
        "Proven best": ["yes" if s.proven else "no" for s in result.stages],
        "Seconds": [f"{s.seconds:.1f}" for s in result.stages],
    })


def guards_table(solved: CheckedSolve) -> pd.DataFrame:
    """Each guard the plan was held to, the plan's own value and whether it holds (the checker has
    already refused any plan that breaks one)."""
    rows = []
    for guard in solved.result.guards:
        if guard.measure in MARKET_GUARDS:
            _, shown, holds = guard_standing(solved.instance, solved.result.assignment, solved.check, guard)
            rows.append({"Guard": sentence(describe_guard(guard)), "This plan": shown,
                         "Holds": "yes" if holds else "no"})
            continue
        if guard.measure == "fairness":
            below = kpis_by_la(solved.instance, solved.result.assignment, solved.check)["below_region_points"]
            value = float(below.max()) if len(below) else 0.0
            shown = f"{value:.1f} points below at most"
        else:
            value = solved.check.measures[guard.measure]
            shown = MEASURES[guard.measure].format(value)
        rows.append({"Guard": sentence(describe_guard(guard)), "This plan": shown,
                     "Holds": "yes" if value <= guard.cap + 1e-6 else "no"})
    return pd.DataFrame(rows, columns=["Guard", "This plan", "Holds"])


SHARE_COLUMNS = ["Authority", "Children", "Placed %", "Sibling groups together %", "Within 20 miles %",
                 "In own authority %"]


def show_authorities(table: pd.DataFrame) -> None:
    """Each authority's shares, then its counts and spend (``rcc.report.authority_table``): two tables,
    so neither runs off the page. A run recorded before some columns existed shows those it has. A share
    with nothing to count (an authority with no sibling groups) reads "—", not "None"."""
    shares = [c for c in SHARE_COLUMNS if c in table.columns]
    counts = ["Authority", *(c for c in table.columns if c not in SHARE_COLUMNS)]
    percentages = [c for c in shares if c.endswith("%")]
    shown = table.assign(**{c: table[c].map(lambda v: NOTHING if pd.isna(v) else f"{v:.1f}") for c in percentages})
    for columns in (shares, counts):
        st.dataframe(shown[columns], hide_index=True, width="stretch", column_config=AUTHORITY_FORMATS)
    if table[percentages].isna().any(axis=None):
        st.caption(f"{NOTHING} : nothing to count (for example, no sibling groups in that authority).")


def loaded(instance) -> str:
    """What a successful load says, in words rather than the instance's programmer's summary."""
    homes = len(instance.homes)
    return (f"Loaded: {len(instance.children):,} children waiting, {homes:,} home{'' if homes == 1 else 's'} with "
            f"{instance.total_vacancies:,} vacanc{'y' if instance.total_vacancies == 1 else 'ies'}.")


def wrapped(table: pd.DataFrame) -> None:
    """A table whose sentences wrap rather than run off the screen. ``st.dataframe`` clips long text (on a
    phone after ~25 characters), so the tables that carry reasons are drawn as plain tables, their first
    column heading each row."""
    st.table(table.set_index(table.columns[0]))


def authority_names() -> Mapping[str, str]:
    return geo.local_authorities()["la_name"]


def measure_rows(measures: Mapping[str, float], baseline: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The measures as a small table (for a recorded run): label, this plan, and the status quo."""
    table = pd.DataFrame({"Measure": [m.label for m in MEASURES.values()],
                          "This plan": [MEASURES[n].format(measures.get(n)) for n in MEASURES]})
    if baseline:
        table["Status quo"] = [MEASURES[n].format(baseline.get(n)) for n in MEASURES]
    return table


SCENARIO_METRICS = {  # rcc.scenarios.evaluate.METRICS → label
    "weekly_bill": "Weekly bill (£/week)",
    **{name: MEASURES[name].label for name in ("unplaced", "siblings_apart", "far_from_home", "outside_own_la")},
    "void_beds": "Void beds (paid, unused)",
    "utilisation_pct": "Contracted beds used (%)",
    "placed_pct": "Placed (%)",
    "within_20_miles_pct": "Placed within 20 miles (%)",
    "siblings_together_pct": "Sibling groups together (%)",
    "own_la_pct": "Placed in own authority (%)",
    "score": SCORE_LABEL,
}
GAIN_LABELS = {  # rcc.scenarios.sweep.GAINS → label
    "unplaced_avoided": "Children placed who would not have been",
    "separations_avoided": "Separations of brothers and sisters avoided",
    "kept_within_20_miles": "Children kept within 20 miles",
    "kept_in_own_la": "Children kept in their own authority",
    "spend_saved": "Weekly spend saved (£/week)",
    "km_saved": "Distance saved (miles)",
}


def pounds(value: float) -> str:
    """Money to the pound, a minus sign before the £: '−£1,200'."""
    return f"{'−' if round(value) < 0 else ''}£{abs(value):,.0f}"


def _number(value: float, money: bool = False, digits: int = 1) -> str:
    if pd.isna(value):
        return "—"
    shown = round(value, digits) + 0.0  # no '−0.0' for a value that rounds to nothing
    return pounds(value) if money else f"{shown:,.{digits}f}".replace("-", "−")


def _interval(mean: float, low: float, high: float, money: bool = False, digits: int = 1) -> str:
    """'1.2 (0.4 to 2.0)': a mean with its 95% interval."""
    shown = _number(mean, money, digits)
    if pd.isna(low) or pd.isna(high):
        return shown
    return f"{shown} ({_number(low, money, digits)} to {_number(high, money, digits)})"


def scenario_summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """``evaluate.summary`` as commissioners read it: each metric with contracts, spot only and the paired
    difference, means with 95% intervals; money as £ and the weighted score as a plain number."""
    rows = []
    for r in summary.itertuples():
        money, digits = r.metric == "weekly_bill", 0 if r.metric == "score" else 1
        rows.append({"": SCENARIO_METRICS.get(r.metric, r.metric),
                     "With the contracts": _interval(r.contracts, r.contracts_low, r.contracts_high, money, digits),
                     "Spot only": _interval(r.spot, r.spot_low, r.spot_high, money, digits),
                     "Difference": _interval(r.difference, r.difference_low, r.difference_high, money, digits)})
    return pd.DataFrame(rows)


def sweep_table(ranked: pd.DataFrame) -> pd.DataFrame:
    """The ranked what-ifs with authority names and each gain as a mean (95% interval)."""
    names = authority_names()
    table = pd.DataFrame({"Authority": [names.get(c, c) for c in ranked["la_code"]],
                          "Setting": ranked["setting"].map(setting_name),
                          "Need level": ranked["need_level"], "Beds added": ranked["beds"]})
    for gain, label in GAIN_LABELS.items():
        money, unit = gain == "spend_saved", KM_PER_MILE if gain == "km_saved" else 1.0  # the sweep measures km
        table[label] = [_interval(m / unit, lo / unit, hi / unit, money) for m, lo, hi in
                        zip(ranked[gain], ranked[f"{gain}_low"], ranked[f"{gain}_high"], strict=True)]
    return table
