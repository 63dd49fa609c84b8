"""Who gets into the app (AppTest, no browser): the local demo needs no sign-in; with ``[auth]`` in the
secrets a visitor sees only the sign-in page, and History refuses on its own too; broken or retired
sign-in settings close the app; an unexpected error in a page reads plainly and lands in the log; the
committed settings keep the app on this machine and its errors out of the browser."""

from __future__ import annotations

import logging
import tomllib

import streamlit as st
from streamlit.runtime.secrets import Secrets
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options

from tests.conftest import ROOT

TIMEOUT = 120
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "a-test-cookie-secret-of-32-chars",
        "client_id": "rcc", "client_secret": "not-a-real-secret",
        "server_metadata_url": "http://localhost:9/.well-known/openid-configuration"}
COMMISSIONER = {"is_logged_in": True, "name": "Ada Commissioner", "email": "ada@example.org"}


def _app(auth: dict | None = None, user: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if auth is not None:
        at.secrets["auth"] = auth
    if user is not None:
        at.user = user
    return at.run()


def _shows_no_data(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.dataframe and not at.get("plotly_chart") and not at.metric
    assert not any("children" in t.value for t in at.text), [t.value for t in at.text]


def test_without_sign_in_settings_the_app_is_the_local_demo():
    at = _app()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Data"
    assert "Sign in" not in [b.label for b in at.button]
    assert not [c for c in at.sidebar.caption if c.value.startswith("Signed in")]


def test_with_sign_in_settings_a_visitor_sees_only_the_sign_in_page():
    at = _app(AUTH, user={"is_logged_in": False})
    _shows_no_data(at)
    assert [t.value for t in at.title] == ["rcc — placement matching"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.sidebar.button and not at.sidebar.caption


def test_a_signed_in_commissioner_sees_the_pages_and_can_sign_out():
    at = _app(AUTH, user=dict(COMMISSIONER))
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Data"
    assert any("300 children waiting" in t.value for t in at.text)
    assert [c.value for c in at.sidebar.caption] == ["Signed in as Ada Commissioner"]

    at.sidebar.button[0].click().run()  # Sign out: st.logout empties st.user
    _shows_no_data(at)
    assert [b.label for b in at.button] == ["Sign in"]


def test_history_page_itself_refuses_a_visitor_who_has_not_signed_in():
    at = AppTest.from_string("from rcc.app.pages import history\nhistory.render()\n", default_timeout=TIMEOUT)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    _shows_no_data(at)
    assert [i.value for i in at.info] == ["Sign in to see the run history."]
    assert not at.get("download_button") and not at.selectbox


def test_the_retired_shared_password_closes_the_app_instead_of_opening_it(caplog):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.secrets["password"] = "s3cret"
    with caplog.at_level(logging.ERROR, logger="rcc.app.auth"):
        at.run()
    _shows_no_data(at)
    assert not at.button and not at.text_input
    assert at.error[0].value.startswith("Sign-in is not set up correctly, so the app is closed.")
    assert "set up [auth]" in caplog.text and "s3cret" not in caplog.text


def test_a_secrets_file_that_cannot_be_read_closes_the_app(tmp_path, monkeypatch, caplog):
    broken = tmp_path / "secrets.toml"
    broken.write_text('[auth\nredirect_uri = "http://localhost:8501/oauth2callback"\n')
    monkeypatch.setattr(st, "secrets", Secrets())  # a fresh store that reads only the broken file
    with patch_config_options({"secrets.files": [str(broken)]}), caplog.at_level(logging.ERROR, "rcc.app.auth"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    _shows_no_data(at)
    assert not at.button
    assert at.error[0].value.startswith("Sign-in is not set up correctly, so the app is closed.")
    assert str(broken) not in at.error[0].value  # where the secrets live is for the log, not the browser
    assert "The secrets file cannot be read" in caplog.text and str(broken) in caplog.text


def _page_that_fails() -> None:
    import streamlit as st

    from rcc.app.guard import shown_plainly

    def render() -> None:
        st.title("Results")
        raise KeyError("C042")

    shown_plainly(render, "Results")()


def test_an_unexpected_error_is_logged_with_its_traceback_and_shown_plainly(caplog):
    at = AppTest.from_function(_page_that_fails, default_timeout=TIMEOUT)
    with caplog.at_level(logging.ERROR, logger="rcc.app.guard"):
        at.run()
    assert not at.exception  # no Streamlit exception box, so no traceback in the browser
    assert at.error[0].value.startswith("Something went wrong on the Results page, and it has been logged.")
    assert "Traceback" not in at.error[0].value and "C042" not in at.error[0].value
    [record] = [r for r in caplog.records if r.name == "rcc.app.guard"]
    assert record.getMessage() == "The Results page failed"
    assert record.exc_info[0] is KeyError and "raise KeyError" in caplog.text


def test_the_committed_settings_keep_the_app_local_and_quiet_and_document_sign_in():
    """What ``make run`` starts with; a deployer overrides the address on purpose, never by accident."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["client"] == {"showErrorDetails": "none", "toolbarMode": "viewer"}
    assert config["browser"]["gatherUsageStats"] is False
    example = tomllib.loads((ROOT / ".streamlit" / "secrets.example.toml").read_text())
    assert set(example["auth"]) == set(AUTH)  # every key st.login needs, and no other
    assert ".streamlit/secrets.toml" in (ROOT / ".gitignore").read_text().splitlines()
