"""Geography: the bundled ONS reference tables and WGS84 geodesic distances.

The contract measures distance as the WGS84 geodesic (geopy's ``geodesic``). Calling geopy once
per pair is far too slow for tens of thousands of children, so :func:`geodesic_km` solves the same
inverse problem with Vincenty's iteration on whole numpy arrays; ``tests/test_geo.py`` shows it
agrees with geopy to well within 0.1% on random English pairs. Attribution for the reference
tables lives in ``reference/SOURCES.md``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

# WGS84 ellipsoid
_A = 6378137.0
_F = 1 / 298.257223563
_B = _A * (1 - _F)


def _reference_path(name: str):
    return resources.files("rcc.data") / "reference" / name


@lru_cache(maxsize=1)
def local_authorities() -> pd.DataFrame:
    """The 153 English upper-tier authorities, indexed by GSS ``la_code``."""
    with _reference_path("england_upper_tier_las.csv").open("rb") as f:
        table = pd.read_csv(f, dtype={"la_code": str, "dfe_la_number": str})
    return table.set_index("la_code", drop=False)


@lru_cache(maxsize=1)
def postcode_districts() -> pd.DataFrame:
    """UK postcode districts (outward codes) with their postcode-mean centroids."""
    with _reference_path("uk_postcode_district_centroids.csv").open("rb") as f:
        table = pd.read_csv(f, dtype={"postcode_district": str, "la_code": str, "lad_code": str})
    return table.set_index("postcode_district", drop=False)


def normalise_district(value: str) -> str:
    """``' m14 '`` → ``'M14'``: districts are compared upper-cased without spaces."""
    return "".join(str(value).split()).upper()


def regions() -> list[str]:
    return sorted(local_authorities()["region"].unique())


def geodesic_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """WGS84 geodesic distance in km between arrays of points (Vincenty's inverse formula).

    Vincenty converges to sub-millimetre accuracy except for nearly antipodal points, which
    cannot occur within the UK; the iteration count is capped so it never hangs.
    """
    lat1, lon1, lat2, lon2 = (np.asarray(a, dtype=float) for a in (lat1, lon1, lat2, lon2))
    lat1, lon1, lat2, lon2 = np.broadcast_arrays(lat1, lon1, lat2, lon2)
    u1 = np.arctan((1 - _F) * np.tan(np.radians(lat1)))
    u2 = np.arctan((1 - _F) * np.tan(np.radians(lat2)))
    big_l = np.radians(lon2 - lon1)
    sin_u1, cos_u1, sin_u2, cos_u2 = np.sin(u1), np.cos(u1), np.sin(u2), np.cos(u2)
    lam = big_l.copy()
    for _ in range(200):
        sin_lam, cos_lam = np.sin(lam), np.cos(lam)
        sin_sigma = np.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = np.arctan2(sin_sigma, cos_sigma)
        with np.errstate(invalid="ignore", divide="ignore"):
            sin_alpha = np.where(sin_sigma == 0, 0.0, cos_u1 * cos_u2 * sin_lam / sin_sigma)
            cos2_alpha = 1 - sin_alpha**2
            cos_2sm = np.where(cos2_alpha == 0, 0.0, cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha)
        c = _F / 16 * cos2_alpha * (4 + _F * (4 - 3 * cos2_alpha))
        lam_prev = lam
        lam = big_l + (1 - c) * _F * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
        )
        if np.all(np.abs(lam - lam_prev) < 1e-12):
            break
    u_sq = cos2_alpha * (_A**2 - _B**2) / _B**2
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta_sigma = (
        big_b
        * sin_sigma
        * (
            cos_2sm
            + big_b
            / 4
            * (
                cos_sigma * (-1 + 2 * cos_2sm**2)
                - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)
            )
        )
    )
    return _B * big_a * (sigma - delta_sigma) / 1000.0


def to_unit_vectors(lat, lon) -> np.ndarray:
    """Points on the unit sphere, for a KD-tree whose chord distance bounds the geodesic."""
    lat, lon = np.radians(np.asarray(lat, float)), np.radians(np.asarray(lon, float))
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
