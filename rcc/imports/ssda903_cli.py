"""``rcc import-903``: the SSDA903 importer on the command line (the work is in ``ssda903.py``)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from rcc.exit_codes import EXIT_INVALID, EXIT_OK


def add_command(commands) -> None:
    """Add ``import-903`` to the ``rcc`` sub-commands."""
    parser = commands.add_parser(
        "import-903", help="turn an SSDA903 return into children.csv and a status-quo baseline",
        description="Read the SSDA903 Header and Episodes tables (CSV) and write, into --out: children.csv "
        "(children in care on --as-of, as contract rows; need_level estimated from the placement), "
        "status_quo.csv/.json (where they live now), entries.csv and demand_profile.csv (entries to care "
        "in the --entries-weeks before --as-of), and import_report.csv/.json (every row left out, and why). "
        "No date of birth, UPN or full postcode is written. Exit 0 when written, 2 for invalid input.",
    )
    parser.add_argument("--header", required=True, help="the Header table (CHILD, SEX, DOB, …) as CSV")
    parser.add_argument("--episodes", required=True, help="the Episodes table (CHILD, DECOM, RNE, …) as CSV")
    parser.add_argument("--la", required=True, help="ONS GSS code of the responsible authority, e.g. E08000003")
    parser.add_argument("--as-of", required=True, help="ISO date the cohort is taken on, e.g. 2025-03-31")
    parser.add_argument("--out", required=True, help="folder to write the outputs into")
    parser.add_argument("--entries-weeks", type=int, default=52,
                        help="weeks of entries to care before --as-of to profile (default 52)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rcc.data.problems import InvalidInstance
    from rcc.imports.ssda903 import argument_problems, import_903, write_import

    problems = argument_problems(args.la, args.entries_weeks)
    try:
        as_of = dt.date.fromisoformat(args.as_of)
    except ValueError:
        problems.append(f"--as-of {args.as_of} is not an ISO date (YYYY-MM-DD, e.g. 2025-03-31)")
    for problem in problems:
        print(f"rcc import-903: {problem}", file=sys.stderr)
    if problems:
        return EXIT_INVALID
    try:
        result = import_903(args.header, args.episodes, args.la, as_of, args.entries_weeks)
    except InvalidInstance as exc:
        for problem in exc.problems:
            print(f"{problem.severity.upper()}: {problem}", file=sys.stderr)
        print("rcc import-903: INVALID input — nothing written", file=sys.stderr)
        return EXIT_INVALID
    except ValueError as exc:
        print(f"rcc import-903: {exc}", file=sys.stderr)
        return EXIT_INVALID
    write_import(result, args.out)
    _print_summary(result.summary, args.out)
    return EXIT_OK


def _print_summary(summary: dict, out: str) -> None:
    """Counts on stderr (every row is in the report file), the outcome on stdout."""
    for title, counts in (("children skipped", summary["cohort_skipped_by_reason"]),
                          ("entries skipped", summary["entries_skipped_by_reason"]),
                          ("warnings", summary["warnings_by_reason"])):
        if counts:
            print(f"{title}: " + ", ".join(f"{reason} {n}" for reason, n in counts.items()), file=sys.stderr)
    if summary["code_list_note"]:
        print(f"WARNING: {summary['code_list_note']}", file=sys.stderr)
    print(f"{summary['cohort_children']} children in care of {summary['la_code']} ({summary['la_name']}) on "
          f"{summary['as_of']} ({summary['cohort_skipped']} skipped), {summary['kinship_carers']} of them with a "
          f"family or friends carer (kinship_homes.csv), {summary['entries']} entries to care in "
          f"{summary['entries_weeks']} weeks; need_level is estimated from the placement → {out} "
          "(every problem is listed in import_report.csv)")
