"""``rcc pool``: the pooled what-if from the command line (see :mod:`rcc.scenarios.pooled`).

Thin: validate both regions and the flags (every problem named, exit 2), solve the other region's own
plan (or take its vacancies as given), solve the flagged children against its shared homes, and write
``pooled.csv`` (one row per flagged child) and ``pooled.json`` (the figures) atomically. Exit 0 with a
plan, 3 when no plan keeps the guards, 2 for invalid input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rcc.exit_codes import EXIT_INVALID, EXIT_NO_PLAN, EXIT_OK

OTHER_PLANS = ("solve", "greedy", "as-given")
VACANT = {"solve": "after its own plan", "greedy": "after its status quo", "as-given": "as its data gives them"}


def add_command(commands) -> None:
    """Add ``pool`` to the ``rcc`` sub-commands."""
    parser = commands.add_parser(
        "pool", help="pooled what-if: a neighbouring region shares its scarce homes with children no home here fits",
        description="Take the children no home in REGION can meet (the national-commissioning list, or --flag), "
        "and solve them against the other region's scarce homes only (secure units, residential homes for complex "
        "needs a child can have to themselves, specialist homes for complex needs) with the beds its own plan "
        "leaves vacant. No other child can cross the border: only flagged children are in the pooled plan. Writes "
        "OUT/pooled.csv and OUT/pooled.json. Exit 0 with a plan, 2 for invalid input, 3 when no plan keeps the guards.",
    )
    parser.add_argument("instance", help="the region's instance folder or Excel workbook")
    parser.add_argument("--with", dest="other", required=True, help="the other region's instance folder or workbook")
    parser.add_argument("--out", required=True, help="folder for pooled.csv and pooled.json")
    parser.add_argument("--flag", help="child IDs to offer the shared homes, comma-separated (default: the region's "
                        "national-commissioning list)")
    parser.add_argument("--other-plan", choices=OTHER_PLANS, default="solve",
                        help="which of the other region's beds are vacant: after its own optimised plan (solve, the "
                        "default), after its status quo (greedy), or its vacancies as given (as-given)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve (default 60)")
    parser.add_argument("--settings", help="TOML settings file: objective, [priorities], [guards], [weights], [solver]")
    parser.set_defaults(run=run)


def _settings(args):
    """(weights, solver settings, objective) from ``--settings`` and ``--time-limit``."""
    from rcc.model import Weights
    from rcc.priorities import Objective
    from rcc.settings import load_weights
    from rcc.solver.params import SolveParams

    default = {"time_limit": args.time_limit}
    if not args.settings:
        return Weights(), SolveParams(**default), Objective()
    return (load_weights(args.settings), SolveParams.from_toml(args.settings, default),
            Objective.from_toml(args.settings))


def _read(args) -> tuple | None:
    """(region, other, flagged, settings), or None after naming every problem on stderr."""
    from rcc.data.read import validate

    problems = []
    if not args.time_limit > 0:
        problems.append(f"--time-limit={args.time_limit} must be a number of seconds > 0")
    try:
        settings = _settings(args)
    except (OSError, ValueError) as exc:
        problems.append(f"--settings {args.settings}: could not be used ({exc})")
    reports = [validate(args.instance), validate(args.other)]
    for report in reports:
        for problem in report.problems:
            print(f"{problem.severity.upper()}: {problem}", file=sys.stderr)
    region, other = (r.instance if r.ok else None for r in reports)
    flagged = [c.strip() for c in args.flag.split(",") if c.strip()] if args.flag else None
    if region is not None and flagged is not None:
        unknown = [c for c in flagged if c not in region.child_by_id]
        if unknown:
            problems.append(f"--flag {', '.join(unknown)}: not a child of {region.name}")
        if not flagged:
            problems.append("--flag lists no child ID")
    if region is not None and other is not None and region.name == other.name:
        problems.append(f"both regions are called {region.name!r} (named after their folders): "
                        "put the other region in a folder of another name")
    for problem in problems:
        print(f"rcc pool: {problem}", file=sys.stderr)
    if problems or region is None or other is None:
        return None
    return region, other, flagged, settings


def _other_plan(which: str, other, weights, params, objective) -> dict:
    from rcc.service import greedy_checked, solve_checked

    if which == "as-given":
        return {}
    solved = (greedy_checked(other, weights) if which == "greedy"
              else solve_checked(other, weights, params, objective=objective))
    return dict(solved.result.assignment) if solved.result.has_plan else {}


def run(args) -> int:
    from rcc.beyond_region import beyond_region
    from rcc.data.atomic import atomic_write_text
    from rcc.data.safe_cells import write_csv
    from rcc.scenarios.pooled import pool

    read = _read(args)
    if read is None:
        return EXIT_INVALID
    region, other, flagged, (weights, params, objective) = read
    if flagged is None and not beyond_region(region).child_ids:
        print(f"every child of {region.name} has a home in the region that meets the rules: nobody to pool")
        return EXIT_OK
    print(f"{other!r}: its own plan ({args.other_plan}) first", file=sys.stderr)
    plan = _other_plan(args.other_plan, other, weights, params, objective)
    pooled = pool(region, other, plan, flagged, weights, params, objective)
    if not pooled.solve.result.has_plan:
        print(f"{pooled.solve.result.status.value}: no pooled plan — {pooled.solve.result.message}")
        return EXIT_NO_PLAN
    out = Path(args.out)
    figures = pooled.summary() | {"other_plan": args.other_plan}
    write_csv(out / "pooled.csv", pooled.table())
    atomic_write_text(out / "pooled.json", json.dumps(figures, indent=2, default=float) + "\n")
    where = (f", {figures['mean_miles']} miles on average (farthest {figures['max_miles']}), "
             f"£{figures['weekly_spend']:,.0f} a week" if figures["more_placed"] else "")
    print(f"{figures['more_placed']} of {figures['flagged']} flagged child(ren) placed in {other.name}'s "
          f"{figures['shared_homes']} shared home(s) ({figures['shared_beds']} bed(s) vacant {VACANT[args.other_plan]})"
          f"{where} → {out}")
    return EXIT_OK
