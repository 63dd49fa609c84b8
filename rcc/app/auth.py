"""Optional sign-in: off for the local demo; on when ``.streamlit/secrets.toml`` sets ``password``."""

from __future__ import annotations

import hmac

import streamlit as st


def _configured_password() -> str | None:
    try:
        return st.secrets.get("password")
    except FileNotFoundError:  # no secrets file: the local demo needs no login
        return None


def signed_in() -> bool:
    password = _configured_password()
    if not password or st.session_state.get("signed_in"):
        return True
    typed = st.text_input("Password", type="password")
    if typed and hmac.compare_digest(typed, password):
        st.session_state["signed_in"] = True
        st.rerun()
    elif typed:
        st.error("Wrong password.")
    return False
