"""Unexpected errors in a page: a plain message in the browser, the traceback in the server's log.

``.streamlit/config.toml`` already keeps tracebacks out of the browser (``showErrorDetails = "none"``), but
then the commissioner sees only Streamlit's generic notice. Here they are told what to do, and whoever runs
the app gets the traceback. The log gets the stack and the exception, never the frames' local variables, so
no table of children is dumped into it: the data holds pseudonymous IDs and postcode districts only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

LOG = logging.getLogger(__name__)


def shown_plainly(render: Callable[[], None], page: str) -> Callable[[], None]:
    """``render`` run so that an unexpected exception is logged and replaced by a plain message. Streamlit's
    own stop and rerun signals are not ``Exception``s, so they pass through untouched."""

    def run() -> None:
        try:
            render()
        except Exception:
            LOG.exception("The %s page failed", page)
            st.error(f"Something went wrong on the {page} page, and it has been logged. Try again, or load the "
                     "data again on the Data page; if it keeps happening, tell whoever runs the app.")

    return run
