"""Fast page tests with Streamlit's AppTest: every page's main path, no browser needed."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from rcc.app.state import AppState
from rcc.data import read_instance
from rcc.data.generate import generate_instance
from rcc.priorities import MEASURES
from rcc.scenarios.sweep import RANKINGS
from rcc.service import SCORE_LABEL
from tests.conftest import FIXTURES, ROOT

TIMEOUT = 120


def _page(module: str) -> AppTest:
    """An AppTest running one page's ``render()`` as a script."""
    script = f"from rcc.app.pages import {module}\n{module}.render()\n"
    return AppTest.from_string(script, default_timeout=TIMEOUT)


def _no_exceptions(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _tables(at: AppTest) -> list[pd.DataFrame]:
    """Every table on the page: grids (``st.dataframe``) and wrapping tables (``st.table``, whose first
    column is drawn as the row heading)."""
    return [d.value for d in at.dataframe] + [t.value.reset_index() for t in at.table]


def _solve_page() -> AppTest:
    """The Solve page, drawn once, with the 5 s time limit set."""
    at = _page("solve")
    at.run()
    at.slider[0].set_value(5)
    return at


@pytest.fixture(scope="module")
def solved_page():
    """The Solve page after solving the bundled region children first (5 s limit)."""
    at = _solve_page()
    at.button(key="solve_run").click()
    at.run()
    _no_exceptions(at)
    return at


@pytest.fixture(scope="module")
def solved_state(solved_page) -> AppState:
    """The app's state after solving the bundled region on the Solve page."""
    return solved_page.session_state["app"]


def _with_state(module: str, state: AppState) -> AppTest:
    """A page starting from a copy of ``state`` (so one test's clicks never reach another's)."""
    at = _page(module)
    at.session_state["app"] = dataclasses.replace(state, pins=dict(state.pins), recorded=list(state.recorded))
    return at


def test_whole_app_starts_on_the_data_page_with_the_bundled_region():
    """``app.py`` runs: navigation, the Data page, the bundled Greater Manchester summary."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    _no_exceptions(at)
    assert at.title[0].value == "Data"
    assert any("300 children waiting" in t.value for t in at.text)


def test_data_page_shows_demand_and_supply_charts():
    """Demand by LA/need, supply by setting and the age-band chart are drawn."""
    at = _page("data")
    at.run()
    _no_exceptions(at)
    assert len(at.get("plotly_chart")) == 3


class _Upload:
    def __init__(self, path: Path, text: str | None = None):
        self.name = path.name
        self._data = (text if text is not None else path.read_text()).encode()

    def getvalue(self) -> bytes:
        return self._data


def test_bad_upload_gives_the_validation_report_not_a_crash():
    """An upload with a broken cell yields every problem by file/row/column, and loads nothing."""
    from rcc.app.pages.data import upload_report

    folder = FIXTURES / "tiny" / "solo-child-alone"
    homes = (folder / "homes.csv").read_text()
    broken = homes.replace(",2,0,17,", ",-1,0,17,", 1) if ",2,0,17," in homes else homes.replace("good", "great", 1)
    report, problems = upload_report([_Upload(folder / "children.csv"), _Upload(folder / "homes.csv", broken),
                                      _Upload(Path("notes.csv"), "a,b\n1,2\n")])
    assert not report.ok
    assert {"file", "row", "column", "value", "problem"} <= set(problems.columns)
    assert any("notes.csv: is not a contract file" in p for p in problems["problem"])
    assert (problems["file"] == "homes.csv").any()


def test_excel_upload_is_read_by_sheet_name(tmp_path):
    """One workbook with children/homes sheets loads as an instance."""
    import pandas as pd

    from rcc.app.pages.data import upload_report

    folder = FIXTURES / "tiny" / "solo-child-alone"
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer) as writer:
        for name in ("children", "homes", "travel"):
            pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False).to_excel(writer, sheet_name=name,
                                                                                          index=False)
    upload = _Upload(Path("region.xlsx"), "")
    upload._data = buffer.getvalue()
    report, _ = upload_report([upload])
    assert report.ok and report.instance == read_instance(folder).replace(name="upload")


def test_solve_page_solves_children_first_and_keeps_the_result(solved_page, solved_state):
    """The Solve button runs the priorities with progress and leaves a checked plan and its objective."""
    solved = solved_state.solved
    assert solved.check.ok and solved.kpis["children"] == 300 and solved.result.mode == "priorities"
    assert solved_state.greedy.check.ok and solved_state.objective.mode == "priorities"
    assert solved.result.guards  # "no worse than today" is on by default
    success = solved_page.success[0].value
    assert "Checked independently" in success and "of 300 children placed" in success
    assert [m.label for m in solved_page.metric] == [m.label for m in MEASURES.values()]


def _texts(at: AppTest) -> list[str]:
    """Every piece of text a user sees on the page: metric labels, values and changes, markdown, captions,
    alerts, headings, widget labels, and the column names and text cells of every table."""
    found = [t for m in at.metric for t in (m.label, m.value, m.delta or "")]
    for kind in ("markdown", "caption", "text", "success", "info", "warning", "error", "title", "subheader",
                 "header"):
        found += [str(e.value) for e in getattr(at, kind)]
    found += [w.label for kind in ("button", "selectbox", "radio", "number_input", "text_input", "slider",
                                   "multiselect", "checkbox") for w in getattr(at, kind)]
    for frame in at.dataframe:
        table = frame.value
        found += [str(c) for c in table.columns] + [str(i) for i in table.index]
        for column in table.columns:
            if table[column].dtype == object or str(table[column].dtype).startswith("str"):
                found += [str(v) for v in table[column]]
    return found


def test_money_labels_are_honest_after_a_solve(solved_page, solved_state):
    """No text that mentions the (weighted) score carries a £, and weekly spend always does, as £/week:
    on the Solve page, on Results and in the printable summary."""
    results = _with_state("results", solved_state)
    results.run()
    _no_exceptions(results)
    for at in (solved_page, results):
        texts = _texts(at)
        scored = [t for t in texts if "score" in t.lower()]
        assert not [t for t in scored if "£" in t]
        spend = [m for m in at.metric if m.label == "Weekly spend"]
        assert spend and all(m.value.startswith("£") and m.value.endswith("/week") for m in spend)
        assert not any("objective £" in t or "£/wk" in t for t in texts)
    assert any(SCORE_LABEL in t for t in _texts(solved_page))

    from rcc.report import summary_html

    page = summary_html(solved_state.solved, solved_state.greedy)
    assert "proven best on" in page and "bound £" not in page
    assert re.search(r"Weekly spend \(£/week\)</th><td[^>]*>£[\d,]+/week</td>", page)


def test_solve_page_names_a_bad_tolerance_and_will_not_solve():
    """A tolerance that is not a number or a percentage is a named error, and Solve is disabled."""
    at = _solve_page()
    at.text_input(key="tolerance_weekly_spend").set_value("two percent").run()
    _no_exceptions(at)
    assert [e.value for e in at.error] == [
        "Tolerance for “Weekly spend”: a tolerance must be a number or a percentage such as '2%', not 'two percent'."]
    assert at.button(key="solve_run").disabled
    at.text_input(key="tolerance_weekly_spend").set_value("2%").run()
    assert not at.error and not at.button(key="solve_run").disabled
    assert str(at.session_state["app"].objective.priorities.tolerance("weekly_spend")) == "2%"


def test_solve_page_says_which_guard_binds_when_a_budget_is_impossible(solved_state):
    """A £1 a week budget: no plan, the binding guard is named, and the previous plan stays current. The
    children's placements with their family or friends carers alone cost more, so only lifting the budget
    helps; proving its least takes more than 5 s (measured: 14 s), hence 20."""
    at = _with_state("solve", solved_state)
    at.run()
    at.slider[0].set_value(20)
    at.radio(key="guard_budget").set_value("amount").run()
    at.number_input(key="guard_budget_amount").set_value(1.0).run()
    at.button(key="solve_run").click().run()
    _no_exceptions(at)
    error = at.error[0].value
    assert error.startswith("No plan: the guards cannot all hold;") and "weekly spend ≤ £1/week (budget) binds: " in error
    assert "The previous plan is still the current one" in error
    assert at.session_state["app"].solved is solved_state.solved
    assert not at.success


def test_results_page_shows_the_measures_proof_and_sibling_groups(solved_state):
    """Every measure as a metric against the status quo, the shares, proof and guards, each authority by
    name, the sibling groups (apart only, then all), every child and the shortlist — all in plain words."""
    at = _with_state("results", solved_state)
    at.run()
    _no_exceptions(at)
    labels = [m.label for m in at.metric]
    assert labels[:7] == [m.label for m in MEASURES.values()]
    assert {"Placed", "Within 20 miles", "Sibling groups together", "In own authority"} <= set(labels)
    assert all(m.delta for m in at.metric[:7])
    headings = [s.value for s in at.subheader]
    assert {"Proof", "Guards", "By member authority", "Sibling groups", "Every child"} <= set(headings)
    tables = {tuple(t.columns): t for t in _tables(at)}
    shares, counts = (t for c, t in tables.items() if c[0] == "Authority")
    assert "Manchester" in set(shares["Authority"]) and "Placed %" in shares.columns
    assert {"Weekly spend (£/week)", "More than 20 miles away", "Sibling groups apart"} <= set(counts.columns)
    groups = next(t for c, t in tables.items() if "Sibling group" in c)
    assert set(groups["Status"]) == {"apart"}
    at.radio(key="sibling_show").set_value("All").run()
    groups = next(t for t in _tables(at) if "Sibling group" in t.columns)
    assert set(groups["Status"]) <= {"together", "apart", "not placed"} and len(groups) > 1
    for table in _tables(at):
        assert not [c for c in table.columns if "_" in str(c)], table.columns


def test_results_authority_filter_lists_names_and_filters_the_unplaced(solved_state):
    """The filter offers authority names; choosing one narrows every child and those without a home."""
    at = _with_state("results", solved_state)
    at.run()
    choice = at.selectbox(key="children_la")
    assert "Manchester" in choice.options and "E08000003" not in choice.options
    choice.set_value("E08000003").run()
    _no_exceptions(at)
    every = next(t for t in _tables(at) if list(t.columns)[:3] == ["Child", "Authority", "Home"])
    unplaced = next((t for t in _tables(at) if list(t.columns) == ["Child", "Authority", "Why"]),
                    pd.DataFrame(columns=["Child", "Authority", "Why"]))
    assert set(every["Authority"]) == {"Manchester"} and set(unplaced["Authority"]) <= {"Manchester"}
    assert len(unplaced) == (every["Home"] == "—").sum()
    assert all(reason.startswith("Unplaced") for reason in unplaced["Why"])


def test_map_page_draws_after_a_solve(solved_state):
    """The map renders with match lines once a result exists."""
    at = _with_state("geomap", solved_state)
    at.run()
    _no_exceptions(at)
    assert len(at.get("plotly_chart")) == 1


def test_sufficiency_what_if_adds_beds_and_compares_with_baseline(solved_state):
    """+5 foster beds in Manchester: the scenario is solved and shown beside the baseline with a shortfall."""
    at = _with_state("sufficiency", solved_state)
    at.run()
    at.number_input(key="sup_beds").set_value(5)
    at.button[0].click()
    at.run()
    _no_exceptions(at)
    solved, _ = at.session_state["app"].whatif
    assert len(solved.instance.homes) == len(solved_state.instance.homes) + 1
    assert any(m.label == "Placed" for m in at.metric)


def test_block_booking_what_if_counts_void_beds(solved_state):
    """Booking a bed at two homes reports contracted, void and utilisation against spot."""
    at = _with_state("blockbook", solved_state)
    at.run()
    homes = [h.home_id for h in solved_state.instance.homes if h.vacancies > 0][:2]
    at.multiselect[0].set_value(homes)
    at.run()
    at.button[0].click()
    at.run()
    _no_exceptions(at)
    labels = [m.label for m in at.metric]
    assert {"Weekly bill incl. void beds", "Contracted beds", "Void beds", "Utilisation"} <= set(labels)


def test_scenarios_are_saved_and_compared(solved_state):
    """Saving the current plan twice under two names gives a side-by-side comparison."""
    at = _with_state("scenarios", solved_state)
    at.run()
    for name in ("baseline", "again"):
        at.text_input[0].set_value(name)
        at.button[0].click()
        at.run()
    _no_exceptions(at)
    assert {"baseline", "again"} <= set(at.session_state["app"].scenarios)  # the store may hold others
    assert len(at.dataframe) == 1


def test_export_page_offers_csv_excel_and_html(solved_state):
    """Four downloads and a preview of the printable summary."""
    at = _with_state("export", solved_state)
    at.run()
    _no_exceptions(at)
    assert len(at.get("download_button")) == 4


def test_summary_html_holds_no_personal_data(solved_state):
    """The printable page shows pseudonymous IDs and authority names only."""
    from rcc.report import summary_html

    page = summary_html(solved_state.solved, solved_state.greedy)
    assert "C00" in page and "Manchester" in page
    for district in {c.postcode_district for c in solved_state.instance.children if c.postcode_district}:
        assert f">{district}<" not in page


def test_history_page_lists_the_app_solve_and_shows_its_measures(solved_state):
    """The solve made on the Solve page was recorded; History lists it, the weighted score labelled as a
    score, and shows its measures beside the status quo's."""
    at = _page("history")
    at.run()
    _no_exceptions(at)
    assert at.title[0].value == "Run history"
    runs = at.dataframe[0].value
    assert SCORE_LABEL in runs.columns and "objective" not in runs.columns
    solved = runs[(runs["Instance"] == "greater-manchester") & (runs["Status"] != "Infeasible")
                  & (runs["Kind"] == "Solve")]
    at.selectbox[0].set_value(int(solved["Run"].iloc[0])).run()
    _no_exceptions(at)
    assert any("300 children" in m.value for m in at.markdown)
    assert "Measures" in [s.value for s in at.subheader]
    measures = next(t for t in _tables(at) if "Measure" in t.columns)
    assert list(measures["Measure"]) == [m.label for m in MEASURES.values()]
    assert list(measures.columns) == ["Measure", "This plan", "Status quo"]
    assert measures.set_index("Measure").loc["Weekly spend", "This plan"].startswith("£")


def _swept(by: str | None = None) -> AppTest:
    """The Sufficiency page after a sweep of 5 greedy scenarios in process (ranked ``by``, if given)."""
    at = _page("sufficiency")
    at.run()
    at.selectbox(key="sweep_pol").set_value("greedy")
    at.number_input(key="sweep_workers").set_value(0)
    at.number_input(key="sweep_n").set_value(5)
    at.number_input(key="sweep_top").set_value(1)
    at.multiselect(key="sweep_settings").set_value(["foster"])
    if by:
        at.radio(key="sweep_by").set_value(by)
    at.button(key="sweep_run").click()
    at.run()
    _no_exceptions(at)
    return at


def test_sufficiency_sweep_ranks_extra_beds_and_records_the_run():
    """The sweep needs no baseline: 5 greedy scenarios in process, ranked table and chart, and a recorded run."""
    at = _swept()
    by, ranked = at.session_state["app"].sweep
    lead = ranked[list(RANKINGS["priorities"])]
    assert by == "priorities" and len(ranked) >= 1
    assert list(lead.itertuples(index=False)) == sorted(lead.itertuples(index=False), reverse=True)
    assert len(at.get("plotly_chart")) == 1
    assert any("Recorded as run" in c.value for c in at.caption)
    table = at.dataframe[0].value
    assert {"Authority", "Weekly spend saved (£/week)", "Children placed who would not have been"} <= set(
        table.columns)
    assert not [c for c in table.columns if "_" in c]


def test_sufficiency_sweep_can_rank_by_spend():
    """Ranked by weekly spend saved: real money first, the children after."""
    at = _swept("spend")
    by, ranked = at.session_state["app"].sweep
    assert by == "spend" and list(ranked["spend_saved"]) == sorted(ranked["spend_saved"], reverse=True)
    assert at.selectbox(key="sweep_chart_gain").value == "spend_saved"


def test_block_booking_optimiser_recommends_and_validates_out_of_sample():
    at = _page("blockbook")
    at.run()
    at.selectbox(key="bb_opt_pol").set_value("greedy")
    at.number_input(key="bb_opt_workers").set_value(0)
    at.number_input(key="bb_opt_in").set_value(3)
    at.number_input(key="bb_opt_out").set_value(3)
    at.number_input(key="bb_opt_max").set_value(3)
    at.button(key="bb_opt_run").click()
    at.run()
    _no_exceptions(at)
    labels = [m.label for m in at.metric]
    assert {"Beds recommended", "Weekly bill saved in sample (£/week)",
            "Weekly bill saved out of sample (£/week)"} <= set(labels)
    assert all(m.value.startswith(("£", "−£")) for m in at.metric if "bill" in m.label)
    rec = at.session_state["app"].block_recommendation
    assert rec.mean_bill <= rec.spot_mean_bill and set(rec.out_of_sample["metric"]) >= {"weekly_bill", "void_beds"}
    table = at.dataframe[-1].value
    assert table.iloc[0][""] == "Weekly bill (£/week)" and "£" in table.iloc[0]["Spot only"]
    score = table.set_index("").loc[SCORE_LABEL]
    assert not any("£" in v for v in score)


def test_history_shows_what_an_optimisation_recorded():
    """Runs without assignments (evaluations, optimisations, sweeps) show their recorded tables instead."""
    from rcc.store import RunRecord, RunStore

    run_id = RunStore().record(RunRecord(
        kind="optimise", instance="history-test", inputs={}, parameters={"discount": 0.15}, status="done",
        runtime_s=1.0, kpis={"beds": 1}, results={"contracts": [{"home_id": "H1", "beds": 1, "price": 500.0}]}))
    at = _page("history")
    at.run()
    at.selectbox[0].set_value(run_id)
    at.run()
    _no_exceptions(at)
    assert "Contracts" in [h.value for h in at.subheader]
    assert not any("children," in m.value for m in at.markdown)


@pytest.fixture(scope="module")
def small_region():
    """60 generated children in three authorities: a trade-off between spend and siblings in seconds."""
    return generate_instance(las=["E08000003", "E08000006", "E08000007"], children=60, seed=2)


def test_trade_offs_page_draws_the_frontier_and_opens_a_point(small_region):
    """Three plans between weekly spend and brothers and sisters apart: a chart with axes in their units,
    the steps in words, the frontier kept, one point opened with its measures and made the current plan."""
    at = _with_state("tradeoffs", AppState(instance=small_region, label="generated"))
    at.run()
    _no_exceptions(at)
    assert at.selectbox(key="tradeoff_x").value == "weekly_spend"
    assert at.selectbox(key="tradeoff_y").value == "siblings_apart"
    at.slider(key="tradeoff_time").set_value(30)
    at.number_input(key="tradeoff_points").set_value(3)
    at.button(key="tradeoff_run").click().run()
    _no_exceptions(at)
    run = at.session_state["app"].frontier
    assert run.instance is small_region and 2 <= len(run.found.points) <= 3
    assert all(p.check.ok for p in run.found.points)
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    figure = json.loads(charts[0].proto.spec)
    assert figure["layout"]["xaxis"]["title"]["text"] == "Weekly spend (£/week)"
    assert figure["layout"]["yaxis"]["title"]["text"] == "Brothers and sisters apart (separations)"
    assert figure["data"][0]["mode"] == "lines+markers+text" and len(figure["data"][0]["x"]) == len(run.found.points)
    steps = next(m.value for m in at.markdown if m.value.startswith("- From point 2 to point 1:"))
    assert "costs £" in steps and "/week" in steps
    assert any("Recorded as runs" in c.value for c in at.caption)

    at.selectbox(key="tradeoff_open").set_value(1).run()
    _no_exceptions(at)
    assert "Point 2" in [s.value for s in at.subheader]
    assert [m.label for m in at.metric] == [m.label for m in MEASURES.values()]
    spend = next(m for m in at.metric if m.label == "Weekly spend")
    assert spend.value == MEASURES["weekly_spend"].format(run.found.points[1].check.measures["weekly_spend"])
    at.button(key="tradeoff_use").click().run()
    _no_exceptions(at)
    assert at.session_state["app"].solved is run.found.points[1]
    assert at.session_state["app"].frontier is run  # kept across reruns



def test_loading_another_instance_clears_every_result(solved_state, small_region):
    """Every result the state can hold is set, then the Data page loads the bundled region over another
    instance: every one is gone (whatever fields the state grows later), and only the settings stay."""
    from rcc.app.pages.data import SOURCES

    defaults = AppState()
    results = [f.name for f in dataclasses.fields(AppState)
               if f.name not in (*AppState.KEPT_ON_LOAD, "instance", "label", "status_quo", "data_import")]
    full = dataclasses.replace(solved_state, instance=small_region, label="uploaded instance",
                               **{name: {"C00001": None} if name == "pins" else object()
                                  for name in results if name not in ("solved", "greedy")})
    at = _with_state("data", full)
    at.run()
    assert at.radio[0].value == SOURCES[1]  # the upload is kept on first view
    at.radio[0].set_value(SOURCES[0]).run()
    _no_exceptions(at)
    loaded = at.session_state["app"]
    assert loaded.instance is not small_region and loaded.label == "Greater Manchester (bundled)"
    assert {name: getattr(loaded, name) for name in results} == {name: getattr(defaults, name) for name in results}
    assert loaded.objective is solved_state.objective and loaded.weights is solved_state.weights


def test_load_drops_todays_placements_and_the_import_too(solved_state):
    """``AppState.load`` resets the SSDA903 status quo and import with the results."""
    state = dataclasses.replace(solved_state, status_quo=object(), data_import=object())
    state.load(solved_state.instance, "again")
    assert state.status_quo is None and state.data_import is None and state.solved is None and state.run_id is None


@pytest.fixture(scope="module")
def pinned(small_region):
    """On 60 generated children: a Solve, then a pin on Results (the first child left unplaced) and
    re-solved. The state after the pin, and the child pinned."""
    at = _with_state("solve", AppState(instance=small_region, label="generated"))
    at.run()
    at.slider[0].set_value(5)
    at.button(key="solve_run").click().run()
    _no_exceptions(at)
    results = _with_state("results", at.session_state["app"])
    results.run()
    child = results.selectbox(key="pin_child").value
    results.selectbox(key="pin_home").set_value("(leave unplaced)")
    results.button(key="pin_run").click().run()
    _no_exceptions(results)
    return results.session_state["app"], child


def test_a_pinned_solve_is_recorded_with_its_pin(pinned):
    """The re-solve made by a pin on Results reaches the run store, its pins among its parameters."""
    from rcc.store import RunStore

    state, child = pinned
    assert state.pins == {child: None} and state.solved.result.assignment[child] is None
    run = RunStore().run(state.run_id)
    assert run["parameters"]["purpose"] == "pin" and run["parameters"]["pins"] == {child: None}
    assert pd.isna(run["assignments"].set_index("child_id").loc[child, "home_id"])


def test_a_what_if_after_a_pin_keeps_the_pin_and_is_recorded(pinned):
    """The Sufficiency what-if solves with the current pins (and says so), and is recorded as a what-if."""
    from rcc.store import RunStore

    state, child = pinned
    at = _with_state("sufficiency", state)
    at.run()
    at.number_input(key="sup_beds").set_value(2)
    at.button[0].click().run()
    _no_exceptions(at)
    solved, _ = at.session_state["app"].whatif
    assert solved.result.assignment[child] is None
    assert any(f"{child} → unplaced" in c.value for c in at.caption)
    runs = RunStore().runs(limit=5)
    what_if = RunStore().run(int(runs["id"].iloc[0]))
    assert what_if["parameters"]["purpose"] == "what-if" and what_if["parameters"]["pins"] == {child: None}


def test_history_reopens_a_past_run_as_the_current_plan_rechecked(pinned):
    """'Open this run' on History makes the pinned run the current plan again, in a fresh session: the
    same assignment, pins and instance, re-checked."""
    state, _ = pinned
    at = _page("history")
    at.run()
    at.selectbox[0].set_value(state.run_id).run()
    at.button(key="history_open").click().run()
    _no_exceptions(at)
    opened = at.session_state["app"]
    assert opened.run_id == state.run_id and opened.pins == state.pins
    assert opened.instance == state.instance and opened.solved is not state.solved and opened.solved.check.ok
    assert dict(opened.solved.result.assignment) == dict(state.solved.result.assignment)
    assert any(f"Run {state.run_id} is now the current plan" in s.value for s in at.success)


def test_a_refresh_reopens_the_plan_named_in_the_url(pinned):
    """A refresh is a new session with ``?run=`` in the address: Results shows that run's plan."""
    state, _ = pinned
    at = _page("results")
    at.query_params["run"] = str(state.run_id)
    at.run()
    _no_exceptions(at)
    assert at.session_state["app"].run_id == state.run_id
    placed = next(m for m in at.metric if m.label == "Placed")
    assert placed.value == f"{state.solved.kpis['placed_pct']:.1f}%"
    assert at.query_params["run"] == str(state.run_id)


def test_a_plan_that_no_longer_passes_the_check_is_not_reopened(pinned):
    """A recorded plan tampered with in the store (a child in a home that does not exist) is refused with
    the checker's reason, and the session starts afresh rather than show it."""
    from sqlalchemy import text

    from rcc.store import RunStore

    state, _ = pinned
    store = RunStore()
    copy = store.record(dataclasses.replace(_recorded(store, state.run_id), parameters={"purpose": "tampered"}))
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE assignments SET home_id = 'NOWHERE' WHERE run_id = :id"), {"id": copy})
    at = _page("results")
    at.query_params["run"] = str(copy)
    at.run()
    _no_exceptions(at)
    assert at.session_state["app"].solved is None
    assert "no longer passes the independent check" in at.warning[0].value


def _recorded(store, run_id: int):
    """A stored solve as a record again (with its weights), to store a altered copy of it."""
    from rcc.store import RunRecord

    run = store.run(run_id)
    return RunRecord(kind="solve", instance=run["instance"], inputs=run["inputs"], parameters={}, status=run["status"],
                     runtime_s=run["runtime_s"], results=run["results"],
                     assignments=list(run["assignments"].itertuples(index=False, name=None)))


def test_saved_scenarios_come_back_in_a_new_session(pinned):
    """A scenario saved on the Scenarios page is in the store: a fresh session (a refresh) lists it."""
    state, _ = pinned
    at = _with_state("scenarios", state)
    at.run()
    at.text_input[0].set_value("kept across refresh")
    at.button[0].click().run()
    _no_exceptions(at)
    fresh = _page("scenarios")
    fresh.run()
    _no_exceptions(fresh)
    again = fresh.session_state["app"].scenarios["kept across refresh"]
    assert dict(again.solved.result.assignment) == dict(state.solved.result.assignment) and again.solved.check.ok


SNAKE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")
PERCENT = re.compile(r"(−?-?[\d,]+(?:\.\d+)?)%")


def _readable_tables(at: AppTest) -> None:
    """No table column is a raw snake_case name, no cell reads 'None' or 'nan', and every percentage
    (a '%' column or a 'n%' text) is between 0 and 100."""
    for table in _tables(at):
        assert not [c for c in table.columns if SNAKE.match(str(c))], list(table.columns)
        for column in table.columns:
            values = table[column].dropna()
            if "%" in str(column) and pd.api.types.is_numeric_dtype(values):
                assert values.between(0, 100).all(), (column, values.tolist())
            if values.dtype == object:
                text = [str(v) for v in values]
                assert not [t for t in text if t in ("None", "nan", "NaN")], column
                shares = [float(m.replace(",", "").replace("−", "-")) for t in text for m in PERCENT.findall(t)]
                assert all(0 <= p <= 100 for p in shares), (column, shares)


def test_owned_pages_show_readable_tables(pinned):
    """Data, Solve, Results and History after a solve: plain column names, no 'None', shares within 0–100."""
    state, _ = pinned
    for module in ("data", "solve", "results", "history", "export"):
        at = _with_state(module, state)
        at.run()
        _no_exceptions(at)
        _readable_tables(at)


def test_every_child_has_the_full_reason_a_tap_away(pinned):
    """The one-child panel shows the chosen child's whole reason, unclipped, and distances in miles."""
    state, child = pinned
    at = _with_state("results", state)
    at.run()
    assert at.selectbox(key="pin_child").value == child
    assert state.solved.explainer.reason(child) in [i.value for i in at.info]
    shortlist = next(d.value for d in at.dataframe if "Rank" in d.value.columns)
    assert "Distance (miles)" in shortlist.columns and "km" not in shortlist.columns
