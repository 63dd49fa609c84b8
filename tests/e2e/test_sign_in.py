"""Sign-in end to end: the app with ``[auth]`` in its secrets, a local OpenID Connect provider
(``oidc-provider-mock``, in a thread on a free port) and Chromium. A visitor sees the sign-in page and no
data; signing in goes through the provider's form and comes back to the Data page, with History in the
sidebar and the signed-in person named beside "Sign out"; signing out closes the app again.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

oidc_provider_mock = pytest.importorskip("oidc_provider_mock", reason="pip install -e '.[dev]' brings it")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.e2e.conftest import free_port, opened, running_app  # noqa: E402
from tests.e2e.streamlit_ui import assert_page, go, settle, shoot  # noqa: E402

pytestmark = pytest.mark.browser

COMMISSIONER = oidc_provider_mock.User(sub="ada", claims={"name": "Ada Commissioner", "email": "ada@example.org"})


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The provider's address; it signs in whoever is picked on its form (here, one commissioner)."""
    with oidc_provider_mock.run_server_in_thread(user_claims=[COMMISSIONER]) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, provider) -> Iterator[str]:
    """The app with sign-in set up against the provider, from a secrets file of this test's own."""
    folder = tmp_path_factory.mktemp("streamlit-auth")
    port = free_port()
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "rcc-app"\n'
        f'client_secret = "{secrets.token_hex(16)}"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n')
    with running_app(folder / "streamlit.log", secrets=secrets_file, port=port) as url:
        yield url


def _shows_only_the_sign_in_page(page: Page) -> None:
    settle(page)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
    for data in ("stDataFrame", "stPlotlyChart", "stMetric"):
        expect(page.locator(f'[data-testid="{data}"]')).to_have_count(0)
    expect(page.get_by_text("children waiting")).to_have_count(0)


def test_only_a_signed_in_commissioner_sees_the_data_and_history(page: Page, app_url):
    _shows_only_the_sign_in_page(page)
    shoot(page, "sign-in")

    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="ada", exact=True).click()  # the provider's form: sign in as this person
    page.wait_for_url(f"{app_url}/**")
    assert_page(page, "Data")
    expect(page.get_by_text("Loaded: Greater Manchester (bundled)")).to_be_visible()
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_text("Signed in as Ada Commissioner")).to_be_visible()
    shoot(page, "signed-in")
    go(page, "History", "Run history")
    expect(page.get_by_text("Sign in to see the run history.")).to_have_count(0)

    sidebar.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="End session").click()  # the provider's own sign-out, then back
    page.wait_for_url(f"{app_url}/**")
    _shows_only_the_sign_in_page(page)


def test_a_page_address_does_not_get_round_sign_in(browser, app_url):
    with opened(browser, f"{app_url}/history") as tab:
        _shows_only_the_sign_in_page(tab)
        expect(tab.get_by_role("heading", name="Run history")).to_have_count(0)
