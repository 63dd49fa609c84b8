"""rcc for commissioners: `streamlit run app.py` (or `make run`). Pages live in rcc/app/pages.

Sign-in (rcc/app/auth.py) comes first: until it lets the session in, no page, data or history is drawn.
Each page runs behind rcc/app/guard.py, so an unexpected error reads plainly and lands in the server's log.
"""

import logging

import streamlit as st

from rcc.app import auth
from rcc.app.guard import shown_plainly
from rcc.app.pages import (
    beyond,
    blockbook,
    capital,
    data,
    export,
    geomap,
    history,
    market,
    results,
    scenarios,
    solve,
    sufficiency,
    tradeoffs,
)

PAGES = (  # (render, title, url path); the first is the default page
    (data.render, "Data", "data"),
    (geomap.render, "Map", "map"),
    (solve.render, "Solve", "solve"),
    (results.render, "Results", "results"),
    (market.render, "Market", "market"),
    (tradeoffs.render, "Trade-offs", "trade-offs"),
    (sufficiency.render, "Sufficiency", "sufficiency"),
    (blockbook.render, "Block-booking", "block-booking"),
    (capital.render, "Open a home", "open-a-home"),
    (beyond.render, "Beyond the region", "beyond-the-region"),
    (scenarios.render, "Scenarios", "scenarios"),
    (export.render, "Export", "export"),
    (history.render, "History", "history"),
)

# Warnings and errors (a page's traceback, broken sign-in settings) to the server's console, with the time.
logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
st.set_page_config(page_title="rcc — placement matching", layout="wide")
try:
    allowed = auth.signed_in()
except auth.SignInSettingsError as error:
    auth.settings_error_page(error)
    st.stop()
if not allowed:
    auth.sign_in_page()
    st.stop()
auth.account_in_sidebar()
# Every page listed, always: with the account below it, Streamlit would otherwise fold a long menu behind
# "View more", hiding History and the what-ifs.
st.navigation([st.Page(shown_plainly(render, title), title=title, url_path=path, default=index == 0)
               for index, (render, title, path) in enumerate(PAGES)], expanded=True).run()
