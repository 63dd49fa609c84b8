"""Geography: bundled reference tables and the vectorised geodesic against geopy."""

from __future__ import annotations

import numpy as np
import pytest
from geopy.distance import geodesic

from rcc.data import geo


def test_vectorised_geodesic_matches_geopy_within_a_thousandth_on_english_pairs():
    """1,000 random pairs of English postcode districts: relative error under 0.1% (in fact ~1e-9)."""
    districts = geo.postcode_districts()
    english = districts[districts["country"] == "England"]
    rng = np.random.default_rng(7)
    a = english.iloc[rng.integers(len(english), size=1000)]
    b = english.iloc[rng.integers(len(english), size=1000)]
    fast = geo.geodesic_km(a["lat"], a["lon"], b["lat"], b["lon"])
    exact = np.array([geodesic((p, q), (r, s)).km for p, q, r, s in zip(a["lat"], a["lon"], b["lat"], b["lon"], strict=True)])
    close = exact > 0.01
    assert np.all(np.abs(fast[close] - exact[close]) / exact[close] < 1e-3)
    assert np.max(np.abs(fast - exact)) < 1e-3  # and within a metre everywhere


def test_geodesic_of_a_point_to_itself_is_zero():
    """Coincident points (a child at a home's district centroid) are 0 km apart, not NaN."""
    assert geo.geodesic_km(53.48, -2.24, 53.48, -2.24) == pytest.approx(0.0, abs=1e-9)


def test_reference_tables_are_bundled_with_attribution():
    """153 authorities and the England districts ship inside the package, with SOURCES.md."""
    las = geo.local_authorities()
    assert len(las) == 153 and las.loc["E08000003", "la_name"] == "Manchester"
    assert geo.postcode_districts().loc["M14", "la_code"] == "E08000003"
    assert "Open Government Licence" in geo._reference_path("SOURCES.md").read_text()


def test_district_codes_are_compared_without_spaces_or_case():
    """' m14 ' is the district M14."""
    assert geo.normalise_district(" m14 ") == "M14"
