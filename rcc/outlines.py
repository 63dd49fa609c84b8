"""Approximate authority outlines, drawn from the bundled postcode-district centres (no boundary files).

Each postcode district gets the area nearer its centre than any other district's (a Voronoi cell);
an authority's outline is the cell edges it shares with districts of other authorities. That follows
real boundaries to within a district's width — good enough to see which authority a home is in, and
labelled on the map as approximate. Coasts are not drawn: the sea has no district centres.

Longitudes are scaled by cos(latitude) first, so cells are cut in roughly equal km both ways.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.spatial import Voronoi

from rcc.data import geo

MARGIN_DEGREES = 0.5  # districts this far around the authorities shape the cells at their edges

Segments = tuple[tuple[float | None, ...], tuple[float | None, ...]]  # (lons, lats), None between segments


@lru_cache(maxsize=8)
def authority_outlines(la_codes: tuple[str, ...]) -> dict[str, Segments]:
    """For each authority in ``la_codes`` that has postcode districts: its outline as line segments.
    Cached, since the districts never change while the app runs."""
    districts = geo.postcode_districts()
    owner = districts["la_code"].fillna(districts["lad_code"]).to_numpy()
    mine = np.isin(owner, la_codes)
    if not mine.any():
        return {}
    lat, lon = districts["lat"].to_numpy(), districts["lon"].to_numpy()
    box = ((lat >= lat[mine].min() - MARGIN_DEGREES) & (lat <= lat[mine].max() + MARGIN_DEGREES)
           & (lon >= lon[mine].min() - MARGIN_DEGREES) & (lon <= lon[mine].max() + MARGIN_DEGREES))
    lat, lon, owner = lat[box], lon[box], owner[box]
    squeeze = math.cos(math.radians(float(lat.mean())))
    cells = Voronoi(np.column_stack([lon * squeeze, lat]))
    pieces: dict[str, tuple[list, list]] = {}
    for (a, b), ridge in zip(cells.ridge_points, cells.ridge_vertices, strict=True):
        if owner[a] == owner[b] or -1 in ridge:
            continue
        (x1, y1), (x2, y2) = cells.vertices[ridge]
        for code in {owner[a], owner[b]} & set(la_codes):
            lons, lats = pieces.setdefault(code, ([], []))
            lons += [x1 / squeeze, x2 / squeeze, None]
            lats += [y1, y2, None]
    return {code: (tuple(lons), tuple(lats)) for code, (lons, lats) in pieces.items()}
