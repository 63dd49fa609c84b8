"""``rcc import-ofsted``: an Ofsted provider list (and a vacancies file) → the contract's ``homes.csv``.

Thin over :mod:`rcc.imports.ofsted`: it prints every problem, writes the files and sets the exit code
(0 written, 2 invalid input; the report is written either way, so the planner can see what to fix).
"""

from __future__ import annotations

import sys
from pathlib import Path

from rcc.exit_codes import EXIT_INVALID, EXIT_OK
from rcc.imports.ofsted import import_ofsted, report_path_for, write_homes, write_report


def add_command(commands) -> None:
    """Add ``import-ofsted`` to the ``rcc`` sub-commands."""
    parser = commands.add_parser(
        "import-ofsted", help="turn an Ofsted provider list into homes.csv",
        description="Read Ofsted's children's social care provider list (the .xlsx sent to local authorities, "
        "2025 or older layout, or a CSV of one sheet) and the commissioner's vacancies file, and write homes.csv "
        "with a report of every row skipped and every default used (see docs/vacancies-file.md). Exit 0 when "
        "written, 2 for invalid input (homes.csv is then not written, but the report is).",
    )
    parser.add_argument("providers", help="the Ofsted provider list (.xlsx, or .csv of one sheet)")
    parser.add_argument("--vacancies", help="the vacancies file: CSV keyed by urn (docs/vacancies-file.md)")
    parser.add_argument("--out", required=True, help="the homes.csv to write")
    parser.add_argument("--report", help="the report CSV (default: <out stem>_report.csv beside --out); "
                        "a JSON summary is written beside it")
    parser.set_defaults(run=run)


def run(args) -> int:
    result = import_ofsted(args.providers, vacancies=args.vacancies)
    for problem in result.problems:
        print(f"{problem.severity.upper()}: {problem}", file=sys.stderr)
    report = Path(args.report) if args.report else report_path_for(args.out)
    try:
        if result.ok:
            write_homes(result, args.out, report)
        else:
            write_report(result, report)
    except OSError as exc:
        print(f"rcc import-ofsted: could not write the outputs: {exc}", file=sys.stderr)
        return EXIT_INVALID
    summary = result.summary
    if not result.ok:
        print(f"{args.providers}: INVALID — {summary['errors']} error(s), {summary['warnings']} warning(s); "
              f"{args.out} not written; report in {report}", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {summary['homes']} home(s) to {args.out} from {summary['rows_read']} provider row(s) "
          f"({summary['rows_skipped']} skipped, {summary['warnings']} warning(s)); report in {report}")
    return EXIT_OK
