"""Exports for a panel meeting, and the plain-English tables the app shows of the same plan.

CSV and Excel tables, and a printable one-page HTML summary. Money is real weekly spend, always
labelled £/week; the weighted score appears only as a score. Only pseudonymous IDs, districts and
authority names appear; never a name or full postcode.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping
from datetime import date

import pandas as pd

from rcc.data.safe_cells import write_sheet
from rcc.kpis import kpis_by_la
from rcc.model import KM_PER_MILE
from rcc.outputs import CheckedSolve, assignments_table
from rcc.priorities import MEASURES
from rcc.result import STATUS_WORDS, Result
from rcc.service import KPI_LABELS, SCORE_LABEL, kpi_comparison
from rcc.solver.guards import describe_guard

AUTHORITY_COLUMNS = {  # kpis_by_la column → what a commissioner reads
    "la_name": "Authority",
    "children": "Children",
    "placed_pct": "Placed %",
    "siblings_together_pct": "Sibling groups together %",
    "within_20_miles_pct": "Within 20 miles %",
    "own_la_pct": "In own authority %",
    "weekly_spend": "Weekly spend (£/week)",
    "far_from_home": "More than 20 miles away",
    "outside_own_la": "Outside own authority",
    "groups_apart": "Sibling groups apart",
    "below_region_points": "Points below the region's placed %",
}
SIBLING_COLUMNS = {  # in the order shown: why a group is apart before the detail of where each went
    "sibling_group": "Sibling group",
    "children": "Children",
    "status": "Status",
    "homes": "Homes used",
    "why": "Why apart",
    "where": "Where each child went",
}
SIBLINGS_DEFINED = ("Together: every child of the group placed in one home. Apart: the placed children are in more "
                    "than one home, or some are placed and some are not. Not placed: none of them has a home yet.")


def sentence(text: str) -> str:
    """The first letter a capital, the rest as written (so 'SSDA903' stays as it is)."""
    return text[:1].upper() + text[1:]


def label_authorities(table: pd.DataFrame) -> pd.DataFrame:
    """Per-authority measures (``kpis_by_la``, or as recorded in the run history) with readable columns,
    percentages to one decimal and spend to the pound."""
    shown = table[[c for c in AUTHORITY_COLUMNS if c in table.columns]].rename(columns=AUTHORITY_COLUMNS)
    percentages = [label for label in shown.columns if label.endswith("%")]
    return shown.round({**dict.fromkeys(percentages, 1), "Points below the region's placed %": 1,
                        "Weekly spend (£/week)": 0})


def authority_table(solved: CheckedSolve) -> pd.DataFrame:
    """How each member authority's own children fare under the plan."""
    return label_authorities(kpis_by_la(solved.instance, solved.result.assignment, solved.check))


def sibling_table(solved: CheckedSolve, apart_only: bool = False) -> pd.DataFrame:
    """Every sibling group (or those apart only): together, apart or not placed, where each went and why."""
    groups = solved.explainer.sibling_groups()
    if apart_only:
        groups = groups[groups["status"] == "apart"]
    return groups[list(SIBLING_COLUMNS)].rename(columns=SIBLING_COLUMNS)


def proof_line(solved: CheckedSolve) -> str:
    """How far the plan is proven, never a £ bound: priorities say on how many priorities it is proven
    best; the weighted score gives its value and bound as a score."""
    result: Result = solved.result
    if result.mode == "priorities" and result.stages:
        proven = sum(stage.proven for stage in result.stages)
        return f"{result.status.value}; proven best on {proven} of {len(result.stages)} priorities"
    score = f"{result.status.value}; weighted score {solved.check.objective:,.0f}"
    if result.bound is not None:
        score += f", bound {result.bound:,.0f}"
    return score + " (not money)"


IN_MILES = {f"{MEASURES['km'].label} (km)": f"{MEASURES['km'].label} (miles)",
            KPI_LABELS["mean_km"]: KPI_LABELS["mean_km"].replace("(km)", "(miles)")}


def outcomes_text(named: Mapping[str, CheckedSolve]) -> pd.DataFrame:
    """The measures and KPIs side by side as text for people: measures in their own units (weekly spend
    as £/week) except distances, which read in miles like the "within 20 miles" line they sit beside; the
    weighted score as a plain number; shares to one decimal."""
    table = kpi_comparison(named)
    table = table.rename(index=IN_MILES).astype(object)
    for label in IN_MILES.values():
        if label in table.index:
            table.loc[label] = [None if v is None or pd.isna(v) else v / KM_PER_MILE for v in table.loc[label]]
    formats = {f"{m.label} ({m.unit})": m.format for m in MEASURES.values()}

    statuses = {status.value: words for status, words in STATUS_WORDS.items()}

    def cell(label: str, value) -> str:
        if value is None:
            return "—"
        if label in formats:
            return formats[label](value)
        if label == SCORE_LABEL:
            return f"{value:,.0f}"
        if label == "Status":
            return statuses.get(value, value)
        return f"{value:,.1f}" if isinstance(value, float) else str(value)

    return pd.DataFrame({name: [cell(label, v) for label, v in table[name].items()] for name in table.columns},
                        index=table.index)


def excel_bytes(solved: CheckedSolve, baseline: CheckedSolve | None = None) -> bytes:
    """A workbook with assignments, the outcomes (beside the status quo if given), the per-authority
    table and the sibling groups."""
    buffer = io.BytesIO()
    named = {"optimised": solved} | ({"status quo": baseline} if baseline else {})
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        write_sheet(writer, assignments_table(solved), "assignments")
        write_sheet(writer, kpi_comparison(named), "outcomes", index=True)
        write_sheet(writer, authority_table(solved), "by authority")
        write_sheet(writer, sibling_table(solved), "sibling groups")
    return buffer.getvalue()


def _cell(value) -> str:
    """A table cell: numbers right-aligned (to one decimal unless whole), text left-aligned."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "<td>—</td>"
    if isinstance(value, float):
        return f"<td>{value:,.1f}</td>" if not value.is_integer() else f"<td>{value:,.0f}</td>"
    if isinstance(value, int):
        return f"<td>{value:,}</td>"
    return f'<td class="text">{html.escape(str(value))}</td>'


def _html_table(table: pd.DataFrame, index: bool = False) -> str:
    heads = ([""] if index else []) + [str(c) for c in table.columns]
    rows = "".join("<tr>" + (f"<th>{html.escape(str(key))}</th>" if index else "")
                   + "".join(_cell(v) for v in row) + "</tr>"
                   for key, row in zip(table.index, table.itertuples(index=False), strict=True))
    return "<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in heads) + f"</tr>{rows}</table>"


def _guards_html(solved: CheckedSolve) -> str:
    guards = solved.result.guards
    if not guards:
        return "<p>No guards (the weighted score uses none).</p>" if solved.result.mode == "weighted" else ""
    return "<ul>" + "".join(f"<li>{html.escape(sentence(describe_guard(g)))}</li>" for g in guards) + "</ul>"


def summary_html(solved: CheckedSolve, baseline: CheckedSolve | None = None, title: str = "") -> str:
    """One printable page: the outcomes against the status quo, the guards, the per-authority table,
    the sibling groups kept apart and the children without a home."""
    named = {"Optimised": solved} | ({"Status quo": baseline} if baseline else {})
    explanations = solved.explainer.table()
    unplaced = explanations[explanations["home_id"].isna()]
    unplaced_rows = "".join(f"<li><b>{html.escape(r.child_id)}</b>: {html.escape(r.reason)}</li>"
                            for r in unplaced.itertuples())
    groups = solved.explainer.sibling_groups()
    counts = groups["status"].value_counts()
    apart = sibling_table(solved, apart_only=True)[["Sibling group", "Children", "Where each child went", "Why apart"]]
    result = solved.result
    mode = "children first (priorities)" if result.mode == "priorities" else "weighted score (v1)"
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>rcc summary</title>
<style>body{{font-family:sans-serif;margin:1.5cm;font-size:11pt}} table{{border-collapse:collapse;margin:.5em 0}}
td,th{{border:1px solid #999;padding:2px 8px;text-align:right}} th,td.text{{text-align:left}}
@media print{{body{{margin:1cm}}}}</style></head><body>
<h1>Placement plan{': ' + html.escape(title) if title else ''}</h1>
<p>{date.today():%d %B %Y} · {len(solved.instance.children)} children waiting · {solved.instance.total_vacancies}
vacancies · objective: {mode} · solver {html.escape(result.solver)} ({html.escape(proof_line(solved))}) · checked
independently.</p>
<h2>Outcomes</h2>{_html_table(outcomes_text(named), index=True)}
<p style="font-size:9pt">Weekly spend is what the authorities pay (£/week). The weighted score is the v1 objective's
sum, a score for comparison, not money.</p>
<h2>Guards</h2>{_guards_html(solved)}
<h2>By member authority</h2>{_html_table(authority_table(solved))}
<h2>Sibling groups</h2><p>{counts.get('together', 0)} together, {counts.get('apart', 0)} apart,
{counts.get('not placed', 0)} not placed. {html.escape(SIBLINGS_DEFINED)}</p>
{_html_table(apart) if len(apart) else ''}
<h2>Children without a home ({len(unplaced)})</h2><ul>{unplaced_rows or '<li>None</li>'}</ul>
<p style="font-size:9pt">Pseudonymous IDs only. Generated by rcc.</p></body></html>"""
