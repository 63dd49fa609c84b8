"""End to end in a real browser: the Streamlit app driven through Debian's Chromium by Playwright.

The app runs in a subprocess on a free localhost port; Chromium is the system one (``/usr/bin/chromium``,
installed by ``make test`` from apt) and never a downloaded build: do not run ``playwright install``.
Each test gets its own browser context, so its own Streamlit session. Pages are reached by clicking the
sidebar links, which keeps the session (and so the solve) alive. A full-page screenshot of every page
lands in ``artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is missing: pip install -e '.[dev]'")
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
STREAMLIT = ROOT / ".venv" / "bin" / "streamlit"
# The machine's network is closed: these stop Chromium from trying to phone home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
KPI_LABELS = ("Children without a home", "Brothers and sisters apart", "Weekly spend", "Placed", "Within 20 miles",
              "Sibling groups together")
STARTUP_S = 60
SOLVE_S = 90
FRONTIER_S = 150  # a 3-point frontier with a 30 s limit, checked point by point, on a busy machine
SCRIPT_S = 60_000  # ms: one Streamlit script run (the first one reads the bundled region)
EXPECT_MS = 20_000  # the machine may be busy: give every auto-waiting assertion room


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """``streamlit run app.py`` on a free port, up until the module ends; its log is shown if it fails."""
    streamlit = STREAMLIT if STREAMLIT.exists() else Path(shutil.which("streamlit") or "streamlit")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(streamlit), "run", "app.py", "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer /_stcore/health within {STARTUP_S}s:\n{log_path.read_text()}")
            time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium. Playwright's ``launch`` gives it a fresh temporary profile (user-data-dir)
    and deletes it on close; it refuses a ``--user-data-dir`` argument, so none is passed."""
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs it, or run "
                    "`apt-get update && apt-get install -y chromium` (never `playwright install`)")
    expect.set_options(timeout=EXPECT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, app_url):
    """A fresh browser context (so a fresh Streamlit session) on the app's default page; fails on JS errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=app_url)
    context.set_default_timeout(SCRIPT_S)
    tab = context.new_page()
    js_errors: list[str] = []
    tab.on("pageerror", lambda error: js_errors.append(str(error)))
    tab.goto(app_url)
    yield tab
    context.close()
    assert not js_errors, f"JavaScript errors in the page: {js_errors}"


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
    """Click a sidebar link (client-side navigation keeps the session) and wait for the page."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=link, exact=True).click()
    assert_page(page, title or link)


def shoot(page: Page, name: str) -> Path:
    """A full-page screenshot. Streamlit scrolls inside its main pane, not the document, so the viewport is
    made as tall as that pane for the shot and then put back."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight ?? 0")
    page.set_viewport_size({"width": size["width"], "height": min(max(size["height"], int(height)), 8000)})
    page.wait_for_timeout(400)  # charts redraw at the new size
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size(size)
    return path


def test_solve_then_every_page(page: Page):
    assert_page(page, "Data")
    expect(page.get_by_text("Loaded: Greater Manchester (bundled)")).to_be_visible()
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(3)
    shoot(page, "data")

    go(page, "Map")
    expect(page.get_by_text("Solve to see the matches.")).to_be_visible()

    go(page, "Solve")
    slider = page.get_by_role("slider")
    slider.focus()
    slider.press("Home")  # the lowest time limit, 5 s
    expect(slider).to_have_value("5")
    settle(page)
    page.get_by_role("button", name="Solve", exact=True).click()
    success = page.locator('[data-testid="stAlertContentSuccess"]')
    expect(success).to_contain_text("Checked independently", timeout=SOLVE_S * 1000)
    expect(success).to_contain_text("children placed")
    runtime = float(re.search(r" in ([\d.]+) s: ", success.inner_text()).group(1))
    assert runtime < 15, f"the 5 s time limit did not reach the solver: {success.inner_text()}"
    assert_page(page, "Solve")
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
