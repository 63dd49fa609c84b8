"""The ``rcc`` command line: thin wrappers that parse flags, call the library and set exit codes.

Exit codes are for schedulers: 0 done, 2 invalid input (every problem listed on stderr),
1 internal error (a bug: the message says where to report it).
"""

from __future__ import annotations

import argparse
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
