"""Plotly figures for the app. Maps use plain longitude/latitude axes, so they render without
map tiles (no network needed) and children are only ever shown per postcode district."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from rcc.data import geo
from rcc.model import MILES_20_KM, SETTINGS, Instance
from rcc.outlines import authority_outlines
from rcc.outputs import CheckedSolve
from rcc.priorities import MEASURES
from rcc.service import CheckedFrontier
from rcc.summary import age_band


def setting_name(setting: str) -> str:
    """A setting as people write it: 'childrens_home' → "children's home"."""
    return setting.replace("childrens", "children's").replace("_", " ")


def demand_table(instance: Instance) -> pd.DataFrame:
    names = geo.local_authorities()["la_name"]
    return pd.DataFrame({
        "authority": [names.get(c.la_code, c.la_code) for c in instance.children],
        "age band": [age_band(c.age) for c in instance.children],
        "need level": [str(c.need_level) for c in instance.children],
        "in sibling group": [c.sibling_group in instance.sibling_groups for c in instance.children],
    })


def supply_table(instance: Instance) -> pd.DataFrame:
    names = geo.local_authorities()["la_name"]
    return pd.DataFrame({
        "authority": [names.get(h.la_code, h.la_code) for h in instance.homes],
        "setting": [setting_name(h.setting) for h in instance.homes],
        "max need level": [str(h.max_need_level) for h in instance.homes],
        "vacancies": [h.vacancies for h in instance.homes],
    })


def demand_chart(instance: Instance) -> go.Figure:
    table = demand_table(instance).groupby(["authority", "need level"]).size().reset_index(name="children")
    return px.bar(table, x="authority", y="children", color="need level", title="Children waiting, by need level")


def age_chart(instance: Instance) -> go.Figure:
    table = demand_table(instance).groupby(["age band", "in sibling group"]).size().reset_index(name="children")
    return px.bar(table, x="age band", y="children", color="in sibling group", title="Children by age band",
                  category_orders={"age band": ["0-4", "5-9", "10-15", "16-17"]})


def supply_chart(instance: Instance) -> go.Figure:
    table = supply_table(instance).groupby(["authority", "setting"])["vacancies"].sum().reset_index()
    return px.bar(table, x="authority", y="vacancies", color="setting", title="Vacancies by setting")


# Fixed colours, so a setting, the children or a kind of match keeps its colour whatever else is drawn
# (plotly's automatic colours follow the order of traces, and a solve adds traces before them).
SETTING_COLOURS = dict(zip(SETTINGS, ("#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"), strict=True))
CHILDREN_COLOUR, NEAR_COLOUR, FAR_COLOUR, OUTLINE_COLOUR = "#1f77b4", "#2ca02c", "#d62728", "#8a8a8a"
OUTLINE_NOTE = "Outlines are approximate, drawn from postcode-district centres."


def _district_points(instance: Instance) -> pd.DataFrame:
    """Children counted per postcode district (or rounded point), never one marker per child."""
    districts = geo.postcode_districts()
    rows = []
    for c in instance.children:
        if c.postcode_district and c.postcode_district in districts.index:
            d = districts.loc[c.postcode_district]
            rows.append((c.postcode_district, float(d["lat"]), float(d["lon"])))
        else:
            rows.append(("area", round(c.lat, 1), round(c.lon, 1)))
    frame = pd.DataFrame(rows, columns=["district", "lat", "lon"])
    return frame.groupby(["district", "lat", "lon"]).size().reset_index(name="children")


def map_figure(instance: Instance, solved: CheckedSolve | None = None) -> go.Figure:
    """Approximate authority outlines, children by district, homes by setting sized by vacancies, and
    authority names on top; after a solve, one line per match coloured by distance (green within 20
    miles, red beyond). Every colour is fixed (:data:`SETTING_COLOURS`), so none changes after a solve."""
    fig = go.Figure()
    codes = tuple(sorted({c.la_code for c in instance.children} | {h.la_code for h in instance.homes}))
    outlines = authority_outlines(codes)
    fig.add_trace(go.Scatter(x=[x for lons, _ in outlines.values() for x in lons],
                             y=[y for _, lats in outlines.values() for y in lats], mode="lines",
                             line={"color": OUTLINE_COLOUR, "width": 1}, name="authority outlines (approximate)",
                             hoverinfo="skip"))
    if solved is not None:
        for far, colour, label in ((False, NEAR_COLOUR, "match ≤ 20 miles"), (True, FAR_COLOUR, "match > 20 miles")):
            lats, lons = [], []
            for child_id, home_id in solved.result.assignment.items():
                if home_id is None or (solved.check.km[child_id] > MILES_20_KM) != far:
                    continue
                c, h = instance.child_by_id[child_id], instance.home_by_id[home_id]
                lats += [round(c.lat, 2), h.lat, None]
                lons += [round(c.lon, 2), h.lon, None]
            fig.add_trace(go.Scattergl(x=lons, y=lats, mode="lines", line={"color": colour, "width": 1},
                                       name=label, opacity=0.5, hoverinfo="skip"))
    kids = _district_points(instance)
    fig.add_trace(go.Scattergl(x=kids["lon"], y=kids["lat"], mode="markers", name="children (per district)",
                               marker={"size": 6 + 2 * kids["children"] ** 0.5, "color": CHILDREN_COLOUR,
                                       "opacity": .6},
                               text=[f"{d}: {n} children" for d, n in zip(kids["district"], kids["children"],
                                                                          strict=True)], hoverinfo="text"))
    homes = supply_table(instance).assign(lat=[h.lat for h in instance.homes], lon=[h.lon for h in instance.homes],
                                          provider=[h.provider for h in instance.homes],
                                          key=[h.setting for h in instance.homes])
    for setting in SETTINGS:
        part = homes[homes["key"] == setting]
        if len(part):
            fig.add_trace(go.Scattergl(
                x=part["lon"], y=part["lat"], mode="markers", name=f"homes: {setting_name(setting)}",
                marker={"symbol": "square", "size": 5 + 3 * part["vacancies"], "color": SETTING_COLOURS[setting]},
                text=part["provider"] + " · " + part["authority"] + " · " + part["vacancies"].astype(str)
                + " vacancies", hoverinfo="text"))
    las = geo.local_authorities().loc[list(codes)]
    for la in las.itertuples():  # annotations sit above every marker, on a pale box, so names stay readable
        fig.add_annotation(x=la.lon, y=la.lat, text=la.la_name, showarrow=False, font={"size": 11, "color": "#222"},
                           bgcolor="rgba(255,255,255,0.75)", borderpad=2)
    fig.update_layout(height=620, plot_bgcolor="#f4f4f0", legend={"orientation": "h"},
                      margin={"l": 10, "r": 10, "t": 30, "b": 10}, xaxis_title="longitude", yaxis_title="latitude")
    fig.update_yaxes(scaleanchor="x", scaleratio=1.6)  # roughly equal km per degree at English latitudes
    return fig


def shortfall_heatmap(shortfall: pd.DataFrame) -> go.Figure:
    table = shortfall.assign(combo=shortfall["age_band"] + " · need " + shortfall["need_level"].astype(str))
    pivot = table.pivot_table(index="la_name", columns="combo", values="not_met", aggfunc="sum", fill_value=0)
    return px.imshow(pivot, text_auto=True, color_continuous_scale="Reds", aspect="auto",
                     labels={"x": "age band · need level", "y": "authority", "color": "children"},
                     title="Children without a home or more than 20 miles away, by authority × age band × need")


def sweep_chart(ranked: pd.DataFrame, gain: str, label: str, top: int = 15) -> go.Figure:
    """The first ``top`` what-ifs (as ranked) by one gain, ``label`` naming it with its unit, with 95% intervals."""
    names = geo.local_authorities()["la_name"]
    best = ranked.head(top).iloc[::-1]
    labels = [f"{names.get(r.la_code, r.la_code)} · {setting_name(r.setting)} · need {r.need_level} (+{r.beds})"
              for r in best.itertuples()]
    figure = go.Figure(go.Bar(
        x=best[gain], y=labels, orientation="h",
        error_x={"type": "data", "symmetric": False, "array": best[f"{gain}_high"] - best[gain],
                 "arrayminus": best[gain] - best[f"{gain}_low"]},
    ))
    figure.update_layout(xaxis_title=f"{label} per scenario (mean, 95% interval)", height=120 + 28 * len(best),
                         margin={"l": 10, "r": 10, "t": 10, "b": 40})
    return figure


def _axis(name: str) -> str:
    measure = MEASURES[name]
    return f"{measure.label} ({measure.unit})"


def frontier_figure(found: CheckedFrontier, sentences: list[str]) -> go.Figure:
    """The efficient plans joined by a line, x and y in their units, each point's trade-off on hover;
    the status quo beside them for reference. Points are the first trace, numbered from 1."""
    x, y = found.x, found.y
    mx, my = MEASURES[x], MEASURES[y]
    xs = [p.check.measures[x] for p in found.points]
    ys = [p.check.measures[y] for p in found.points]
    hover = [f"<b>Point {k}</b><br>{my.label}: {my.format(b)}<br>{mx.label}: {mx.format(a)}<br>{sentence}"
             for k, (a, b, sentence) in enumerate(zip(xs, ys, sentences, strict=True), start=1)]
    figure = go.Figure(go.Scatter(x=xs, y=ys, mode="lines+markers+text", name="efficient plans",
                                  text=[str(k) for k in range(1, len(xs) + 1)], textposition="top right",
                                  marker={"size": 12}, hovertext=hover, hoverinfo="text"))
    today = found.points[0].status_quo["measures"] if found.points and found.points[0].status_quo else None
    if today:
        figure.add_trace(go.Scatter(
            x=[today[x]], y=[today[y]], mode="markers", name="status quo", marker={"size": 12, "symbol": "x"},
            hovertext=[f"<b>Status quo</b><br>{my.label}: {my.format(today[y])}<br>{mx.label}: {mx.format(today[x])}"],
            hoverinfo="text"))
    figure.update_layout(xaxis_title=_axis(x), yaxis_title=_axis(y), height=480, legend={"orientation": "h"},
                         margin={"l": 10, "r": 10, "t": 30, "b": 10}, clickmode="event+select")
    figure.update_xaxes(**_ticks(x, xs + ([today[x]] if today else [])))
    figure.update_yaxes(**_ticks(y, ys + ([today[y]] if today else [])))
    return figure


def _ticks(name: str, values: list[float]) -> dict:
    """Whole numbers with thousands separators (£ for spend); whole steps for counts over a short range,
    and some room either side when the values hardly differ, so no two ticks read the same."""
    ticks = {"tickprefix": "£" if name == "weekly_spend" else "", "tickformat": ",.0f"}
    low, high = min(values), max(values)
    if MEASURES[name].whole and high - low < 6:
        ticks |= {"tick0": 0, "dtick": 1}
    pad = 1.0 if MEASURES[name].whole else max(1.0, 0.02 * abs(high))
    if high - low < pad:
        ticks["range"] = [low - pad, high + pad]
    return ticks
