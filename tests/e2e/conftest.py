"""What every browser test shares: the app in a subprocess on a free localhost port, Debian's Chromium
(``/usr/bin/chromium``, installed by ``make test`` from apt, never a downloaded build: do not run
``playwright install``), and a fresh browser context per test, so a fresh Streamlit session.

The app reads its settings from the repository's ``.streamlit/config.toml``, as ``make run`` does, but its
secrets from a file the test names (``--secrets.files``): none for the local demo, so a developer's own
``.streamlit/secrets.toml`` never decides what a test sees.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is missing: pip install -e '.[dev]'")
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

from tests.e2e.streamlit_ui import ROOT, SCRIPT_S  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
STREAMLIT = ROOT / ".venv" / "bin" / "streamlit"
# The machine's network is closed: these stop Chromium from trying to phone home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STARTUP_S = 60
EXPECT_MS = 20_000  # the machine may be busy: give every auto-waiting assertion room
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
# Streamlit tells a phone from a narrow desktop window by its user agent (and folds the sidebar away after a
# page is picked only on a phone), so the phone is an Android one, not just a small window.
PHONE_AGENT = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(log_path: Path, secrets: Path, port: int | None = None) -> Iterator[str]:
    """``streamlit run app.py`` with ``secrets`` as its only secrets file (it need not exist), until the
    block ends; yields its address. Fails with the app's log if it exits or never answers its health check."""
    streamlit = STREAMLIT if STREAMLIT.exists() else Path(shutil.which("streamlit") or "streamlit")
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([str(streamlit), "run", "app.py", "--server.port", str(port),
                                 "--secrets.files", str(secrets)],
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
def app_url(tmp_path_factory) -> Iterator[str]:
    """The local demo (no secrets file, so no sign-in), up until the module ends."""
    folder = tmp_path_factory.mktemp("streamlit")
    with running_app(folder / "streamlit.log", secrets=folder / "no-secrets.toml") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
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


@contextmanager
def opened(browser: Browser, url: str, **context_options) -> Iterator[Page]:
    """A fresh context (so a fresh Streamlit session) on ``url``; fails on JavaScript errors in the page."""
    context = browser.new_context(base_url=url, **{"viewport": DESKTOP, **context_options})
    context.set_default_timeout(SCRIPT_S)
    tab = context.new_page()
    js_errors: list[str] = []
    tab.on("pageerror", lambda error: js_errors.append(str(error)))
    tab.goto(url)
    try:
        yield tab
    finally:
        context.close()
    assert not js_errors, f"JavaScript errors in the page: {js_errors}"


@pytest.fixture
def page(browser, app_url) -> Iterator[Page]:
    """The app's default page on a 1440×900 desktop."""
    with opened(browser, app_url) as tab:
        yield tab


@pytest.fixture
def phone(browser, app_url) -> Iterator[Page]:
    """The app's default page on a 390×844 phone (its user agent and touch as well as its size)."""
    with opened(browser, app_url, viewport=PHONE, user_agent=PHONE_AGENT, is_mobile=True, has_touch=True) as tab:
        yield tab
