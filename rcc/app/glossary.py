"""What the solver's words mean, in one sentence each, for tooltips (``help=``) and the glossary expander.

One dict so every page explains a term the same way; pages look a term up with ``TERMS["gap"]``.
"""

from __future__ import annotations

import streamlit as st

TERMS = {
    "weighted score": "The v1 objective: weekly prices plus points per km, per child without a home and per "
                      "sibling group split, added up. It ranks plans; it is not money — weekly spend is.",
    "objective": "What the solver makes as small as it can: the priorities one after another (children first), "
                 "or the weighted score.",
    "bound": "The least value any plan could possibly reach, proven by the solver. A plan equal to its bound "
             "cannot be beaten.",
    "gap": "How far the plan might still be from the best possible: (plan − bound) as a share of the plan. "
           "0% means proven best.",
    "proven": "The solver has shown that no plan does better on this priority (with the earlier priorities kept); "
              "'no' means a better plan might exist, found with more time.",
    "seed": "The random-number start the solver used; the same data, settings and seed give the same plan.",
    "in-sample": "The sampled demand scenarios a recommendation was searched on; its figures there flatter it.",
    "out-of-sample": "Fresh sampled scenarios the search never saw; the fair test of a recommendation.",
    "guards": "Hard limits every plan must keep, e.g. no worse than today on the first five measures, or a "
              "weekly budget. When they cannot all hold, the page says which one binds.",
    "status quo": "What happens without rcc: one child at a time, each to the best home left (or today's "
                  "actual placements, after an SSDA903 import).",
    "tolerance": "How far a measure may rise above its best to gain the measures ranked after it.",
    "within 20 miles": "Placed no more than 20 miles (32.2 km) from where the child is from, by the pair's "
                       "distance.",
    "need levels": "How much support a child needs, 1 to 4: 1 standard, 2 moderate, 3 complex, 4 highly complex. "
                   "A home can meet children up to its own highest level.",
    "scenarios": "Sampled futures (draws): each is one set of referrals drawn at random from the rates seen in the "
                 "data over the horizon. More scenarios give narrower intervals and take longer.",
    "interval": "The 95% interval: the range the true average is very likely in, given the scenarios drawn. Shares "
                "stay between 0% and 100%; counts and money never go below zero.",
    "pin": "A match you fix by hand (a child to a home, or to none); re-solving keeps it and plans around it.",
}


def show(*terms: str) -> None:
    """A small 'What does this mean?' expander with the given terms (every term when none is given)."""
    with st.expander("What does this mean?"):
        st.markdown("\n".join(f"- **{t.capitalize()}**: {TERMS[t]}" for t in (terms or TERMS)))
