"""End to end in a real browser: the SSDA903 + Ofsted import through the Data page's real file inputs.

The app, Chromium and the helpers are the shared ones of ``conftest.py`` and ``streamlit_ui.py`` (the app
fixture is per module, so this module gets its own app on its own port). The four sample files of
``tests/data/ssda903-fake`` are uploaded: first with ``scp_ch_2025_fake.xlsx`` as the provider list, which
is refused, then with ``ch_fake.xlsx``, which loads; a vacancies file written here gives its one home (URN
njascn) two beds.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.streamlit_ui import ROOT, assert_page, go, settle, shoot

pytestmark = pytest.mark.browser

SAMPLE = ROOT / "tests" / "data" / "ssda903-fake"
BUNDLED = "Loaded: Greater Manchester (bundled)"


def _upload(page: Page, label: str, path) -> None:
    """Set one file on the uploader whose label starts with ``label``, and wait until it is listed."""
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text=label)
    uploader.locator('input[type="file"]').set_input_files(path)
    expect(uploader.get_by_role("button", name=f"Remove {path.name}")).to_be_visible()  # the chip shortens names
    settle(page)


def _choose_authority_and_date(page: Page) -> None:
    authority = page.get_by_role("combobox", name="Responsible local authority")
    authority.click()
    page.keyboard.type("Manchester")
    page.get_by_role("option", name="Manchester", exact=True).click()
    expect(authority).to_have_value("Manchester")
    settle(page)
    date = page.locator('[data-testid="stDateInput"]')
    date.get_by_role("spinbutton", name=re.compile(r"^year,")).click()  # the default is a 31 March already
    page.keyboard.type("2017")
    page.keyboard.press("Enter")
    expect(date.locator('input[type="date"]')).to_have_value("2017-03-31")
    settle(page)


def _import(page: Page) -> None:
    page.get_by_role("button", name="Import and load").click()
    settle(page)


def test_import_903_and_ofsted_files_loads_the_cohort_with_its_report(page: Page, tmp_path):
    vacancies = tmp_path / "vacancies.csv"
    vacancies.write_text("urn,vacancies,weekly_cost\nnjascn,2,5200\n")

    assert_page(page, "Data")
    page.get_by_text("Import SSDA903 + Ofsted list", exact=True).click()
    settle(page)
    _upload(page, "SSDA903 Header table", SAMPLE / "header.csv")
    _upload(page, "SSDA903 Episodes table", SAMPLE / "episodes.csv")
    _upload(page, "Ofsted provider list", SAMPLE / "scp_ch_2025_fake.xlsx")
    _upload(page, "Vacancies file", vacancies)
    _choose_authority_and_date(page)

    _import(page)
    error = page.locator('[data-testid="stAlertContentError"]')
    expect(error).to_contain_text("has 1 error(s)")
    expect(error).to_contain_text("nothing was loaded")
    expect(page.locator('[data-testid="stDataFrame"]').nth(1)).to_contain_text("is not a URN in the provider list")
    expect(page.get_by_text(BUNDLED)).to_be_visible()

    _upload(page, "Ofsted provider list", SAMPLE / "ch_fake.xlsx")
    _import(page)
    assert_page(page, "Data")
    expect(page.locator('[data-testid="stAlertContentSuccess"]')).to_contain_text("Loaded: 2,038 children waiting, 223 homes with 224 vacancies")
    expect(page.get_by_text("2,038 children in care of Manchester on 2017-03-31 (62 skipped)")).to_be_visible()
    expect(page.get_by_text("1 home(s) with 2 vacancies from 1 provider row(s)")).to_be_visible()
    report = page.locator('[data-testid="stDataFrame"]')
    expect(report).to_have_count(2)  # counts by reason, every problem
    expect(report.first).to_contain_text("overlapping_episodes")
    expect(page.locator('[data-testid="stDownloadButton"]')).to_have_count(9)
    expect(page.get_by_text("Loaded: SSDA903 of Manchester on 2017-03-31 + ch_fake.xlsx")).to_be_visible()
    for label, value in (("Children waiting", "2,038"), ("Homes", "223"), ("Vacancies", "224")):  # 222 kinship carers
        glance = page.locator('[data-testid="stMetric"]').filter(has_text=label)
        expect(glance.locator('[data-testid="stMetricValue"]')).to_have_text(value)
    shoot(page, "data-import-903-ofsted")

    go(page, "Solve")
    expect(page.locator('[data-testid="stAlertContentInfo"]')).to_contain_text(
        "Today's placements from the SSDA903 import set the guards")
    page.get_by_role("button", name="Solve", exact=True).click()
    expect(page.locator('[data-testid="stAlertContentSuccess"]')).to_contain_text("0 of 2038 children placed")
    go(page, "Results")
    expect(page.get_by_role("heading", name="Today (SSDA903) beside rcc's plan")).to_be_visible()
    today = page.locator('[data-testid="stTable"]').filter(has_text="Today (SSDA903)")
    expect(today).to_contain_text("not recorded in SSDA903")
    shoot(page, "results-today-903")

    go(page, "Data")
    expect(page.get_by_text("Loaded: SSDA903 of Manchester on 2017-03-31 + ch_fake.xlsx")).to_be_visible()
