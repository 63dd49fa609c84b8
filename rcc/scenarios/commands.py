"""``rcc blockbook evaluate|optimise``, ``rcc sweep``, ``rcc open-home``, ``rcc where-to-open`` and
``rcc price-drift``: thin wrappers over the scenario engine.

Each reads and validates an instance (and, for evaluation, a contracts CSV), samples scenarios
from the instance's own profile — or from ``--demand``, a children table of observed referrals such
as the ``entries.csv`` of ``rcc import-903`` — fans them out on dask (or in process with
``--workers 0``), writes CSV outputs atomically and records the run in the run store.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import pandas as pd

from rcc.exit_codes import EXIT_INVALID, EXIT_OK

CONTRACT_COLUMNS = ("home_id", "beds", "price")


def read_contracts(path: str, instance) -> tuple[list, list[str]]:
    """(contracts, problems): every bad row named by file, row, column, value and rule."""
    from rcc.scenarios.blockbook import BlockContract

    name = Path(path).name
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        return [], [f"{name}: cannot be read as CSV ({exc})"]
    missing = [c for c in CONTRACT_COLUMNS if c not in table.columns]
    if missing:
        return [], [f"{name}: missing column(s) {', '.join(missing)} (needs {', '.join(CONTRACT_COLUMNS)})"]
    contracts, problems = [], []
    for i, row in table.iterrows():
        where = f"{name} row {i + 2} (home_id={row['home_id']})"
        home = instance.home_by_id.get(row["home_id"])
        if home is None:
            problems.append(f"{where}: home_id={row['home_id']} is not a home of the instance")
        try:
            beds = int(row["beds"])
            if beds < 0:
                raise ValueError
        except ValueError:
            problems.append(f"{where}: beds={row['beds']} must be a whole number >= 0")
            continue
        try:
            price = float(row["price"])
            if not price >= 0:
                raise ValueError
        except ValueError:
            problems.append(f"{where}: price={row['price']} must be a number >= 0 (GBP per bed per week)")
            continue
        if home is not None and beds > home.vacancies:
            problems.append(f"{where}: beds={beds} must be <= the home's vacancies ({home.vacancies})")
        contracts.append(BlockContract(row["home_id"], beds, price))
    return contracts, problems


def _flag_problems(args) -> list[str]:
    """Flags out of range, named like any other bad input (the rule each breaks)."""
    from rcc.model import SETTINGS
    from rcc.settings import load_limits

    try:
        too_many = load_limits().workers_problem("--workers", args.workers)
    except (OSError, ValueError) as exc:
        too_many = f"$RCC_SETTINGS could not be used ({exc})"
    checks = [("--observed-weeks", args.observed_weeks, args.observed_weeks > 0, "must be > 0"),
              ("--horizon-weeks", args.horizon_weeks, args.horizon_weeks > 0, "must be > 0"),
              ("--policy-time-limit", args.policy_time_limit, args.policy_time_limit > 0, "must be > 0"),
              ("--workers", args.workers, args.workers >= 0, "must be >= 0")]
    for name in ("scenarios", "in_sample", "out_of_sample", "beds", "top_las", "max_beds"):
        if hasattr(args, name):
            value = getattr(args, name)
            checks.append((f"--{name.replace('_', '-')}", value, value >= 1, "must be >= 1"))
    if hasattr(args, "discount"):
        checks.append(("--discount", args.discount, 0 <= args.discount < 1, "must be in [0, 1)"))
    if getattr(args, "sensitivity", None):
        for text in args.sensitivity.split(","):
            try:
                ok = 0 <= float(text) < 1
            except ValueError:
                ok = False
            checks.append(("--sensitivity", text, ok, "must list discounts in [0, 1), comma-separated"))
    if hasattr(args, "settings"):
        for setting in (s.strip() for s in args.settings.split(",")):
            checks.append(("--settings", setting, setting in SETTINGS, f"must be one of {', '.join(SETTINGS)}"))
    return [f"{name}={value} {rule}" for name, value, ok, rule in checks if not ok] + ([too_many] if too_many else [])


def _begin(args):
    """(instance, scenario setup), or None after listing every problem with the flags or the instance."""
    from rcc.data.read import validate
    from rcc.priorities import Guards, Objective
    from rcc.scenarios.demand import DemandProfile
    from rcc.scenarios.evaluate import Policy, Setup

    problems = _flag_problems(args)
    report = validate(args.instance)
    demand = _demand_report(args.demand, report.instance) if args.demand and report.ok else None
    for problem in [*problems, *report.problems, *(demand.problems if demand else [])]:
        print(f"{getattr(problem, 'severity', 'error').upper()}: {problem}", file=sys.stderr)
    if problems or not report.ok or (demand and not demand.ok):
        return None
    instance = report.instance
    referrals = demand.instance if demand else instance
    setup = Setup(instance, DemandProfile.from_instance(referrals, args.observed_weeks),
                  horizon_weeks=args.horizon_weeks, seed=args.seed,
                  policy=Policy(args.policy, args.policy_time_limit),
                  objective=Objective(args.objective, guards=Guards(status_quo=not args.no_guard)))
    return instance, setup


def _demand_report(path: str, instance):
    """The referrals in ``path`` (a children table), validated by the contract beside ``instance``'s homes."""
    from rcc.data.problems import Problem
    from rcc.data.read import Report, as_text, read_text_table, validate_tables
    from rcc.data.write import instance_tables

    name = Path(path).name
    if not Path(path).is_file():
        return Report(path, None, [Problem(name, "is not a file (--demand takes a children CSV of referrals)")])
    problems: list[Problem] = []
    children = read_text_table(path, name, problems)
    if children is None:
        return Report(path, None, problems)
    market = instance.replace(homes=tuple(h for h in instance.homes if h.reserved_for is None))  # kin: today's only
    homes = as_text(instance_tables(market)["homes"])
    return validate_tables({"children": (name, children), "homes": ("homes", homes)},
                           name=f"{instance.name} demand", problems=problems, source=path)


def _progress(unit: str):
    def report(done: int, total: int) -> None:
        if done == total or done % max(1, total // 20) == 0:
            print(f"  {done}/{total} {unit}", file=sys.stderr)
    return report


def _parameters(args, **extra) -> dict:
    keep = ("demand", "observed_weeks", "horizon_weeks", "seed", "policy", "policy_time_limit", "objective", "no_guard",
            "scenarios", "discount", "in_sample", "out_of_sample", "sensitivity", "max_beds", "beds", "top_las",
            "settings", "rank_by")
    return {k: getattr(args, k) for k in keep if hasattr(args, k)} | extra


def _record(args, kind: str, instance, started: float, parameters: dict, headline: dict, results) -> int:
    from rcc.outputs import input_hashes
    from rcc.store import RunRecord, RunStore

    inputs = input_hashes(args.instance)
    if getattr(args, "contracts", None):
        inputs["contracts"] = hashlib.sha256(Path(args.contracts).read_bytes()).hexdigest()
    record = RunRecord(kind=kind, instance=instance.name, inputs=inputs, parameters=parameters, status="done",
                       runtime_s=time.perf_counter() - started, kpis=headline, results=results)
    return RunStore(args.db).record(record)


def _pounds(value: float) -> str:
    return f"−£{-value:,.0f}" if value < 0 else f"+£{value:,.0f}"


def _write(out: Path, name: str, table: pd.DataFrame) -> None:
    from rcc.data.safe_cells import write_csv

    write_csv(out / name, table)


def _plain(table: pd.DataFrame) -> list[dict]:
    """A table as JSON-ready records (NaN becomes null)."""
    return table.astype(object).where(table.notna(), None).to_dict("records")


def _evaluate(args) -> int:
    from rcc.scenarios.distributed import dask_mapper
    from rcc.scenarios.evaluate import evaluate, summary

    started = time.perf_counter()
    begun = _begin(args)
    if begun is None:
        return EXIT_INVALID
    instance, setup = begun
    contracts, problems = read_contracts(args.contracts, instance)
    for problem in problems:
        print(f"ERROR: {problem}", file=sys.stderr)
    if problems:
        return EXIT_INVALID
    with dask_mapper(args.workers, args.scheduler) as mapper:
        rows = evaluate(setup, contracts, range(args.scenarios), mapper, _progress("scenarios"))
    table = summary(rows)
    out = Path(args.out)
    _write(out, "scenarios.csv", rows.drop(columns=["usage", "spot_usage"]))
    _write(out, "summary.csv", table)
    bill = table.set_index("metric").loc["weekly_bill"]
    run_id = _record(args, "evaluate", instance, started, _parameters(args),
                     {"saving_per_week": -bill["difference"], "saving_low": -bill["difference_high"],
                      "saving_high": -bill["difference_low"]}, _plain(table))
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
    print(f"contracts change the weekly bill (spot + contracts, void beds included) by "
          f"{_pounds(bill['difference'])}/week on average (95% interval {_pounds(bill['difference_low'])} to "
          f"{_pounds(bill['difference_high'])}) over {args.scenarios} scenarios → {out} (run {run_id})")
    return EXIT_OK


def _optimise(args) -> int:
    from rcc.scenarios.distributed import dask_mapper
    from rcc.scenarios.optimise import optimise, sensitivity, validate_out_of_sample

    started = time.perf_counter()
    begun = _begin(args)
    if begun is None:
        return EXIT_INVALID
    instance, setup = begun
    in_sample = range(args.in_sample)
    fresh = range(args.in_sample, args.in_sample + args.out_of_sample)  # never seen by the search
    with dask_mapper(args.workers, args.scheduler) as mapper:
        search = {"max_beds": args.max_beds}
        rec = validate_out_of_sample(setup, optimise(setup, args.discount, in_sample, mapper, **search), fresh, mapper)
        shifts = [float(d) for d in args.sensitivity.split(",")] if args.sensitivity else []
        table = sensitivity(setup, shifts, in_sample, fresh, mapper, **search) if shifts else pd.DataFrame()
    out = Path(args.out)
    contracts = pd.DataFrame([(c.home_id, c.beds, c.price) for c in rec.contracts], columns=list(CONTRACT_COLUMNS))
    _write(out, "contracts.csv", contracts)
    _write(out, "out_of_sample.csv", rec.out_of_sample)
    if len(table):
        _write(out, "sensitivity.csv", table)
    bill = rec.out_of_sample.set_index("metric").loc["weekly_bill"]
    headline = {"beds": int(contracts["beds"].sum()), "in_sample_saving": rec.in_sample_saving,
                "out_of_sample_saving": -bill["difference"], "saving_low": -bill["difference_high"],
                "saving_high": -bill["difference_low"]}
    run_id = _record(args, "optimise", instance, started, _parameters(args), headline,
                     {"contracts": _plain(contracts), "out_of_sample": _plain(rec.out_of_sample),
                      "sensitivity": _plain(table)})
    print(contracts.to_string(index=False))
    print(f"{headline['beds']} bed(s) at {args.discount:.0%} off: weekly bill in sample "
          f"£{rec.in_sample_saving:,.0f}/week lower, no child-first measure worse on average; "
          f"out of sample ({args.out_of_sample} fresh scenarios) "
          f"£{headline['out_of_sample_saving']:,.0f}/week lower (95% interval £{headline['saving_low']:,.0f} to "
          f"£{headline['saving_high']:,.0f}) → {out} (run {run_id})")
    if len(table):
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    return EXIT_OK


def _sweep(args) -> int:
    from rcc.scenarios.distributed import dask_mapper
    from rcc.scenarios.sweep import default_options, sweep

    started = time.perf_counter()
    begun = _begin(args)
    if begun is None:
        return EXIT_INVALID
    instance, setup = begun
    settings = [s.strip() for s in args.settings.split(",") if s.strip()]
    options = default_options(setup, args.beds, args.top_las, settings)
    print(f"{len(options)} what-ifs × {args.scenarios} scenarios", file=sys.stderr)
    with dask_mapper(args.workers, args.scheduler) as mapper:
        ranked, _ = sweep(setup, options, range(args.scenarios), mapper, by=args.rank_by, on_done=_progress("solves"))
    out = Path(args.out)
    _write(out, "sweep.csv", ranked)
    best = ranked.iloc[0] if len(ranked) else None
    headline = {"what_ifs": len(options), "ranked_by": args.rank_by} | (
        {"best": f"{best['la_code']} {best['setting']} need {best['need_level']}",
         "best_unplaced_avoided": best["unplaced_avoided"], "best_spend_saved": best["spend_saved"]}
        if best is not None else {})
    run_id = _record(args, "sweep", instance, started, _parameters(args), headline, _plain(ranked))
    print(ranked.head(10).to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
    print(f"ranked {len(options)} what-ifs over {args.scenarios} scenarios → {out / 'sweep.csv'} (run {run_id})")
    return EXIT_OK


def _ages(text: str) -> tuple[int, int] | None:
    try:
        low, high = (int(part) for part in text.split("-"))
    except ValueError:
        return None
    return low, high


def _new_home(args, district: str):
    """(the home the flags describe, problems with them), each problem named by flag, value and rule."""
    from rcc.scenarios.capital import NewHome

    ages = _ages(args.ages)
    specialisms = frozenset(s.strip() for s in (args.specialisms or "").split(",") if s.strip())
    home = NewHome(district, args.setting, args.beds, *(ages or (0, 0)), args.need_level, args.running_cost,
                   args.capital_cost, specialisms, args.runner)
    problems = [] if ages else [f"--ages={args.ages} must be two whole numbers, youngest first, e.g. 8-17"]
    flagged = [f"--{name.replace('_', '-')}={rest}" for name, rest in (p.split("=", 1) for p in home.problems())]
    return home, problems + flagged


def _report_problems(problems: list[str]) -> bool:
    for problem in problems:
        print(f"ERROR: {problem}", file=sys.stderr)
    return bool(problems)


def _write_json(path: Path, content: dict) -> None:
    import json

    from rcc.data.atomic import atomic_write_text

    atomic_write_text(path, json.dumps(content, indent=2, default=str) + "\n")


def _home_fields(home) -> dict:
    return {"district": home.district, "la_code": home.la_code, "setting": home.setting, "beds": home.beds,
            "ages": f"{home.min_age}-{home.max_age}", "need_level": home.need_level,
            "specialisms": sorted(home.specialisms), "runner": home.runner,
            "running_cost_per_week": home.running_cost, "capital_cost": home.capital_cost}


def _open_home(args) -> int:
    from rcc.charts import setting_name
    from rcc.scenarios.capital import gains_table, open_home, payback_words
    from rcc.scenarios.distributed import dask_mapper

    started = time.perf_counter()
    home, problems = _new_home(args, args.district)
    begun = None if _report_problems(problems) else _begin(args)
    if begun is None:
        return EXIT_INVALID
    instance, setup = begun
    with dask_mapper(args.workers, args.scheduler) as mapper:
        row, raw = open_home(setup, home, range(args.scenarios), mapper, _progress("solves"))
    table = gains_table(row)
    out = Path(args.out)
    _write(out, "open_home.csv", table)
    _write(out, "scenarios.csv", raw.drop(columns=["usage"]))
    result = {"home": _home_fields(home), "scenarios": args.scenarios, **row,
              "payback": payback_words(row["payback_weeks"])}
    _write_json(out / "open_home.json", result)
    run_id = _record(args, "open_home", instance, started, _parameters(args, **_home_fields(home)),
                     {k: row[k] for k in ("spend_saved", "unplaced_avoided", "brought_within_20_miles",
                                          "kept_in_own_la", "payback_weeks")}, result)
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
    payback = payback_words(row["payback_weeks"])
    print(f"A {home.beds}-bed {setting_name(home.setting)} in {home.district} at £{home.running_cost:,.0f}/week "
          f"(paid whether full or not; used by {row['home_used']:.1f} children on average) saves "
          f"{_pounds(row['spend_saved'])}/week (95% interval {_pounds(row['spend_saved_low'])} to "
          f"{_pounds(row['spend_saved_high'])}); £{home.capital_cost:,.0f} capital: "
          f"{payback if row['payback_weeks'] is None else 'pays back in ' + payback}; "
          f"over {args.scenarios} scenarios → {out} (run {run_id})")
    return EXIT_OK


def _where_to_open(args) -> int:
    from rcc.data import geo
    from rcc.scenarios.capital import candidate_districts, where_to_open
    from rcc.scenarios.distributed import dask_mapper

    started = time.perf_counter()
    if bool(args.candidates) == bool(args.authority):
        _report_problems(["give exactly one of --candidates or --authority"])
        return EXIT_INVALID
    if args.authority and args.authority not in geo.local_authorities().index:
        _report_problems([f"--authority={args.authority} is not an English upper-tier authority code"])
        return EXIT_INVALID
    districts = (list(dict.fromkeys(geo.normalise_district(d) for d in args.candidates.split(",") if d.strip()))
                 if args.candidates else candidate_districts(args.authority))
    problems = [p for d in districts for p in _new_home(args, d)[1]] or (
        [] if districts else [f"--candidates={args.candidates} names no postcode district" if args.candidates else
                              f"--authority={args.authority} has no postcode district in the bundled table"])
    begun = None if _report_problems(sorted(set(problems), key=problems.index)) else _begin(args)
    if begun is None:
        return EXIT_INVALID
    instance, setup = begun
    template, _ = _new_home(args, districts[0])
    print(f"{len(districts)} districts × {args.scenarios} scenarios", file=sys.stderr)
    with dask_mapper(args.workers, args.scheduler) as mapper:
        ranked, _ = where_to_open(setup, template, districts, range(args.scenarios), mapper, args.rank_by,
                                  _progress("solves"))
    out = Path(args.out)
    _write(out, "where_to_open.csv", ranked)
    _write_json(out / "where_to_open.json", {"home": _home_fields(template) | {"district": None},
                                             "ranked_by": args.rank_by, "ranking": _plain(ranked)})
    best = ranked.iloc[0]
    run_id = _record(args, "where_to_open", instance, started, _parameters(args, **_home_fields(template)),
                     {"districts": len(districts), "best": best["district"],
                      "best_payback_weeks": None if pd.isna(best["payback_weeks"]) else best["payback_weeks"]},
                     _plain(ranked))
    shown = ["district", "la_name", "unplaced_avoided", "brought_within_20_miles", "kept_in_own_la", "spend_saved",
             "payback_weeks"]
    print(ranked[shown].head(10).to_string(index=False, float_format=lambda v: f"{v:,.1f}", na_rep="never"))
    print(f"ranked {len(districts)} districts by {args.rank_by} over {args.scenarios} scenarios → "
          f"{out / 'where_to_open.csv'} (run {run_id})")
    return EXIT_OK


def _contract_flags(values: list[str], instance) -> tuple[list, list[str]]:
    """``--contract HOME:BEDS:PRICE`` flags as contracts, each bad one named."""
    from rcc.scenarios.blockbook import BlockContract

    contracts, problems = [], []
    for text in values:
        parts = text.split(":")
        try:
            home_id, beds, price = parts[0], int(parts[1]), float(parts[2])
            if len(parts) != 3 or beds < 0 or not price >= 0:
                raise ValueError
        except (ValueError, IndexError):
            problems.append(f"--contract={text} must be HOME:BEDS:PRICE with beds a whole number >= 0 and price "
                            "a number >= 0 (GBP per bed per week)")
            continue
        home = instance.home_by_id.get(home_id)
        if home is None:
            problems.append(f"--contract={text}: home_id={home_id} is not a home of the instance")
        elif beds > home.vacancies:
            problems.append(f"--contract={text}: beds={beds} must be <= the home's vacancies ({home.vacancies})")
        else:
            contracts.append(BlockContract(home_id, beds, price))
    return contracts, problems


def _price_drift(args) -> int:
    from rcc.scenarios.distributed import dask_mapper
    from rcc.scenarios.drift import drift, verdict
    from rcc.scenarios.evaluate import evaluate

    started = time.perf_counter()
    checks = [(args.rise >= 0, f"--rise={args.rise} must be >= 0 (0.05 is 5% a year)"),
              (args.years >= 1, f"--years={args.years} must be a whole number >= 1"),
              (bool(args.contracts or args.contract),
               "give the block contracts: --contracts CSV and/or --contract HOME:BEDS:PRICE")]
    flags = [problem for ok, problem in checks if not ok]
    begun = None if _report_problems(flags) else _begin(args)
    if begun is None:
        return EXIT_INVALID
    instance, setup = begun
    from_file, problems = read_contracts(args.contracts, instance) if args.contracts else ([], [])
    from_flags, flag_problems = _contract_flags(args.contract or [], instance)
    if _report_problems(problems + flag_problems):
        return EXIT_INVALID
    contracts = from_file + from_flags
    with dask_mapper(args.workers, args.scheduler) as mapper:
        rows = evaluate(setup, contracts, range(args.scenarios), mapper, _progress("scenarios"))
    table = drift(rows, contracts, args.rise, args.years)
    out = Path(args.out)
    _write(out, "price_drift.csv", table)
    sentence = verdict(table)
    _write_json(out / "price_drift.json", {"rise": args.rise, "years": args.years, "verdict": sentence,
                                           "contracts": [c.__dict__ for c in contracts], "table": _plain(table)})
    run_id = _record(args, "price_drift", instance, started, _parameters(args, rise=args.rise, years=args.years),
                     {"verdict": sentence}, _plain(table))
    shown = table.assign(spot_price_index=table["spot_price_index"].map("{:.3f}".format))
    print(shown.to_string(index=False, float_format=lambda v: f"{v:,.0f}"))
    print(f"Spot prices rising {args.rise:.1%} a year, contracts fixed: {sentence} "
          f"({args.scenarios} scenarios → {out}, run {run_id})")
    return EXIT_OK


def _home_options(parser: argparse.ArgumentParser) -> None:
    from rcc.model import SETTINGS
    from rcc.scenarios.capital import RUNNERS

    parser.add_argument("--setting", choices=SETTINGS, default="childrens_home", help="(default childrens_home)")
    parser.add_argument("--beds", type=int, default=4, help="beds in the new home (default 4)")
    parser.add_argument("--ages", default="8-17", help="youngest-oldest child it takes (default 8-17)")
    parser.add_argument("--need-level", type=int, default=3, help="highest need level it meets, 1-4 (default 3)")
    parser.add_argument("--specialisms", default="", help="comma-separated specialisms it offers (default none)")
    parser.add_argument("--running-cost", type=float, required=True,
                        help="GBP per week for the whole home, paid whether its beds are filled or not")
    parser.add_argument("--capital-cost", type=float, required=True, help="GBP to buy or build and open it")
    parser.add_argument("--runner", choices=RUNNERS, default="local_authority",
                        help="who runs it: the RCC's authorities or a voluntary provider (default local_authority)")

def _scenario_options(parser: argparse.ArgumentParser, scenarios: int | None) -> None:
    parser.add_argument("instance", help="instance folder or Excel workbook (its children are the demand profile)")
    parser.add_argument("--out", required=True, help="folder for the CSV outputs")
    if scenarios is not None:
        parser.add_argument("--scenarios", type=int, default=scenarios, help=f"scenarios (default {scenarios})")
    parser.add_argument("--demand", help="children CSV of observed referrals to sample from instead of the "
                        "instance's children, e.g. entries.csv of 'rcc import-903' (then --observed-weeks 52)")
    parser.add_argument("--observed-weeks", type=float, default=12.0,
                        help="weeks of referrals the instance's children (or --demand) represent (default 12)")
    parser.add_argument("--horizon-weeks", type=float, default=4.0, help="weeks of referrals per scenario (default 4)")
    parser.add_argument("--seed", type=int, default=1, help="base seed; scenario k uses (seed, k) (default 1)")
    parser.add_argument("--policy", choices=("cpsat", "greedy"), default="cpsat",
                        help="how each scenario is placed: rcc's optimiser (children first, or --objective) or the "
                        "greedy status quo (default cpsat)")
    parser.add_argument("--objective", choices=("priorities", "weighted"), default="priorities",
                        help="what rcc's optimiser minimises in each scenario (default priorities)")
    parser.add_argument("--no-guard", action="store_true",
                        help="drop the 'no worse than the scenario's status quo' guards")
    parser.add_argument("--policy-time-limit", type=float, default=5.0, help="CP-SAT seconds per scenario (default 5)")
    parser.add_argument("--workers", type=int, default=2,
                        help="dask LocalCluster processes; 0 runs in this process (default 2)")
    parser.add_argument("--scheduler", help="address of an existing dask scheduler (or $RCC_DASK_SCHEDULER)")
    parser.add_argument("--db", help="run store URL (default $RCC_DATABASE_URL or sqlite:///var/rcc.db)")


def add_commands(commands) -> None:
    """Register ``blockbook``, ``sweep``, ``open-home``, ``where-to-open`` and ``price-drift`` on the ``rcc``
    parser's sub-commands."""
    blockbook = commands.add_parser("blockbook", help="block contracts under uncertain demand: evaluate or optimise")
    actions = blockbook.add_subparsers(dest="blockbook_command", required=True, metavar="ACTION")
    evaluate = actions.add_parser("evaluate", help="block contracts vs spot over sampled scenarios, with intervals")
    _scenario_options(evaluate, scenarios=50)
    evaluate.add_argument("--contracts", required=True, help="CSV with home_id, beds, price (GBP per bed per week)")
    evaluate.set_defaults(run=_evaluate)
    optimise = actions.add_parser("optimise", help="recommend block contracts, validated out of sample")
    _scenario_options(optimise, scenarios=None)
    optimise.add_argument("--discount", type=float, default=0.15, help="contract discount on spot (default 0.15)")
    optimise.add_argument("--in-sample", type=int, default=20, help="scenarios the search uses (default 20)")
    optimise.add_argument("--out-of-sample", type=int, default=50, help="fresh scenarios to validate (default 50)")
    optimise.add_argument("--max-beds", type=int, default=30, help="at most this many beds in all (default 30)")
    optimise.add_argument("--sensitivity", help="comma-separated discounts to re-optimise at, e.g. 0.05,0.1,0.2")
    optimise.set_defaults(run=_optimise)
    sweep = commands.add_parser("sweep", help="rank where extra beds help most, over many scenarios")
    _scenario_options(sweep, scenarios=200)
    sweep.add_argument("--beds", type=int, default=2, help="beds each what-if adds (default 2)")
    sweep.add_argument("--top-las", type=int, default=4, help="what-ifs for the LAs with most referrals (default 4)")
    sweep.add_argument("--settings", default="foster,childrens_home", help="settings to try (default foster,"
                       "childrens_home)")
    sweep.add_argument("--rank-by", choices=("priorities", "spend"), default="priorities",
                       help="rank by the gains in priority order, money last (default), or by weekly spend saved")
    sweep.set_defaults(run=_sweep)
    opening = commands.add_parser("open-home", help="open a new home at a postcode district: saving, payback, "
                                  "children brought home, over sampled demand")
    _scenario_options(opening, scenarios=10)
    opening.add_argument("--district", required=True, help="postcode district, e.g. M8")
    _home_options(opening)
    opening.set_defaults(run=_open_home)
    where = commands.add_parser("where-to-open", help="rank postcode districts for a new home")
    _scenario_options(where, scenarios=20)
    where.add_argument("--candidates", help="comma-separated postcode districts, e.g. M8,M9,M40")
    where.add_argument("--authority", help="every district of this authority (GSS code, e.g. E08000003)")
    where.add_argument("--rank-by", choices=("children", "payback"), default="children",
                       help="children first in the priorities' order, then payback (default), or payback first")
    _home_options(where)
    where.set_defaults(run=_where_to_open, policy="greedy")
    drifting = commands.add_parser("price-drift", help="spot prices rise, block contracts hold: when does a "
                                   "contract pay?")
    _scenario_options(drifting, scenarios=10)
    drifting.add_argument("--contracts", help="CSV with home_id, beds, price (GBP per bed per week)")
    drifting.add_argument("--contract", action="append", help="HOME:BEDS:PRICE (repeatable)")
    drifting.add_argument("--rise", type=float, default=0.05, help="spot price rise a year (default 0.05 = 5%%)")
    drifting.add_argument("--years", type=int, default=10, help="years to look ahead (default 10)")
    drifting.set_defaults(run=_price_drift)
