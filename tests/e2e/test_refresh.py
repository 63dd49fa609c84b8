"""A plan outlives its browser session: a refresh (a new Streamlit session) shows the same plan on Results,
because the page's address names its run (``?run=…``); a fresh visit reopens it from History. The app and
Chromium come from ``conftest.py``; each test's context is a fresh session."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.streamlit_ui import assert_page, go, settle, solve_in_five_seconds

pytestmark = pytest.mark.browser

SOLVE_S = 90
RUN_IN_URL = re.compile(r"[?&]run=(\d+)")


def _placed(page: Page) -> str:
    """The Results page's 'Placed' share, as shown."""
    metric = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(r"^Placed$")))
    value = metric.locator('[data-testid="stMetricValue"]')
    expect(value).to_have_text(re.compile(r"^\d+(\.\d)?%$"))
    return value.inner_text()


def test_a_refresh_keeps_the_plan_and_history_reopens_it(page: Page, browser, app_url):
    """Solve; Results names the run in the address; reload: the same plan is on Results. Then in a new
    session with a bare address, History's 'Open this run' makes it the current plan again."""
    assert_page(page, "Data")
    solve_in_five_seconds(page, SOLVE_S)
    go(page, "Results")
    placed = _placed(page)
    expect(page).to_have_url(RUN_IN_URL)
    run_id = RUN_IN_URL.search(page.url).group(1)

    page.reload()
    assert_page(page, "Results")
    expect(page.get_by_text("Nothing solved yet")).to_have_count(0)
    assert _placed(page) == placed
    expect(page).to_have_url(re.compile(rf"[?&]run={run_id}\b"))

    fresh = browser.new_context(base_url=app_url, viewport=page.viewport_size)
    try:
        other = fresh.new_page()
        other.goto(f"{app_url}/history")
        assert_page(other, "Run history")
        other.locator('[data-testid="stSelectbox"]').filter(has_text="Show run").click()
        other.get_by_role("option", name=re.compile(rf"^{run_id}: ")).click()
        settle(other)
        other.get_by_role("button", name="Open this run").click()
        expect(other.locator('[data-testid="stAlertContentSuccess"]')).to_contain_text(
            f"Run {run_id} is now the current plan")
        go(other, "Results")
        assert _placed(other) == placed
    finally:
        fresh.close()


def test_a_childs_full_reason_fits_a_phone(phone: Page):
    """On a 390 px phone, Results' one-child panel shows the whole reason, wrapped inside the screen."""
    assert_page(phone, "Data")
    solve_in_five_seconds(phone, SOLVE_S)
    go(phone, "Results")
    reason = phone.locator('[data-testid="stAlertContentInfo"]').filter(has_text=re.compile(r"^(Placed|Unplaced|Has a family or friends carer)"))
    reason.first.scroll_into_view_if_needed()
    expect(reason.first).to_be_visible()
    box = reason.first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= phone.viewport_size["width"], box
    assert reason.first.evaluate("e => e.scrollWidth <= e.clientWidth"), "the reason is cut off on the right"
    assert len(reason.first.inner_text()) > 60  # a sentence, not a clipped cell
