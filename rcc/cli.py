"""The ``rcc`` command line: thin wrappers that parse flags, call the library and set exit codes.

Exit codes are for schedulers: 0 done, 2 invalid input (every problem listed on stderr),
1 internal error (a bug: the message says where to report it).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Sequence

EXIT_OK, EXIT_INTERNAL, EXIT_INVALID = 0, 1, 2

log = logging.getLogger("rcc")


def _validate(args) -> int:
    from rcc.data.read import validate
    from rcc.summary import describe_instance

    report = validate(args.instance)
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
    write_instance(instance, args.out)
    print(f"wrote {instance!r} to {args.out}")
    return EXIT_OK


def _progress(objective: float, bound: float, elapsed: float) -> None:
    gap = max(0.0, objective - bound) / max(1.0, abs(objective))
    print(f"  {elapsed:7.2f}s  objective £{objective:,.2f}  bound £{bound:,.2f}  gap {gap:.4%}", file=sys.stderr)


def _solve(args) -> int:
    from rcc.data.read import validate
    from rcc.model import Weights
    from rcc.outputs import checked, input_hashes, write_outputs
    from rcc.settings import load_weights
    from rcc.solver.candidates import candidate_pairs
    from rcc.solver.cpsat import SolveParams, solve
    from rcc.solver.greedy import solve_greedy

    report = validate(args.instance)
    for problem in report.problems:
        print(f"{problem.severity.upper()}: {problem}", file=sys.stderr)
    if not report.ok:
        print(f"{args.instance}: INVALID — nothing solved", file=sys.stderr)
        return EXIT_INVALID
    try:
        weights = load_weights(args.weights) if args.weights else Weights()
        params = SolveParams.from_toml(args.weights) if args.weights else SolveParams()
    except (OSError, ValueError) as exc:
        print(f"rcc solve: {exc}", file=sys.stderr)
        return EXIT_INVALID
    flags = {"km": args.w_km, "unplaced": args.w_unplaced, "split": args.w_split, "cost": args.w_cost}
    weights = weights.replace(**{k: v for k, v in flags.items() if v is not None})
    flags = {"time_limit": args.time_limit, "workers": args.workers, "seed": args.seed}
    params = dataclasses.replace(params, **{k: v for k, v in flags.items() if v is not None})
    instance = report.instance
    pairs = candidate_pairs(instance, weights)
    print(f"{instance!r}: {len(pairs)} feasible pairs", file=sys.stderr)
    if args.greedy:
        result = solve_greedy(instance, weights, pairs)
    else:
        result = solve(instance, weights, params, hint=None if args.no_hint else "greedy",
                       progress=_progress, pairs=pairs)
    solved = checked(instance, weights, result, pairs)
    write_outputs(solved, args.out, input_hashes(args.instance))
    k = solved.kpis
    print(f"{result.status.value}: objective £{solved.check.objective:,.2f}"
          + (f", bound £{result.bound:,.2f}, gap {result.gap:.4%}" if result.gap is not None else "")
          + f", {k['placed']}/{k['children']} placed, {k['siblings_split']} sibling group(s) split, "
          f"{result.runtime_s:.1f}s → {args.out}")
    return EXIT_OK if result.status.value in ("optimal", "feasible", "time_limit") else EXIT_INTERNAL


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
    generate.set_defaults(run=_generate)

    solve = commands.add_parser(
        "solve", help="match every waiting child to a home, exactly",
        description="Solve the instance with CP-SAT (warm-started from the greedy status quo), re-check the "
        "result independently, and write OUT/assignments.csv and OUT/summary.json. Exit 0 when solved "
        "(optimal, feasible or stopped at the time limit with a checked assignment), 2 for invalid input, "
        "1 for an internal error.",
    )
    solve.add_argument("instance", help="instance folder or Excel workbook")
    solve.add_argument("--out", required=True, help="folder for assignments.csv and summary.json")
    solve.add_argument("--time-limit", type=float, help="seconds (default 60)")
    solve.add_argument("--workers", type=int, help="CP-SAT worker threads (default 2)")
    solve.add_argument("--seed", type=int, help="random seed (default 0)")
    solve.add_argument("--weights", help="TOML file with [weights] (cost, km, unplaced, split) and [solver]")
    solve.add_argument("--w-km", type=float, help="£ per km per week (default 20)")
    solve.add_argument("--w-unplaced", type=float, help="£ per unplaced child (default 15000)")
    solve.add_argument("--w-split", type=float, help="£ per extra home a sibling group uses (default 5000)")
    solve.add_argument("--w-cost", type=float, help="multiplier on weekly cost (default 1)")
    solve.add_argument("--greedy", action="store_true", help="use the one-child-at-a-time status quo instead")
    solve.add_argument("--no-hint", action="store_true", help="do not warm-start CP-SAT from greedy")
    solve.set_defaults(run=_solve)
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
