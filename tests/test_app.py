"""Fast page tests with Streamlit's AppTest: every page's main path, no browser needed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rcc.data import read_instance
from tests.conftest import FIXTURES, ROOT

TIMEOUT = 120


def _page(module: str) -> AppTest:
    """An AppTest running one page's ``render()`` as a script."""
    script = f"from rcc.app.pages import {module}\n{module}.render()\n"
    return AppTest.from_string(script, default_timeout=TIMEOUT)


def _no_exceptions(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.fixture(scope="module")
def solved_state():
    """Session state after solving the bundled region on the Solve page (5 s limit)."""
    at = _page("solve")
    at.run()
    at.slider[0].set_value(5)
    at.button[0].click()
    at.run()
    _no_exceptions(at)
    return {key: at.session_state[key] for key in ("instance", "instance_label", "weights", "solved", "greedy")}


def _with_state(module: str, state: dict) -> AppTest:
    at = _page(module)
    for key, value in state.items():
        at.session_state[key] = value
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


def test_solve_page_solves_and_keeps_the_result(solved_state):
    """The Solve button runs CP-SAT with progress and leaves a checked result in the session."""
    solved = solved_state["solved"]
    assert solved.check.ok and solved.kpis["children"] == 300
    assert solved_state["greedy"].check.ok


def test_results_page_shows_kpis_against_the_status_quo(solved_state):
    """KPI metrics with deltas, the per-child table with reasons, unplaced and per-LA tables."""
    at = _with_state("results", solved_state)
    at.run()
    _no_exceptions(at)
    labels = [m.label for m in at.metric]
    assert labels[:4] == ["Placed", "Within 20 miles", "Sibling groups together", "In own LA"]
    assert "Weekly cost" in labels and all(m.delta for m in at.metric[:2])
    assert len(at.dataframe) >= 4  # every child, unplaced, per LA, shortlist


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
    solved, _ = at.session_state["scenario_result"]
    assert len(solved.instance.homes) == len(solved_state["instance"].homes) + 1
    assert any(m.label == "Placed" for m in at.metric)


def test_block_booking_what_if_counts_void_beds(solved_state):
    """Booking a bed at two homes reports contracted, void and utilisation against spot."""
    at = _with_state("blockbook", solved_state)
    at.run()
    homes = [h.home_id for h in solved_state["instance"].homes if h.vacancies > 0][:2]
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
    assert set(at.session_state["scenarios"]) == {"baseline", "again"}
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

    page = summary_html(solved_state["solved"], solved_state["greedy"])
    assert "C00" in page and "Manchester" in page
    for district in {c.postcode_district for c in solved_state["instance"].children if c.postcode_district}:
        assert f">{district}<" not in page


def test_login_is_off_by_default_and_required_when_a_password_is_configured():
    """With ``password`` in secrets the app shows only a password box until it is typed correctly."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.secrets["password"] = "s3cret"
    at.run()
    assert not at.title and at.text_input[0].label == "Password"
    at.text_input[0].input("wrong").run()
    assert at.error[0].value == "Wrong password."
    at.text_input[0].input("s3cret").run()
    _no_exceptions(at)
    assert at.title[0].value == "Data"


def test_history_page_lists_the_app_solve_and_shows_one_run(solved_state):
    """The solve made on the Solve page was recorded; History lists it and shows its KPIs."""
    at = _page("history")
    at.run()
    _no_exceptions(at)
    assert at.title[0].value == "Run history"
    runs = at.dataframe[0].value
    assert (runs["instance"] == "greater-manchester").any() and len(at.selectbox) == 1
    assert any("300 children" in m.value for m in at.markdown)


def test_sufficiency_sweep_ranks_extra_beds_and_records_the_run():
    """The sweep needs no baseline: 5 greedy scenarios in process, ranked table and chart, and a recorded run."""
    at = _page("sufficiency")
    at.run()
    at.selectbox(key="sweep_pol").set_value("greedy")
    at.number_input(key="sweep_workers").set_value(0)
    at.number_input(key="sweep_n").set_value(5)
    at.number_input(key="sweep_top").set_value(1)
    at.multiselect(key="sweep_settings").set_value(["foster"])
    at.button(key="sweep_run").click()
    at.run()
    _no_exceptions(at)
    ranked = at.session_state["sweep_result"]
    assert len(ranked) >= 1 and list(ranked["total_saved"]) == sorted(ranked["total_saved"], reverse=True)
    assert len(at.get("plotly_chart")) == 1
    assert any("Recorded as run" in c.value for c in at.caption)


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
    assert {"Beds recommended", "Saving in sample (£/wk)", "Saving out of sample (£/wk)"} <= set(labels)
    rec = at.session_state["bb_opt"]
    assert rec.mean_total <= rec.spot_mean_total and set(rec.out_of_sample["metric"]) >= {"total", "void_beds"}


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
