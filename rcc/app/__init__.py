"""The commissioners' Streamlit app: thin pages over the ``rcc`` library (see ``app.py``)."""
