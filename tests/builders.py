"""Small model objects for hand-written tests: Manchester places and child/home builders."""

from __future__ import annotations

from rcc.model import Child, Home

LA = "E08000003"  # Manchester
PICCADILLY = (53.4808, -2.2426)  # city centre
WITHINGTON = (53.4330, -2.2300)  # about 5.4 km south of Piccadilly
DIDSBURY = (53.4166, -2.2310)  # about 1.9 km beyond Withington
BOLTON = (53.5780, -2.4290)  # about 17 km north-west


def child(child_id: str = "C1", at=WITHINGTON, **changes) -> Child:
    """A 10-year-old girl of need level 2 from ``at``; ``changes`` override any field."""
    fields = dict(child_id=child_id, la_code=LA, lat=at[0], lon=at[1], age=10, sex="F", need_level=2)
    return Child(**{**fields, **changes})


def home(home_id: str = "H1", at=PICCADILLY, **changes) -> Home:
    """A £1,000/wk children's home with two vacancies for ages 0–17, need level up to 4."""
    fields = dict(home_id=home_id, provider="Test Provider", setting="childrens_home", la_code=LA, lat=at[0],
                  lon=at[1], vacancies=2, min_age=0, max_age=17, max_need_level=4, weekly_cost=1000.0)
    return Home(**{**fields, **changes})
