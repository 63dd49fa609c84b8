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
    "national commissioning": "The children no home in the region can meet: every home breaks at least one rule "
                              "for them (a specialism, an age, a home to themselves, distance), so no plan inside "
                              "the region places them. They are not children left waiting because beds ran out.",
    "scarce homes": "Homes regions agree to share: secure units, children's homes for complex needs (level 3 or 4) "
                    "with no child living there yet, and homes for complex needs with a specialism.",
    "sector": "Who runs a home: the council itself, a private company, or a voluntary (not-for-profit) "
              "organisation.",
    "top five": "The share of the plan's weekly spend that goes to the five owners paid most. Owners are the "
                "organisations that own the providers, so a group's many homes count together.",
    "hhi": "The Herfindahl–Hirschman index: each owner's share of spend in percent, squared and added up. From "
           "near 0 (money spread over many owners) to 10,000 (one owner takes it all); above 2,500 is highly "
           "concentrated.",
    "small local providers": "Private or voluntary owners with only a few homes (3 unless you choose otherwise), all "
                             "of them in the region's authorities. A council is never counted as one.",
    "family or friends carer": "A relative or friend assessed and approved as a foster carer for one child or one "
                               "group of brothers and sisters only (kinship care). The law prefers such a "
                               "placement, so rcc places the child there unless a rule forbids it, and says why.",
    "payback": "How many weeks of the home's average weekly saving repay its capital cost (capital ÷ saving). A "
               "home that saves nothing, or costs more each week than it saves, never pays back at these prices.",
    "pin": "A match you fix by hand (a child to a home, or to none); re-solving keeps it and plans around it.",
}


def show(*terms: str) -> None:
    """A small 'What does this mean?' expander with the given terms (every term when none is given)."""
    with st.expander("What does this mean?"):
        st.markdown("\n".join(f"- **{t.capitalize()}**: {TERMS[t]}" for t in (terms or TERMS)))
