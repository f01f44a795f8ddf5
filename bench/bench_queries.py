"""Benchmark: the query functions behind the late, satisfaction, ranking and data-quality pages,
timed directly on a database (no Streamlit), with the arguments those pages pass by default.

    .venv/bin/python bench/bench_queries.py --db bench/out/big.duckdb [--kind week] [--runs 3]
    .venv/bin/python bench/bench_queries.py --db bench/out/big.duckdb --only late.summary --explain

Prints, for each function, the best of `--runs` wall-clock times and how many SQL statements it
ran. `--explain` profiles (EXPLAIN ANALYZE) every statement of the functions selected with
`--only` and prints the slowest operators (`--tree`: the SQL and the whole plan too); the
statements are captured as the function runs them, with their bound parameters. The app's "today" is $CCHC_TODAY if set, else --today, else today + 1 day (as
bench_pages.py). The connection is the app's read-only one (queries.connection.open_database).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Recorder:
    """A connection that remembers the statements run through it (sql, execute), for EXPLAIN."""

    def __init__(self, con):
        self._con = con
        self.statements: list[tuple[str, dict]] = []

    def sql(self, query: str, params: Any = None, **kw):
        self.statements.append((query, params or {}))
        return self._con.sql(query, params=params, **kw)

    def execute(self, query: str, params: Any = None, **kw):
        self.statements.append((query, params or {}))
        return self._con.execute(query, params, **kw)

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def cases(con, app_today: date, kind: str) -> list[tuple[str, Callable[[Any], Any]]]:
    """(name, fn(connection)) with the arguments the pages pass in their default state."""
    from core.settings import settings
    from queries import emulation, late, quality
    from queries import satisfaction as sat
    from queries.filters import Filters, Scope
    from queries.periods import last_complete, period_containing
    from scoring import rank
    from scoring.scheme import GROUPS, available_schemes, load_scheme

    scope = Scope.province(personal_data=settings().privacy.show_personal_data)
    # The sidebar's default period (last complete week) unless --kind names another kind.
    period = last_complete(kind, app_today)
    f = Filters(scope, period.start, period.end, as_of=app_today)
    trend_periods = tuple(reversed([period.shifted(i) for i in range(12)]))
    shown = settings().late.list_rows_shown
    code_row = con.execute("SELECT dossier_code FROM dossiers WHERE timeliness = 'late' "
                           "ORDER BY finished_date DESC, dossier_code LIMIT 1").fetchall()
    code = code_row[0][0] if code_row else "KHONG-CO"
    t = sat.targets()
    # The ranking page's default: the running year, the first scheme, its first group.
    scheme = load_scheme(available_schemes()[0])
    group = next(g for g in GROUPS if g in scheme.groups)
    year = period_containing("year", app_today)
    rank_as_of = app_today if year.end >= app_today else None
    rank_filters = Filters(scope, year.start, year.end, as_of=rank_as_of)
    # The data desk's quality tab: the month containing today, as_of today.
    month = period_containing("month", app_today)
    qf = Filters(scope, month.start, month.end, as_of=app_today)
    rules = quality.QualityRules.from_settings()
    print(f"late/satisfaction filters: {period.start:%d/%m/%Y}–{period.end:%d/%m/%Y} ({kind}); ranking: "
          f"{year.start:%d/%m/%Y}–{year.end:%d/%m/%Y}, scheme {scheme.code}, group {group}; quality: "
          f"{month.start:%d/%m/%Y}–{month.end:%d/%m/%Y}; ?hs= dossier {code}")
    return [
        ("late.summary", lambda c: late.summary(c, f)),
        ("late.buckets", lambda c: late.buckets(c, f)),
        ("late.trend", lambda c: late.trend(c, f, trend_periods)),
        ("late.unit_ranking", lambda c: late.unit_ranking(c, f)),
        ("late.breakdown(field)", lambda c: late.breakdown(c, f, "field", 15)),
        ("late.breakdown(unit)", lambda c: late.breakdown(c, f, "unit", 15)),
        ("late.breakdown(procedure)", lambda c: late.breakdown(c, f, "procedure", 15)),
        ("late.breakdown(officer)", lambda c: late.breakdown(c, f, "officer", 15)),
        ("late.late_count", lambda c: late.late_count(c, f, "late", "")),
        ("late.late_list", lambda c: late.late_list(c, f, "late", "", "days_late", shown)),
        ("late.late_count(search)", lambda c: late.late_count(c, f, "late", "nguyen van")),
        ("late.late_list(search)", lambda c: late.late_list(c, f, "late", "nguyen van", "days_late", shown)),
        ("late.dossier_detail", lambda c: late.dossier_detail(c, f, code)),
        ("satisfaction.survey_rate", lambda c: sat.survey_rate(c, f)),
        ("satisfaction.rating_rate", lambda c: sat.rating_rate(c, f)),
        ("satisfaction.rating_mix", lambda c: sat.rating_mix(c, f)),
        ("satisfaction.by_unit", lambda c: sat.by_unit(c, f)),
        ("satisfaction.by_factor", lambda c: sat.by_factor(c, f)),
        ("satisfaction.by_criterion", lambda c: sat.by_criterion(c, f)),
        ("satisfaction.by_field", lambda c: sat.by_field(c, f)),
        ("satisfaction.trend", lambda c: sat.trend(c, f)),
        ("satisfaction.by_question", lambda c: sat.by_question(c, f)),
        ("satisfaction.lowest_units", lambda c: sat.lowest_units(c, f, "survey", t.min_responses)),
        ("satisfaction.dissatisfied_ratings", lambda c: sat.dissatisfied_ratings(c, f)),
        ("satisfaction.data_span", lambda c: sat.data_span(c, scope)),
        ("satisfaction.comment_count", lambda c: sat.comment_count(c, f, "", "all", "all")),
        ("satisfaction.theme_counts", lambda c: sat.theme_counts(c, f, "", "all", "all")),
        ("satisfaction.comments", lambda c: sat.comments(c, f, "", "all", "all")),
        ("emulation.group_units", lambda c: emulation.group_units(c, scope, GROUPS[group][1])),
        ("emulation.unit_metrics", lambda c: emulation.unit_metrics(c, rank_filters, GROUPS[group][1])),
        ("emulation.appraisal_scores", lambda c: emulation.appraisal_scores(c, scope, scheme.code,
                                                                            rank.period_key(year))),
        ("rank.ranking", lambda c: rank.ranking(c, scope, scheme, year, group, rank_as_of)),
        ("rank.history", lambda c: rank.history(c, scope, scheme, year, group, rank_as_of)),
        ("quality.quality_flags", lambda c: quality.quality_flags(c, qf, rules)),
        ("quality.balance_flags", lambda c: quality.balance_flags(c, qf, rules)),
        ("quality.finish_before_receipt", lambda c: quality.finish_before_receipt(c, qf, rules)),
        ("quality.due_on_day_off", lambda c: quality.due_on_day_off(c, qf, rules)),
        ("quality.due_too_early", lambda c: quality.due_too_early(c, qf, rules)),
        ("quality.silent_units", lambda c: quality.silent_units(c, qf, rules)),
        ("quality.month_end_bursts", lambda c: quality.month_end_bursts(c, qf, rules)),
    ]


def hottest(profile: dict, n: int = 8) -> list[tuple[float, int, str, str]]:
    """(seconds, rows, operator, detail) of the n slowest operators of a JSON EXPLAIN ANALYZE."""
    keep = ("Table", "Aggregates", "Groups", "Conditions", "Join Type", "Expression", "CTE Name", "Filters")
    found = []

    def walk(node: dict) -> None:
        info = node.get("extra_info") or {}
        detail = "; ".join(f"{k}: {' '.join(str(info[k]).split())}" for k in keep if k in info)
        found.append((float(node.get("timing") or 0), int(node.get("intermediate_rows") or 0), node.get("type", "?"),
                      detail[:240]))
        for child in node.get("children") or []:
            walk(child)

    for root in profile.get("operator") or []:
        walk(root)
    return sorted(found, key=lambda x: -x[0])[:n]


def explain(con, statements: list[tuple[str, dict]], tree: bool) -> None:
    """EXPLAIN ANALYZE of each statement: its slowest operators (and the whole plan with `tree`)."""
    import json

    from queries.connection import bound

    for i, (sql, params) in enumerate(statements, 1):
        args = bound(sql, params) if isinstance(params, dict) else params
        print(f"\n--- statement {i}: {' '.join(sql.split())[:160]}…")
        if tree:
            print(sql.strip())
            print(f"--- params: {args}")
            for _, plan in con.execute("EXPLAIN ANALYZE " + sql, args).fetchall():
                print(plan)
        [(_, text)] = con.execute("EXPLAIN (ANALYZE, FORMAT json) " + sql, args).fetchall()
        profile = json.loads(text)
        total = sum(t for t, *_ in hottest(profile, 10_000))
        print(f"    operators' time {total:.3f} s; slowest:")
        for seconds, rows, op, detail in hottest(profile):
            print(f"    {seconds:7.3f} s {rows:>11,} rows  {op:<22} {detail}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "cchc.duckdb")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="the app's today (else $CCHC_TODAY)")
    parser.add_argument("--kind", default="week", help="period kind of the late/satisfaction filters")
    parser.add_argument("--only", default="", help="only functions whose name contains one of these words (comma)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the selected functions' SQL")
    parser.add_argument("--tree", action="store_true", help="with --explain: also the SQL and the whole plan")
    args = parser.parse_args()
    pinned = os.environ.get("CCHC_TODAY")
    app_today = args.today or (date.fromisoformat(pinned) if pinned else date.today() + timedelta(days=1))
    os.environ["CCHC_DB"] = str(args.db.resolve())
    from queries.connection import open_database

    con = open_database(args.db.resolve())
    if con is None:
        sys.exit(f"{args.db}: no database with a dossiers view")
    [(n,)] = con.execute("SELECT count(*) FROM dossiers").fetchall()
    print(f"Database: {args.db} · {n:,} dossiers · today {app_today:%d/%m/%Y}")
    words = [w for w in args.only.split(",") if w]
    selected = [(name, fn) for name, fn in cases(con, app_today, args.kind)
                if not words or any(w in name for w in words)]
    print(f"{'function':<38}{'best s':>9}{'first s':>9}{'stmts':>7}")
    total = 0.0
    for name, fn in selected:
        times, recorder = [], None
        for _ in range(max(args.runs, 1)):
            recorder = Recorder(con)
            started = time.perf_counter()
            fn(recorder)
            times.append(time.perf_counter() - started)
        total += min(times)
        print(f"{name:<38}{min(times):>9.3f}{times[0]:>9.3f}{len(recorder.statements):>7}", flush=True)
        if args.explain:
            explain(con, recorder.statements, args.tree)
    print(f"{'(sum of best)':<38}{total:>9.3f}")


if __name__ == "__main__":
    main()
