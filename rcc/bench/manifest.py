"""The benchmark manifest: which instances exist, and how each is built from a fixed seed or file.

A family is one ``[[instance]]`` table of ``benchmarks/instances/manifest.toml``. Generated
families are rebuilt from (authorities, children, seed) whenever needed, so the large ones never
need committing: the seed *is* the instance.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from rcc.data import geo, read_instance
from rcc.data.generate import generate_instance
from rcc.data.orlib import assignment_instance, read_orlib_assignment
from rcc.model import Instance

DEFAULT_MANIFEST = Path("benchmarks/instances/manifest.toml")
KINDS = ("generated", "fixture", "orlib", "tiny")


@dataclass(frozen=True)
class Family:
    """One manifest entry. ``path`` is relative to the manifest file's folder."""

    name: str
    kind: str
    about: str = ""
    path: str | None = None
    region: str | None = None
    regions: tuple[str, ...] | str | None = None
    children: int | None = None
    seed: int = 1
    known_optimum: float | None = None
    time_limit: float | None = None  # CP-SAT seconds when the family's target sets its own budget
    priced: bool = False  # too large to store every pair: only the priced pipeline and the status quo run
    root: Path = Path(".")

    def las(self) -> list[str] | None:
        """GSS codes for a multi-region family (``regions = "all"`` is every authority)."""
        if self.regions is None:
            return None
        table = geo.local_authorities()
        if self.regions != "all":
            table = table[table["region"].isin(self.regions)]
        return sorted(table["la_code"])

    def describe(self) -> str:
        if self.kind == "generated":
            where = self.region or ("all of England" if self.regions == "all" else " + ".join(self.regions))
            return f"generated: {where}, {self.children:,} children, seed {self.seed}"
        return self.about or f"{self.kind}: {self.path}"

    def instances(self) -> list[Instance]:
        """The family's instances (one, except for ``tiny`` which is every rule fixture)."""
        if self.kind == "generated":
            regions = self.las()
            return [generate_instance(region=None if regions else self.region, las=regions,
                                      children=self.children, seed=self.seed, name=self.name)]
        path = self.root / self.path
        if self.kind == "fixture":
            return [read_instance(path)]
        if self.kind == "orlib":
            return [assignment_instance(read_orlib_assignment(path))]
        return [read_instance(folder) for folder in self.fixture_folders()]

    def fixture_folders(self) -> list[Path]:
        """The ``tiny`` family's rule fixtures: the folders holding an ``expected.json``."""
        return sorted(p for p in (self.root / self.path).iterdir() if (p / "expected.json").exists())


def load_manifest(path: str | Path = DEFAULT_MANIFEST) -> list[Family]:
    """Read the manifest; unknown keys or kinds are errors naming the entry, not silently ignored."""
    path = Path(path)
    with open(path, "rb") as f:
        entries = tomllib.load(f).get("instance", [])
    known = set(Family.__dataclass_fields__) - {"root"}
    families = []
    for i, entry in enumerate(entries, start=1):
        label = f"{path}: [[instance]] #{i} ({entry.get('name', 'no name')})"
        unknown = set(entry) - known
        if unknown:
            raise ValueError(f"{label}: unknown key(s) {', '.join(sorted(unknown))}")
        if entry.get("kind") not in KINDS:
            raise ValueError(f"{label}: kind must be one of {', '.join(KINDS)}, not {entry.get('kind')!r}")
        if isinstance(entry.get("regions"), list):
            entry["regions"] = tuple(entry["regions"])
        families.append(Family(**entry, root=path.resolve().parent))
    names = [f.name for f in families]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: family names must be unique")
    return families
