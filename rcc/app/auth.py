"""Who may use the app. With an ``[auth]`` section in ``.streamlit/secrets.toml`` only people signed in
through the organisation's OpenID Connect provider (Streamlit's ``st.login``) see anything; without one the
app is the local demo, which ``.streamlit/config.toml`` keeps on this machine (it listens on 127.0.0.1).

One scheme only: the provider checks passwords, second factors and leavers, so the app keeps no password
of its own. A secrets file that cannot be read, or one still holding the retired shared ``password``,
stops the app rather than opening it to whoever can reach it.
"""

from __future__ import annotations

import logging

import streamlit as st

LOG = logging.getLogger(__name__)
EXAMPLE = ".streamlit/secrets.example.toml"


class SignInSettingsError(Exception):
    """The secrets file cannot say who may come in (unreadable, or the retired password): the app must not
    run open."""


def sign_in_configured() -> bool:
    """True when ``[auth]`` is set; False for the local demo (no secrets file, or one without sign-in)."""
    try:
        secrets = st.secrets.to_dict()
    except FileNotFoundError as error:  # Streamlit's "no secrets" and "cannot parse secrets" errors
        if getattr(error, "error_id", None) == "no-secrets-found":
            return False
        raise SignInSettingsError(f"The secrets file cannot be read ({error}).") from None
    if "password" in secrets and "auth" not in secrets:
        raise SignInSettingsError(f"The shared password sign-in is gone: set up [auth] as {EXAMPLE} shows, "
                                  "and remove `password`.")
    return "auth" in secrets


def signed_in() -> bool:
    """May this session see the data? Everyone on the local demo; signed-in people when sign-in is set."""
    return not sign_in_configured() or bool(st.user.get("is_logged_in"))


def sign_in_page() -> None:
    """The only page a visitor sees until the provider has said who they are."""
    st.title("rcc — placement matching")
    st.write("Sign in with your organisation's account to see the children's data and the plans.")
    st.button("Sign in", type="primary", on_click=st.login)


def settings_error_page(error: SignInSettingsError) -> None:
    """What the browser sees when the sign-in settings are broken; the reason goes to the server's log, for
    whoever runs the app (a parse error names the file's path, which is no visitor's business)."""
    LOG.error("Sign-in settings: %s", error)
    st.title("rcc — placement matching")
    st.error("Sign-in is not set up correctly, so the app is closed. Whoever runs it will find why in its log.")


def account_in_sidebar() -> None:
    """Who is signed in, and the way out; nothing on the local demo, where nobody signs in."""
    if not sign_in_configured():
        return
    who = st.user.get("name") or st.user.get("email") or "signed in"
    st.sidebar.caption(f"Signed in as {who}")
    st.sidebar.button("Sign out", on_click=st.logout)
