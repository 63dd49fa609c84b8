"""Driving Streamlit's pages in Chromium: wait for a script run, open a page from the sidebar (on a phone too,
where the sidebar is folded away), check what a page shows, and save its full-page screenshot."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
SCRIPT_S = 60_000  # ms: one Streamlit script run (the first one reads the bundled region)


def settle(page: Page) -> None:
    """Wait until the script run is over (the app root carries its run state, as Streamlit's own tests use)."""
    app = page.locator('[data-testid="stApp"]')
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=SCRIPT_S)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=SCRIPT_S)


def assert_page(page: Page, title: str) -> None:
    """The page's title is shown, its script has finished, and no Streamlit exception box is on it."""
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    settle(page)
    exceptions = page.locator('[data-testid="stException"]')
    if exceptions.count():
        pytest.fail(f"Streamlit exception on the {title} page:\n" + "\n".join(exceptions.all_inner_texts()))


def go(page: Page, link: str, title: str | None = None) -> None:
    """Click a sidebar link (client-side navigation keeps the session) and wait for the page. On a phone
    the sidebar starts folded away, so it is opened first, as a person would."""
    unfold = page.locator('[data-testid="stExpandSidebarButton"]')
    if unfold.is_visible():
        unfold.click()
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=link, exact=True).click()
    assert_page(page, title or link)


def assert_title_uncovered(page: Page, title: str) -> None:
    """The sidebar is folded away, off the screen, and nothing lies over the page's title: at the top of
    the page, the topmost element at the title's centre is the title itself."""
    expect(page.locator('[data-testid="stExpandSidebarButton"]')).to_be_visible()
    sidebar = page.locator('[data-testid="stSidebar"]').bounding_box()
    assert sidebar is None or sidebar["x"] + sidebar["width"] <= 0, f"the sidebar is open over {title}: {sidebar}"
    page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollTo(0, 0)")
    heading = page.get_by_role("heading", level=1, name=title)
    box = heading.bounding_box()
    on_top = heading.evaluate("(h, [x, y]) => h.contains(document.elementFromPoint(x, y))",
                              [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert on_top, f"something covers the {title} page's title on a {page.viewport_size['width']} px screen"


def shoot(page: Page, name: str) -> Path:
    """A full-page screenshot in ``artifacts/screenshots/<width>x<height>/``. Streamlit scrolls inside its
    main pane, not the document, so the viewport is made as tall as that pane for the shot and put back."""
    size = page.viewport_size
    folder = SHOTS / f"{size['width']}x{size['height']}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight ?? 0")
    page.set_viewport_size({"width": size["width"], "height": min(max(size["height"], int(height)), 8000)})
    page.wait_for_timeout(400)  # charts redraw at the new size
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size(size)
    return path


def solve_in_five_seconds(page: Page, timeout_s: float = 90) -> str:
    """Solve the loaded region on the Solve page with the lowest time limit, 5 s; returns the success text
    once the plan is checked."""
    go(page, "Solve")
    slider = page.get_by_role("slider")
    slider.focus()
    slider.press("Home")
    expect(slider).to_have_value("5")
    settle(page)
    page.get_by_role("button", name="Solve", exact=True).click()
    success = page.locator('[data-testid="stAlertContentSuccess"]')
    expect(success).to_contain_text("Checked independently", timeout=timeout_s * 1000)
    assert_page(page, "Solve")
    return success.inner_text()
