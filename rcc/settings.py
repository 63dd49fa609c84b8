"""User settings from TOML files: objective weights (``[weights]``) and input limits (``[limits]``) for the
CLI and the app."""

from __future__ import annotations

import os
import tomllib
from dataclasses import fields
from pathlib import Path

from rcc.data.limits import Limits
from rcc.model import Weights


def _section(path: str | Path, name: str, settings: type) -> dict:
    """The ``[name]`` table of a TOML file, refusing keys that are not fields of ``settings`` (a typo must not
    fall silently back to a default)."""
    with open(path, "rb") as f:
        table = tomllib.load(f).get(name, {})
    known = {f.name for f in fields(settings)}
    unknown = set(table) - known
    if unknown:
        raise ValueError(f"{path}: unknown [{name}] key(s) {', '.join(sorted(unknown))}; "
                         f"expected {', '.join(sorted(known))}")
    return table


def load_weights(path: str | Path, base: Weights | None = None) -> Weights:
    """``[weights]`` of a TOML file (any field of :class:`~rcc.model.Weights`) over ``base``."""
    table = _section(path, "weights", Weights)
    bad = [f"{key}={value!r}" for key, value in table.items()
           if isinstance(value, bool) or not isinstance(value, int | float)]
    if bad:
        raise ValueError(f"{path}: [weights] {', '.join(bad)} must be a number >= 0")
    return (base or Weights()).replace(**{k: float(v) for k, v in table.items()})


def load_limits(path: str | Path | None = None) -> Limits:
    """``[limits]`` of the settings file at ``path`` — else of the file ``$RCC_SETTINGS`` names, so that
    commands without a settings flag and the app honour it too — over :class:`~rcc.data.limits.Limits`."""
    path = path or os.environ.get("RCC_SETTINGS")
    if not path:
        return Limits()
    table = _section(path, "limits", Limits)
    try:
        return Limits(**table)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
