"""End to end in a real browser: the Streamlit app driven through Debian's Chromium by Playwright, on a
1440×900 desktop and on a 390×844 phone (fixtures in ``conftest.py``). Pages are reached by clicking the
sidebar links, which keeps the session (and so the solve) alive. A full-page screenshot of every page at
both sizes lands in ``artifacts/screenshots/1440x900/`` and ``artifacts/screenshots/390x844/``.
"""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.streamlit_ui import ROOT, assert_page, assert_title_uncovered, go, settle, shoot, solve_in_five_seconds

pytestmark = pytest.mark.browser

KPI_LABELS = ("Children without a home", "Brothers and sisters apart", "Weekly spend", "Placed", "Within 20 miles",
              "Sibling groups together")
SOLVE_S = 90
FRONTIER_S = 150  # a 3-point frontier with a 30 s limit, checked point by point, on a busy machine
PAGES = (  # (sidebar link, page title): every page of the app
    ("Data", "Data"), ("Map", "Map"), ("Solve", "Solve"), ("Results", "Results"), ("Market", "Market"),
    ("Trade-offs", "Trade-offs"), ("Sufficiency", "Sufficiency what-ifs"), ("Block-booking", "Block-booking what-ifs"),
    ("Open a home", "Open a home"), ("Beyond the region", "Beyond the region"), ("Scenarios", "Scenarios"),
    ("Export", "Export"), ("History", "Run history"))


def _no_developer_options(page: Page) -> None:
    """Viewers get no Deploy button (``client.toolbarMode = "viewer"``), even on localhost."""
    settle(page)
    expect(page.locator('[data-testid="stAppDeployButton"]')).to_have_count(0)
    expect(page.get_by_role("button", name="Deploy")).to_have_count(0)


def _solve_in_five_seconds(page: Page) -> None:
    """Solve the bundled region children first with the lowest time limit, 5 s, and check it was kept."""
    success = solve_in_five_seconds(page, SOLVE_S)
    assert "children placed" in success
    runtime = float(re.search(r" in ([\d.]+) s: ", success).group(1))
    assert runtime < 15, f"the 5 s time limit did not reach the solver: {success}"


def test_solve_then_every_page(page: Page):
    assert_page(page, "Data")
    _no_developer_options(page)
    expect(page.get_by_text("Loaded: Greater Manchester (bundled)")).to_be_visible()
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(3)
    shoot(page, "data")

    go(page, "Map")
    expect(page.get_by_text("Solve to see the matches.")).to_be_visible()
    shoot(page, "map-before-solving")

    _solve_in_five_seconds(page)
    spend = page.locator('[data-testid="stMetric"]').filter(has_text="Weekly spend")
    expect(spend.locator('[data-testid="stMetricValue"]')).to_have_text(re.compile(r"^£[\d,]+/week$"))
    expect(page.get_by_text(re.compile(r"^Weighted score \(not money\): [\d,]+\."))).to_be_visible()
    shoot(page, "solve")

    go(page, "Results")
    labels = page.locator('[data-testid="stMetricLabel"]')
    for label in KPI_LABELS:
        expect(labels.filter(has_text=label).first).to_be_visible()
    placed = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(r"^Placed$")))
    expect(placed.locator('[data-testid="stMetricValue"]')).to_have_text(re.compile(r"^\d+(\.\d)?%$"))
    for heading in ("Proof", "Guards", "By member authority", "Sibling groups", "Every child"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    shoot(page, "results")

    go(page, "Trade-offs")
    page.get_by_label("Plans to find (the two ends included)").fill("3")
    page.get_by_label("Plans to find (the two ends included)").press("Enter")
    settle(page)
    slider = page.get_by_role("slider")
    slider.focus()
    slider.press("Home")  # the lowest time limit, 30 s
    expect(slider).to_have_value("30")
    settle(page)
    page.get_by_role("button", name="Find the trade-off").click()
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(1, timeout=FRONTIER_S * 1000)
    assert_page(page, "Trade-offs")
    expect(page.get_by_role("heading", name="What each step trades")).to_be_visible()
    expect(page.get_by_role("button", name="Use this plan")).to_be_visible()
    expect(page.locator(".xtitle")).to_have_text("Weekly spend (£/week)")
    shoot(page, "trade-offs")

    go(page, "Map")
    expect(page.get_by_text("Lines join each child's district to their home")).to_be_visible()
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(1)
    shoot(page, "map")

    go(page, "Sufficiency", "Sufficiency what-ifs")
    expect(page.get_by_role("heading", name="Distance policy")).to_be_visible()
    expect(page.get_by_role("heading", name="Where would extra beds help most?")).to_be_visible()
    shoot(page, "sufficiency")

    go(page, "Block-booking", "Block-booking what-ifs")
    expect(page.get_by_role("heading", name="Recommend block contracts")).to_be_visible()
    shoot(page, "block-booking")

    for link in ("Market", "Open a home", "Beyond the region"):  # drawn from the plan and the data alone
        go(page, link)
        shoot(page, link.lower())

    go(page, "Scenarios")
    page.get_by_role("button", name="Save scenario").click()
    expect(page.get_by_text("Saved 'scenario 1'.")).to_be_visible()
    assert_page(page, "Scenarios")
    shoot(page, "scenarios")

    go(page, "Export")
    expect(page.locator('[data-testid="stDownloadButton"]')).to_have_count(4)
    shoot(page, "export")

    go(page, "History", "Run history")
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    expect(page.get_by_text(re.compile(r"^300 children, \d+ placed\.$"))).to_be_visible()
    shoot(page, "history")


def test_every_page_on_a_phone(phone: Page):
    """One short solve, then every page: once picked, the sidebar folds away and the page is readable."""
    assert_page(phone, "Data")
    _no_developer_options(phone)
    _solve_in_five_seconds(phone)
    assert_title_uncovered(phone, "Solve")
    for link, title in PAGES:
        go(phone, link, title)
        assert_title_uncovered(phone, title)
        shoot(phone, link.lower())


def test_bad_upload_names_the_broken_rule(page: Page, tmp_path):
    source = ROOT / "fixtures" / "tiny" / "solo-child-alone"
    children = tmp_path / "children.csv"
    homes = tmp_path / "homes.csv"
    shutil.copy(source / "children.csv", children)
    header, row = (source / "homes.csv").read_text().splitlines()[:2]
    cells = row.split(",")
    cells[header.split(",").index("vacancies")] = "-1"
    homes.write_text(f"{header}\n{','.join(cells)}\n")

    assert_page(page, "Data")
    page.get_by_text("Upload files", exact=True).click()
    settle(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files([children, homes])
    # One chip per uploaded file (stFileChip; older Streamlit called it stFileUploaderFile).
    expect(page.locator('[data-testid="stFileChip"], [data-testid="stFileUploaderFile"]')).to_have_count(2)
    page.get_by_role("button", name="Validate and load").click()
    error = page.locator('[data-testid="stAlertContentError"]')
    expect(error).to_contain_text("breaks 1 rule")
    expect(error).to_contain_text("nothing was loaded")
    assert_page(page, "Data")
    report = page.locator('[data-testid="stDataFrame"]')
    expect(report).to_have_count(1)
    # The grid draws on a canvas but mirrors its cells in an accessible table for screen readers.
    expect(report).to_contain_text("vacancies=-1 must be >= 0")
    expect(page.get_by_text("Loaded: Greater Manchester (bundled)")).to_be_visible()
    shoot(page, "data-bad-upload")
