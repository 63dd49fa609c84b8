"""The Data page's SSDA903 + Ofsted import and the Results page's "Today (SSDA903)" comparison.

AppTest cannot upload files, so the import step (``data.import_and_load``) is called with paths or
buffers, inside an AppTest script where it must touch session state; the page's rendering is tested
with the state an import leaves. The sample files are the invented 903 tables and Ofsted lists of
``tests/data/ssda903-fake``; ``ch_fake.xlsx`` holds one home, URN njascn in BN20 (Eastbourne).
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from rcc.app import imports
from rcc.app.pages.data import SOURCES
from rcc.app.state import AppState, StatusQuo
from rcc.imports.status_quo import actual_measures
from rcc.solver.guards import TODAY
from tests.conftest import ROOT

SAMPLE = ROOT / "tests" / "data" / "ssda903-fake"
LA = "E08000003"  # Manchester
AS_OF = dt.date(2017, 3, 31)
VACANCIES_CSV = "urn,vacancies,weekly_cost\nnjascn,2,5200\n"
TIMEOUT = 120
FULL_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")


def _buffer(name: str, data: bytes) -> io.BytesIO:
    """What the app gets from an uploader: bytes with the file's name."""
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def _vacancies() -> io.BytesIO:
    return _buffer("vacancies.csv", VACANCIES_CSV.encode())


@pytest.fixture(scope="module")
def sample_import() -> imports.ImportOutcome:
    """The four sample uploads (ch_fake.xlsx as the provider list) and a vacancies file giving njascn 2 beds."""
    files = [_buffer(name, (SAMPLE / name).read_bytes()) for name in ("header.csv", "episodes.csv", "ch_fake.xlsx")]
    return imports.import_sources(*files, _vacancies(), LA, AS_OF)


def _import_script(tmp_path, header=SAMPLE / "header.csv", providers=SAMPLE / "ch_fake.xlsx", vacancies=None) -> str:
    """An AppTest script that runs the page's import step with these files, then draws the page."""
    if vacancies is not None:
        (tmp_path / "vacancies.csv").write_text(vacancies)
        vacancies = tmp_path / "vacancies.csv"
    return ("import datetime as dt\nfrom rcc.app.pages import data\n"
            f"data.import_and_load({str(header)!r}, {str(SAMPLE / 'episodes.csv')!r}, {str(providers)!r}, "
            f"{None if vacancies is None else str(vacancies)!r}, {LA!r}, dt.date(2017, 3, 31))\n"
            "data.render()\n")


def _no_exceptions(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _imported_state(outcome: imports.ImportOutcome) -> AppState:
    """The app's state as a successful import on the Data page leaves it."""
    return AppState(instance=outcome.instance, label=outcome.label, data_import=outcome,
                    status_quo=StatusQuo(outcome.ssda903.status_quo_summary, outcome.ssda903.status_quo))


def _page(module: str, state: AppState) -> AppTest:
    at = AppTest.from_string(f"from rcc.app.pages import {module}\n{module}.render()\n", default_timeout=TIMEOUT)
    at.session_state["app"] = state
    return at


def test_sample_import_is_a_valid_instance_of_the_manchester_cohort_and_one_home(sample_import):
    """2,038 children in care on 2017-03-31, the one home of ch_fake.xlsx and the family or friends carers of
    the 222 children placed with one (PLACE U1-U3), each reserved for its child, pass the contract's validator."""
    assert sample_import.ok and imports.refusal(sample_import) is None
    inst = sample_import.instance
    assert len(inst.children) == 2038 and {c.la_code for c in inst.children} == {LA}
    assert [(h.home_id, h.postcode_district, h.vacancies) for h in inst.homes[:1]] == [("njascn", "BN20", 2)]
    carers = inst.homes[1:]
    assert len(carers) == sample_import.ssda903.summary["kinship_carers"] == 222
    assert all(h.home_id == f"KIN-{h.reserved_for}" and h.reserved_for in inst.child_by_id for h in carers)
    assert imports.no_vacancy_warning(sample_import) is None
    assert sample_import.label == "SSDA903 of Manchester on 2017-03-31 + ch_fake.xlsx"


def test_report_counts_every_reason_and_lists_every_problem_by_file_row_and_column(sample_import):
    """Counts by reason come from both importers; the problem table holds every problem, errors first."""
    counts = imports.reason_counts(sample_import)
    skipped = counts[(counts["source"] == "SSDA903") & (counts["counted"] == "children skipped")]
    assert dict(zip(skipped["reason"], skipped["count"], strict=True)) == {"overlapping_episodes": 62}
    assert "setting_types_disagree" in set(counts.loc[counts["source"] == "Ofsted list", "reason"])
    problems = imports.problem_table(sample_import)
    assert list(problems.columns) == ["source", "file", "row", "column", "value", "rule", "severity", "key"]
    assert len(problems) == len(sample_import.ssda903.problems) + len(sample_import.ofsted.problems)
    assert (problems["severity"].iloc[:144] == "error").all() and (problems["severity"].iloc[144:] == "warning").all()
    assert {"episodes.csv", "ch_fake.xlsx[Provider information]"} <= set(problems["file"])
    assert problems.loc[0, "source"] == "SSDA903"  # no error from the list or the contract to put first


def test_nothing_personal_reaches_the_report_or_the_files(sample_import):
    """No date of birth, UPN or full postcode in the problem table or any file offered for download."""
    header = pd.read_csv(SAMPLE / "header.csv", dtype=str, keep_default_na=False)
    problems = imports.problem_table(sample_import)
    assert set(problems.loc[problems["column"] == "DOB", "value"]) <= {"(withheld)", ""}
    shown = problems.to_csv(index=False) + "".join(imports.output_files(sample_import).values())
    assert not FULL_POSTCODE.search(shown)
    assert not set(header["UPN"]) & set(re.findall(r"[A-Z]\d{12}", shown))


def test_import_offers_the_903_files_and_homes_csv(sample_import):
    """What ``rcc import-903`` writes, plus the homes.csv ``rcc import-ofsted`` would write."""
    files = imports.output_files(sample_import)
    assert set(files) == {"children.csv", "kinship_homes.csv", "status_quo.csv", "status_quo.json", "entries.csv", "demand_profile.csv",
                          "import_report.csv", "import_report.json", "homes.csv"}
    assert files["homes.csv"].splitlines()[1].startswith("njascn,The Setting,childrens_home,E10000011,BN20,2,")


def test_without_a_vacancies_file_the_page_says_every_child_will_be_unplaced():
    """Homes default to 0 vacancies without a vacancies file; that is loaded, and said plainly."""
    outcome = imports.import_sources(SAMPLE / "header.csv", SAMPLE / "episodes.csv", SAMPLE / "ch_fake.xlsx", None,
                                     LA, AS_OF)
    assert outcome.ok and outcome.instance.total_vacancies == 222  # the family or friends carers' places only
    assert imports.no_vacancy_warning(outcome) == (
        "No home in the provider list has a vacancy (no vacancies file was given): every child but the 222 with a "
        "family or friends carer will be unplaced. "
        "A vacancies file (docs/vacancies-file.md) says which beds are free.")


def test_provider_list_with_errors_loads_nothing_but_keeps_the_903_files():
    """scp_ch_2025_fake.xlsx has no row that can be a home, and the vacancies file names njascn, not in it."""
    outcome = imports.import_sources(SAMPLE / "header.csv", SAMPLE / "episodes.csv",
                                     SAMPLE / "scp_ch_2025_fake.xlsx", _vacancies(), LA, AS_OF)
    assert not outcome.ok and outcome.report is None
    assert imports.refusal(outcome).startswith("The provider list (or vacancies file) has 1 error(s)")
    problems = imports.problem_table(outcome)
    assert problems.iloc[0][["file", "row", "column", "value", "rule"]].tolist() == [
        "vacancies.csv", 2, "urn", "njascn", "is not a URN in the provider list"]
    assert "homes.csv" not in imports.output_files(outcome) and "children.csv" in imports.output_files(outcome)


def test_data_page_import_loads_the_cohort_and_keeps_today_beside_it(tmp_path):
    """The page's import step loads the instance and the status quo, and shows the report and the files."""
    at = AppTest.from_string(_import_script(tmp_path, vacancies=VACANCIES_CSV), default_timeout=TIMEOUT)
    at.run()
    _no_exceptions(at)
    assert at.radio[0].value == SOURCES[2]
    assert at.success[0].value == "Loaded: 2,038 children waiting, 223 homes with 224 vacancies."
    assert any("**SSDA903**: 2,038 children in care of Manchester on 2017-03-31 (62 skipped)" in m.value
               for m in at.markdown)
    assert [s.value for s in at.subheader][:3] == ["Counts by reason", "Every problem", "Files"]
    assert len(at.get("download_button")) == 9  # the 903 files, kinship_homes.csv among them, and homes.csv
    assert at.session_state["app"].status_quo.summary["with_known_placement_location"] == 256
    assert not at.warning  # njascn has 2 vacancies
    assert any("2038 children waiting, 223 homes with 224 vacancies" in t.value for t in at.text)  # 222 kin carers


def test_header_without_child_column_shows_errors_and_loads_nothing(tmp_path):
    """A 903 Header table missing CHILD is refused with the column named; the bundled region stays loaded."""
    header = tmp_path / "header.csv"
    header.write_text((SAMPLE / "header.csv").read_text().replace("CHILD,", "CHILDREF,", 1))
    at = AppTest.from_string(_import_script(tmp_path, header=header), default_timeout=TIMEOUT)
    at.run()
    at.radio[0].set_value(SOURCES[2]).run()  # nothing was loaded, so the page opened on the bundled region
    _no_exceptions(at)
    assert at.error[0].value.startswith("The SSDA903 files could not be imported, so nothing was loaded.")
    problems = at.dataframe[1].value
    assert "required column 'CHILD' is missing (it needs CHILD, SEX, DOB)" in set(problems["rule"])
    assert at.session_state["app"].label == "Greater Manchester (bundled)"
    assert at.session_state["app"].status_quo is None
    assert [b.label for b in at.get("download_button")] == ["homes.csv"]  # the provider list itself was fine


def test_coming_back_to_the_data_page_keeps_the_import_until_another_source_is_chosen(sample_import):
    """The source option follows what is loaded; choosing the bundled region drops the import and today."""
    at = _page("data", _imported_state(sample_import))
    at.run()
    _no_exceptions(at)
    assert at.radio[0].value == SOURCES[2] and at.session_state["app"].instance is sample_import.instance
    at.radio[0].set_value(SOURCES[0]).run()
    _no_exceptions(at)
    assert at.session_state["app"].label == "Greater Manchester (bundled)"
    assert at.session_state["app"].status_quo is None and at.session_state["app"].data_import is None


@pytest.fixture(scope="module")
def imported_solve(sample_import) -> dict:
    """The Solve page after an import: the session state it leaves, and the page itself."""
    at = _page("solve", _imported_state(sample_import))
    at.run()
    at.slider[0].set_value(5)
    at.button(key="solve_run").click().run()
    _no_exceptions(at)
    return {"page": at, "state": at.session_state["app"]}


def test_solve_page_guards_use_todays_placements_after_an_import(sample_import, imported_solve):
    """After an SSDA903 import the page says the far-from-home and outside-the-authority guards use today's
    placements, and the solve holds them to the 903's counts rather than the greedy status quo's."""
    at = imported_solve["page"]
    note = next(i.value for i in at.info if "SSDA903" in i.value)
    actual = actual_measures(sample_import.ssda903.status_quo)
    assert note.startswith("Today's placements from the SSDA903 import set the guards on placed more than 20 miles "
                           f"away ({actual['far_from_home']:.0f} children today)")
    solved = imported_solve["state"].solved
    assert solved.status_quo["sources"]["far_from_home"] == TODAY
    assert solved.status_quo["sources"]["outside_own_la"] == TODAY
    assert solved.status_quo["measures"]["far_from_home"] == actual["far_from_home"]
    caps = {g.measure: (g.cap, g.source) for g in solved.result.guards}
    assert caps["far_from_home"] == (actual["far_from_home"], TODAY)


def test_results_page_shows_today_from_ssda903_beside_rccs_plan(imported_solve):
    """Today's 903 figures beside the checked plan; siblings are not recorded in the 903; the changes
    compare with today's placements where the 903 records them."""
    at = _page("results", imported_solve["state"])
    at.run()
    _no_exceptions(at)
    assert "Today (SSDA903) beside rcc's plan" in [s.value for s in at.subheader]
    caption = next(c.value for c in at.caption if "Today's placements" in c.value)
    assert "0 of 2,038 children live in a listed home" in caption and "the 224 imported vacancies only" in caption
    assert "today's placements (SSDA903) for far from home" in at.caption[0].value
    table = next(t.value for t in at.table if "Today (SSDA903)" in t.value.columns)  # its first column heads the rows
    assert list(table["Today (SSDA903)"]) == ["2,038", "256", "70.8 miles", "16.0%", "100.0%", "not recorded in SSDA903"]
    assert list(table["rcc's plan"]) == ["2,038", "200", "0.8 miles", "97.5%", "7.0%", "no sibling groups in the data"]
    # BN20 is beyond every child's 80 km, so only children with a family or friends carer within their reach are
    # placed (200 of the 222; the invented postcodes put the rest far away), and the 903 links no siblings


def test_comparison_counts_placed_outside_the_la_as_the_complement_of_own_la():
    """rcc's "outside the LA" is 100 − own-LA % of the placed, as the 903's is of the located."""
    today = {"children": 10, "with_known_placement_location": 4, "mean_km": 30.0, "within_20_miles_pct": 50.0,
             "outside_la_pct": 75.0}
    plan = {"children": 10, "placed": 8, "mean_km": 12.345, "within_20_miles_pct": 87.5, "own_la_pct": 62.5,
            "groups_apart": 1, "siblings_together_pct": 50.0}
    table = imports.status_quo_comparison(today, plan).set_index("")
    assert table.loc["Placed outside the LA"].tolist() == ["75.0%", "37.5%"]
    assert table.loc["Mean distance from home"].tolist() == ["18.6 miles", "7.7 miles"]
    assert table.loc["Sibling groups apart"].tolist() == ["not recorded in SSDA903", "1"]


def test_default_as_of_is_the_last_31_march():
    """A 903 return is collected to 31 March; before that day in a year, the year before's."""
    assert imports.default_as_of(dt.date(2025, 3, 31)) == dt.date(2025, 3, 31)
    assert imports.default_as_of(dt.date(2025, 3, 30)) == dt.date(2024, 3, 31)
    assert imports.default_as_of(dt.date(2025, 11, 2)) == dt.date(2025, 3, 31)


def test_903_entries_to_care_are_offered_as_the_scenarios_demand(sample_import):
    """After an import, the scenario pages can resample the 903's entries to care (42 in 52 weeks in the
    sample) instead of today's cohort; the weeks they cover come from the import, not a guess."""
    referrals = imports.entries_referrals(sample_import)
    assert len(referrals.children) == sample_import.ssda903.summary["entries"] == 42
    # the market's homes: today's children's family or friends carers take no future referral
    assert referrals.homes == tuple(h for h in sample_import.instance.homes if h.reserved_for is None)
    at = _page("sufficiency", _imported_state(sample_import))
    at.run()
    _no_exceptions(at)
    choice = next(r for r in at.radio if r.label == "Referrals sampled from")
    assert choice.options == ["waiting children", "SSDA903 entries to care"]
    choice.set_value("SSDA903 entries to care").run()
    _no_exceptions(at)
    assert any(m.label == "Weeks of referrals" and m.value == "52" for m in at.metric)
