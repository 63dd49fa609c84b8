"""The ``rcc`` command line: thin wrappers that parse flags, call the library and set exit codes.

Exit codes are for schedulers (:mod:`rcc.exit_codes`): 0 done, 2 invalid input (every problem listed
on stderr), 3 no plan under the hard limits (summary.json says which binds), 1 internal error (a bug:
the message says where to report it).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from collections.abc import Sequence

from rcc.exit_codes import EXIT_INTERNAL, EXIT_INVALID, EXIT_NO_PLAN, EXIT_OK
from rcc.result import Status

log = logging.getLogger("rcc")


def _checked(args):
    """The instance's validation report under ``[limits]`` of the settings file, if one is given."""
    from rcc.data.problems import Problem
    from rcc.data.read import Report, validate
    from rcc.settings import load_limits

    try:
        limits = load_limits(args.weights)
    except (OSError, ValueError) as exc:
        return Report(args.instance, None, [Problem(str(args.weights), f"could not be used ({exc})")])
    return validate(args.instance, limits)


def _validate(args) -> int:
    from rcc.summary import describe_instance

    report = _checked(args)
    for problem in report.problems:
        print(f"{problem.severity.upper()}: {problem}", file=sys.stderr)
    if not report.ok:
        print(f"{args.instance}: INVALID — {len(report.errors)} error(s), {len(report.warnings)} warning(s)",
              file=sys.stderr)
        return EXIT_INVALID
    print(describe_instance(report.instance))
    print(f"{args.instance}: valid ({len(report.warnings)} warning(s))")
    return EXIT_OK


def _generate(args) -> int:
    from rcc.data.generate import generate_instance
    from rcc.data.write import write_instance

    las = [code.strip() for code in args.las.split(",") if code.strip()] if args.las else None
    try:
        instance = generate_instance(region=args.region, las=las, children=args.children, seed=args.seed)
    except ValueError as exc:
        print(f"rcc generate: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if args.data_standard:
        from rcc.data.standard_fields import with_standard_fields

        instance = with_standard_fields(instance, args.seed)
    write_instance(instance, args.out)
    print(f"wrote {instance!r} to {args.out}")
    return EXIT_OK


def _progress(update) -> None:
    print(f"  {update.describe()}", file=sys.stderr)


def _settings(args):
    """(weights, solver settings, objective) from the settings file and the flags over it."""
    from rcc.model import Weights
    from rcc.priorities import (
        Objective,
        Priorities,
        check_urgency_factors,
        parse_budget,
        parse_order,
        parse_pounds,
        parse_tolerances,
    )
    from rcc.settings import load_limits, load_weights
    from rcc.solver.params import SolveParams

    weights = load_weights(args.weights) if args.weights else Weights()
    default = {"time_limit": args.time_limit_default}
    params = SolveParams.from_toml(args.weights, default) if args.weights else SolveParams(**default)
    objective = Objective.from_toml(args.weights) if args.weights else Objective()
    flags = {"km": args.w_km, "unplaced": args.w_unplaced, "split": args.w_split, "cost": args.w_cost,
             "not_preferred": args.w_not_preferred}
    weights = weights.replace(**{k: v for k, v in flags.items() if v is not None})
    flags = {"time_limit": args.time_limit, "workers": args.workers, "seed": args.seed,
             "lp_guide": False if args.no_lp else None}
    params = dataclasses.replace(params, **{k: v for k, v in flags.items() if v is not None})
    too_many = load_limits(args.weights).workers_problem("--workers", params.workers)
    if too_many:
        raise ValueError(too_many)
    priorities = objective.priorities
    if args.order or args.tolerance:
        priorities = Priorities(parse_order(args.order) if args.order else priorities.order,
                                {**priorities.tolerances, **parse_tolerances(args.tolerance or [])})
    guards = objective.guards
    changes = {"status_quo": False if args.no_guard else None,
               "budget": parse_budget(args.budget) if args.budget else None, "fairness_points": args.fairness,
               "private_spend": parse_pounds("--private-spend", args.private_spend) if args.private_spend else None,
               "small_local_pct": args.small_local, "small_provider_homes": args.small_provider_homes}
    guards = dataclasses.replace(guards, **{k: v for k, v in changes.items() if v is not None})
    objective = Objective(args.objective or objective.mode, priorities, guards)
    if objective.mode == "priorities":
        check_urgency_factors(weights)
    if args.hint_greedy and objective.mode != "weighted":
        raise ValueError("--hint-greedy warm-starts the weighted score only: add --objective weighted")
    return weights, params, objective


def _actual_status_quo(args, instance):
    """Today's measures from ``status_quo.csv`` (--status-quo, or the one beside the instance), or
    (None, problems) when it cannot be read."""
    from pathlib import Path

    from rcc.imports.status_quo import read_actual

    path = Path(args.status_quo) if args.status_quo else Path(args.instance) / "status_quo.csv"
    if not path.is_file():
        if args.status_quo:
            return None, [f"--status-quo {args.status_quo}: no such file"]
        return None, []
    measures, problems = read_actual(path, {c.child_id for c in instance.children})
    return measures, [str(p) for p in problems]


def _solve(args) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from rcc.outputs import input_hashes, run_record, write_outputs
    from rcc.service import greedy_checked, solve_checked
    from rcc.solver.candidates import candidate_pairs
    from rcc.store import RunStore

    report = _checked(args)
    for problem in report.problems:
        print(f"{problem.severity.upper()}: {problem}", file=sys.stderr)
    if not report.ok:
        print(f"{args.instance}: INVALID — nothing solved", file=sys.stderr)
        return EXIT_INVALID
    instance = report.instance
    try:
        weights, params, objective = _settings(args)
    except (OSError, ValueError) as exc:
        print(f"rcc solve: {exc}", file=sys.stderr)
        return EXIT_INVALID
    actual, problems = _actual_status_quo(args, instance) if objective.mode == "priorities" else (None, [])
    for problem in problems:
        print(f"ERROR: {problem}", file=sys.stderr)
    if problems:
        print(f"{args.instance}: INVALID status quo — nothing solved", file=sys.stderr)
        return EXIT_INVALID
    pairs = candidate_pairs(instance, weights)
    print(f"{instance!r}: {len(pairs)} feasible pairs; objective: {objective.mode}"
          + (" (guards: today's placements from status_quo.csv where recorded)" if actual else ""), file=sys.stderr)
    if args.greedy:
        solved = greedy_checked(instance, weights, pairs)
    else:
        solved = solve_checked(instance, weights, params, objective=objective, progress=_progress, pairs=pairs,
                               actual=actual, hint="greedy" if args.hint_greedy else None)
    hashes = input_hashes(args.instance)
    write_outputs(solved, args.out, hashes)
    result = solved.result
    try:
        run_id = RunStore(args.db).record(run_record(solved, hashes, {
            "time_limit": params.time_limit, "workers": params.workers, "seed": params.seed,
            "greedy": args.greedy, "hint_greedy": args.hint_greedy}))
    except SQLAlchemyError as exc:
        print(f"rcc solve: wrote {args.out} but could not record the run in the run store: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    if not result.has_plan:
        print(f"{result.status.value}: no plan — {result.message} → {args.out} (run {run_id})")
        return EXIT_NO_PLAN if result.status in (Status.INFEASIBLE, Status.TIME_LIMIT) else EXIT_INTERNAL
    print(f"{result.status.value}: {solved.headline()}, {result.runtime_s:.1f}s → {args.out} (run {run_id})")
    print(_beyond_region_line(solved))
    if _has_market(instance):
        print(_market_line(solved, objective.guards.small_provider_homes))
    if solved.kpis["kinship_carers"]:
        print(f"family or friends carers: {solved.kpis['kinship_placed']} child(ren) placed with theirs; "
              f"{solved.kpis['kinship_carers_unused']} of {solved.kpis['kinship_carers']} carers unused "
              "(assignments.csv says why)")
    return EXIT_OK


def _has_market(instance) -> bool:
    from rcc.market import has_market

    return has_market(instance)


def _market_line(solved, most_homes: int) -> str:
    """The provider market of the plan in one line: spend by sector, the five largest owners' share, HHI."""
    from rcc.market import SECTOR_LABELS, market_summary

    market = market_summary(solved.instance, solved.result.assignment, solved.check, most_homes)
    sectors = ", ".join(f"{SECTOR_LABELS[row['sector']].lower()} £{row['weekly_spend']:,.0f}"
                        + (f" ({row['spend_pct']:.0f}%)" if row["spend_pct"] is not None else "")
                        for row in market["by_sector"])
    top = "—" if market["top_five_pct"] is None else f"{market['top_five_pct']:.1f}%"
    hhi = "—" if market["hhi"] is None else f"{market['hhi']:,.0f}"
    small = "—" if market["small_local_pct"] is None else f"{market['small_local_pct']:.1f}%"
    return (f"market: weekly spend by sector {sectors}; five largest owners {top} of spend; HHI {hhi}; "
            f"{market['small_local_placements']} placements ({small}) with small local providers "
            f"(owners of at most {most_homes} homes)")


def _beyond_region_line(solved) -> str:
    """The national-commissioning list in one line: how many children no home in the region can meet, and why."""
    from rcc.beyond_region import beyond_region

    listed = beyond_region(solved.instance, solved.explainer.pairs)
    if not len(listed.children):
        return "national commissioning: every child has at least one home in the region that meets the rules"
    reasons = "; ".join(f"{row.children} — {row.label.lower()}" for row in listed.by_reason().itertuples())
    return (f"national commissioning: {len(listed.children)} child(ren) no home in the region can meet ({reasons}) "
            "→ national_commissioning.csv")


def _frontier(args) -> int:
    import json
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from rcc.data.atomic import atomic_write_text
    from rcc.data.safe_cells import write_csv
    from rcc.outputs import input_hashes, run_record, write_outputs
    from rcc.priorities import MEASURES
    from rcc.service import frontier_checked
    from rcc.solver.candidates import candidate_pairs
    from rcc.store import RunStore

    report = _checked(args)
    for problem in report.problems:
        print(f"{problem.severity.upper()}: {problem}", file=sys.stderr)
    problems = [f"--{axis} {value!r} is not a measure (measures: {', '.join(MEASURES)})"
                for axis, value in (("x", args.x), ("y", args.y)) if value not in MEASURES]
    if args.x == args.y:
        problems.append(f"--x and --y are both {args.x}: the frontier trades two different measures")
    if args.points < 2:
        problems.append(f"--points={args.points} must be ≥ 2 (the two ends)")
    try:
        weights, params, objective = _settings(args)
        if objective.mode != "priorities":
            problems.append("the frontier holds the priorities above both measures: --objective must be priorities")
    except (OSError, ValueError) as exc:
        problems.append(str(exc))
    for problem in problems:
        print(f"rcc frontier: {problem}", file=sys.stderr)
    if not report.ok or problems:
        return EXIT_INVALID
    instance = report.instance
    actual, bad = _actual_status_quo(args, instance)
    for problem in bad:
        print(f"ERROR: {problem}", file=sys.stderr)
    if bad:
        return EXIT_INVALID
    pairs = candidate_pairs(instance, weights)
    started = time.perf_counter()

    def on_point(done: int, planned: int, point) -> None:
        m = point.check.measures
        print(f"  point {done} of {planned} at {time.perf_counter() - started:.0f}s: "
              f"{MEASURES[args.y].label.lower()} {MEASURES[args.y].format(m[args.y])}, "
              f"{MEASURES[args.x].label.lower()} {MEASURES[args.x].format(m[args.x])}", file=sys.stderr)

    found = frontier_checked(instance, args.x, args.y, weights, objective, params, args.points, on_point, pairs,
                             actual)
    if not found.points:
        print(f"no frontier: {found.message}")
        return EXIT_NO_PLAN
    out, hashes = Path(args.out), input_hashes(args.instance)
    table = found.table()
    store = RunStore(args.db)
    run_ids = []
    for k, point in enumerate(found.points, start=1):
        write_outputs(point, out / f"point-{k:02d}", hashes)
        try:
            run_ids.append(store.record(run_record(point, hashes, {
                "kind": "frontier", "x": args.x, "y": args.y, "point": k, "time_limit": params.time_limit})))
        except SQLAlchemyError as exc:
            print(f"rcc frontier: could not record point {k} in the run store: {exc}", file=sys.stderr)
            return EXIT_INTERNAL
    table["run"] = run_ids
    write_csv(out / "frontier.csv", table)
    atomic_write_text(out / "frontier.json", json.dumps({"x": args.x, "y": args.y, "dropped": found.dropped,
                                                         "points": json.loads(table.to_json(orient="records"))},
                                                        indent=2) + "\n")
    print(table[["point", args.y, args.x, "trade_off"]].to_string(index=False))
    print(f"{len(found.points)} efficient plan(s) ({found.dropped} dropped) in {time.perf_counter() - started:.0f}s "
          f"→ {out} (runs {', '.join(map(str, run_ids))})")
    return EXIT_OK


def _families(args):
    from rcc.bench.manifest import load_manifest

    families = load_manifest(args.manifest)
    if args.only:
        wanted = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = set(wanted) - {f.name for f in families}
        if unknown:
            raise ValueError(f"no family named {', '.join(sorted(unknown))} in {args.manifest}")
        families = [f for f in families if f.name in wanted]
    return families


def _bench_generate(args) -> int:
    from pathlib import Path

    from rcc.data.write import write_instance

    try:
        families = [f for f in _families(args) if f.kind == "generated"]
    except (OSError, ValueError) as exc:
        print(f"rcc bench generate: {exc}", file=sys.stderr)
        return EXIT_INVALID
    for family in families:
        (instance,) = family.instances()
        write_instance(instance, Path(args.out) / family.name)
        print(f"wrote {family.name}: {instance!r}")
    return EXIT_OK


def _bench_run(args) -> int:
    import json
    import shlex
    from pathlib import Path

    from rcc.bench.measure import Limits, run_family
    from rcc.bench.readme import render
    from rcc.data.atomic import atomic_write_text

    try:
        families = _families(args)
    except (OSError, ValueError) as exc:
        print(f"rcc bench: {exc}", file=sys.stderr)
        return EXIT_INVALID
    limits = Limits(time_limit=args.time_limit, workers=args.workers, highs_cap=args.highs_cap,
                    family_cap=args.family_cap, memory_gb=args.memory_gb)
    rows = []
    for family in families:
        print(f"{family.name}: {family.describe()}", file=sys.stderr)
        row = run_family(family, limits, lambda r: print(f"  {r['family']}: {r['stage']}", file=sys.stderr))
        print(f"  {family.name}: {row.get('stopped') or row.get('status')} in {row['wall_s']:.1f}s", file=sys.stderr)
        rows.append(row)
    command = (f"rcc bench run --time-limit {limits.time_limit:g} --workers {limits.workers} "
               f"--highs-cap {limits.highs_cap:g} --family-cap {limits.family_cap:g} --memory-gb {limits.memory_gb:g}"
               + (f" --only {shlex.quote(args.only)}" if args.only else ""))
    atomic_write_text(Path(args.readme), render(rows, limits, command))
    if args.json:
        atomic_write_text(Path(args.json), json.dumps(rows, indent=2, default=str))
    print(f"wrote {args.readme}", file=sys.stderr)
    return EXIT_INTERNAL if any("CheckFailed" in r.get("stopped", "") for r in rows) else EXIT_OK


def _open_store(args):
    """(store, None), or (None, exit code) after saying why the run store cannot be opened."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from rcc.store import RunStore

    try:
        return RunStore(args.db), None
    except ArgumentError as exc:
        print(f"rcc runs: --db / RCC_DATABASE_URL is not a database URL: {exc}", file=sys.stderr)
        return None, EXIT_INVALID
    except SQLAlchemyError as exc:
        print(f"rcc runs: cannot open the run store: {exc}", file=sys.stderr)
        return None, EXIT_INTERNAL


def _runs_list(args) -> int:
    store, failed = _open_store(args)
    if store is None:
        return failed
    table = store.runs(limit=args.limit, kind=args.kind)
    if table.empty:
        print(f"no runs recorded in {store.engine.url.render_as_string(hide_password=True)}")
        return EXIT_OK
    table["recorded_at"] = _to_the_second(table["recorded_at"])
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    return EXIT_OK


def _to_the_second(column):
    """Recorded times to the second, UTC, for a terminal table."""
    return column.map(lambda t: t.strftime("%Y-%m-%d %H:%M:%S"))


def _runs_show(args) -> int:
    from rcc.data.safe_cells import csv_text

    store, failed = _open_store(args)
    if store is None:
        return failed
    run = store.run(args.run_id)
    if run is None:
        print(f"rcc runs show: no run {args.run_id}", file=sys.stderr)
        return EXIT_INVALID
    assignments = run.pop("assignments")
    if args.assignments:
        sys.stdout.write(csv_text(assignments))
        return EXIT_OK
    for name, value in run.items():
        print(f"{name:12} {value}")
    print(f"{'assignments':12} {len(assignments)} children, {int(assignments['home_id'].notna().sum())} placed")
    return EXIT_OK


def _settings_flags(parser: argparse.ArgumentParser, time_limit: float = 60.0) -> None:
    """The settings a solve takes (shared by ``solve`` and ``frontier``): time, workers, the settings
    file, the objective and its priorities and guards, the weighted score's weights, the run store."""
    parser.add_argument("--time-limit", type=float, help=f"seconds (default {time_limit:g})")
    parser.add_argument("--workers", type=int, help="CP-SAT worker threads (default 2)")
    parser.add_argument("--seed", type=int, help="random seed (default 0)")
    parser.add_argument("--weights", "--settings", dest="weights",
                       help="TOML settings file: objective = \"priorities\" | \"weighted\", [priorities] (order, "
                       "tolerance), [guards] (status_quo, budget, fairness_points), [weights] and [solver]")
    parser.add_argument("--objective", choices=("priorities", "weighted"),
                       help="priorities (default: children first, measures in order) or weighted (the v1 score, "
                       "for comparisons and benchmarks)")
    parser.add_argument("--order", help="the measures in priority order, comma-separated (default unplaced,"
                       "siblings_apart,far_from_home,outside_own_la,not_preferred,weekly_spend,km)")
    parser.add_argument("--tolerance", action="append", metavar="MEASURE=VALUE",
                       help="how far a measure may rise to gain the later ones: weekly_spend=2%% or km=50 "
                       "(absolute, in the measure's unit); repeat for several")
    parser.add_argument("--no-guard", action="store_true",
                       help="drop the 'no worse than today' guards on the first five measures")
    parser.add_argument("--budget", help="weekly spend may not exceed this: 'today' (the status quo's) or £ a week")
    parser.add_argument("--fairness", type=float, metavar="POINTS",
                       help="no authority's placed %% may fall more than POINTS below the region's")
    parser.add_argument("--private-spend", metavar="POUNDS",
                       help="weekly spend with private providers may not exceed this (£ a week; homes.sector)")
    parser.add_argument("--small-local", type=float, metavar="PERCENT",
                       help="at least PERCENT %% of placements with small local providers (homes.owner)")
    parser.add_argument("--small-provider-homes", type=int, metavar="N",
                       help="a small provider owns at most N homes, all in the region (default 3)")
    parser.add_argument("--status-quo", help="today's placements (status_quo.csv of rcc import-903) for the guards; "
                       "default: status_quo.csv in the instance folder, if there")
    parser.add_argument("--w-km", type=float, help="weighted mode: score per km per week (default 20)")
    parser.add_argument("--w-unplaced", type=float, help="weighted mode: score per unplaced child (default 15000)")
    parser.add_argument("--w-split", type=float,
                       help="weighted mode: score per extra home a sibling group uses (default 5000)")
    parser.add_argument("--w-cost", type=float, help="weighted mode: multiplier on weekly cost (default 1)")
    parser.add_argument("--w-not-preferred", type=float,
                       help="weighted mode: score when a child goes to a suitable but not preferred setting family "
                       "(default 1000)")
    parser.add_argument("--db", help="run store: SQLAlchemy URL (default $RCC_DATABASE_URL or sqlite:///var/rcc.db)")
    parser.add_argument("--no-lp", action="store_true",
                       help="weighted mode: skip the LP relaxation stage (its bound, shortlists and pruning)")
    parser.add_argument("--hint-greedy", action="store_true",
                       help="weighted mode: warm-start CP-SAT from the greedy solution (measured slower on large "
                       "regions)")
    parser.set_defaults(time_limit_default=time_limit)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rcc",
        description="Placement matching for Regional Care Cooperatives. An instance is a folder holding "
        "children.csv and homes.csv (optionally separations.csv and travel.csv), or one Excel workbook "
        "with sheets of those names; see CONTRACT.md for the columns.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate", help="check an instance against the contract",
        description="Check every column and rule of the contract and list all problems at once, each "
        "naming file, row, column, value and rule. Exit 0 when valid, 2 when not.",
    )
    validate.add_argument("instance", help="instance folder or Excel workbook")
    validate.add_argument("--settings", dest="weights", help="TOML settings file; its [limits] (max_file_bytes, "
                          "max_rows, max_travel_rows) apply")
    validate.set_defaults(run=_validate)

    generate = commands.add_parser(
        "generate", help="write a synthetic, reproducible regional instance",
        description="Generate children and homes around real local-authority centroids, calibrated to "
        "published figures (see rcc/data/generate.py). The same seed always gives the same files.",
    )
    where = generate.add_mutually_exclusive_group(required=True)
    where.add_argument("--region", help='ONS region name, e.g. "North West"')
    where.add_argument("--las", help="comma-separated GSS codes, e.g. E08000001,E08000002")
    generate.add_argument("--children", type=int, default=300, help="number of waiting children (default 300)")
    generate.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    generate.add_argument("--out", required=True, help="folder to write the instance into")
    generate.add_argument("--data-standard", action="store_true",
                          help="also draw urgency, suitability, alongside and resident ages (illustrative rates: "
                          "see rcc/data/standard_fields.py)")
    generate.set_defaults(run=_generate)

    solve = commands.add_parser(
        "solve", help="match every waiting child to a home: children first, then money",
        description="Find the plan that follows the priorities (contract v1.1): fewest children without a "
        "home, then fewest brothers and sisters apart, placed more than 20 miles away, outside their authority, "
        "not in their preferred kind of home, then the least weekly spend and distance — each without "
        "worsening the ones before, and, by default, no worse than the status quo on the first five. Re-check "
        "the plan independently and write OUT/assignments.csv and OUT/summary.json. Exit 0 with a plan, "
        "2 for invalid input, 3 when the guards or pins cannot all hold (summary.json says which binds), "
        "1 for an internal error.",
    )
    solve.add_argument("instance", help="instance folder or Excel workbook")
    solve.add_argument("--out", required=True, help="folder for assignments.csv and summary.json")
    _settings_flags(solve)
    solve.add_argument("--greedy", action="store_true", help="use the one-child-at-a-time status quo instead")
    solve.set_defaults(run=_solve)

    frontier = commands.add_parser(
        "frontier", help="the trade-off between two measures: efficient plans from children first to cheapest",
        description="Solve the plans between the two ends of a trade-off — e.g. --x weekly_spend --y siblings_apart: "
        "from the fewest brothers and sisters apart to the least weekly spend — each efficient (neither can "
        "improve without the other worsening), with the priorities ranked above both held at their best and "
        "the guards kept. Every point is checked independently, written to OUT/point-NN/ and recorded; "
        "OUT/frontier.csv lists them with what each step trades.",
    )
    frontier.add_argument("instance", help="instance folder or Excel workbook")
    frontier.add_argument("--x", required=True, help="the measure on the horizontal axis, e.g. weekly_spend")
    frontier.add_argument("--y", required=True, help="the measure on the vertical axis, e.g. siblings_apart")
    frontier.add_argument("--points", type=int, default=7, help="plans to find, the two ends included (default 7)")
    frontier.add_argument("--out", required=True, help="folder for frontier.csv and one folder per point")
    _settings_flags(frontier, time_limit=300.0)
    frontier.set_defaults(run=_frontier)

    from rcc.scenarios.commands import add_commands

    add_commands(commands)
    from rcc.imports.ssda903_cli import add_command as add_import_903
    add_import_903(commands)
    from rcc.imports.ofsted_cli import add_command as add_import_ofsted
    add_import_ofsted(commands)
    from rcc.scenarios.pooled_cli import add_command as add_pool
    add_pool(commands)

    runs = commands.add_parser(
        "runs", help="the run history: every recorded solve, evaluation and sweep",
        description="Read the run store (SQLAlchemy URL from --db, else $RCC_DATABASE_URL, else "
        "sqlite:///var/rcc.db).",
    )
    runs_commands = runs.add_subparsers(dest="runs_command", required=True, metavar="ACTION")
    runs_list = runs_commands.add_parser("list", help="the latest runs, newest first")
    runs_list.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    runs_list.add_argument("--kind", help="only runs of this kind (solve, evaluate, sweep)")
    runs_list.set_defaults(run=_runs_list)
    runs_show = runs_commands.add_parser("show", help="one run's parameters, figures and KPIs")
    runs_show.add_argument("run_id", type=int, help="the run's ID, as listed")
    runs_show.add_argument("--assignments", action="store_true", help="print its assignments as CSV instead")
    runs_show.set_defaults(run=_runs_show)
    for sub in (runs_list, runs_show):
        sub.add_argument("--db", help="SQLAlchemy URL of the run store")

    bench = commands.add_parser(
        "bench", help="researchers' benchmark: every solver on every family, README table",
        description="Measure the families of the benchmark manifest — greedy, the min-cost-flow relaxation, "
        "CP-SAT and HiGHS in the same run, every solution re-checked — and regenerate the README table.",
    )
    bench_commands = bench.add_subparsers(dest="bench_command", required=True, metavar="ACTION")
    run = bench_commands.add_parser("run", help="measure the families and write the README")
    generate_bench = bench_commands.add_parser("generate", help="write the generated families as CSV folders")
    for sub in (run, generate_bench):
        sub.add_argument("--manifest", default="benchmarks/instances/manifest.toml", help="the family manifest")
        sub.add_argument("--only", help="comma-separated family names (default: all)")
    run.add_argument("--time-limit", type=float, default=60.0, help="CP-SAT seconds per family (default 60)")
    run.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    run.add_argument("--highs-cap", type=float, default=600.0, help="HiGHS seconds per family (default 600)")
    run.add_argument("--family-cap", type=float, default=3600.0, help="wall-clock seconds per family (default 3600)")
    run.add_argument("--memory-gb", type=float, default=20.0, help="address-space cap per family (default 20)")
    run.add_argument("--readme", default="benchmarks/README.md", help="where to write the table")
    run.add_argument("--json", help="also write the raw rows as JSON here")
    run.set_defaults(run=_bench_run)
    generate_bench.add_argument("--out", default="benchmarks/instances", help="folder for the instances")
    generate_bench.set_defaults(run=_bench_generate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        return args.run(args)
    except Exception:
        log.exception("internal error in 'rcc %s'; please report it with the log above", args.command)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
