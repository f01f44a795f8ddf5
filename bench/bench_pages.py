"""Benchmark: server-side render time of every page (AppTest: queries, figures, tables), cold
(caches cleared) and warm (later runs), on a given database. Optionally builds a big database
first from N generated dossiers loaded through the real ETL.

    .venv/bin/python bench/bench_pages.py [--db data/cchc.duckdb] [--runs 3]
    .venv/bin/python bench/bench_pages.py --make-big 5000000 --db bench/out/big.duckdb   # 20000000 works too
    .venv/bin/python bench/bench_pages.py --db bench/out/big.duckdb --params ky=year,tu=2025-01-01 --trace

Prints seconds per page and the ratio to the baseline measured in the same run: a bare
`SELECT count(*) FROM dossiers` round trip through AppTest on the same database.
Targets (issue 7): warm < 1 s, cold < 3 s on the demo; cold < 3 s on 5M dossiers.

Every page of dashboard.PAGES is timed, plus the late page opened on one dossier (?hs=<code>,
the latest-finishing late dossier). The viewer is the local one: CCHC_USERS and CCHC_AUDIT_DB
point into a temporary folder, so the benchmark never reads or writes the accounts or the
audit log under data/. `--params ky=year` opens the filtered pages on another period;
`--pages late,ranking` times only the pages whose path contains one of the words; `--trace`
prints, under each page, its cold run's slowest query calls (see bench_queries.py to time and
EXPLAIN the query functions themselves).
"""
from __future__ import annotations

import argparse
import ast
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pages() -> list[str]:
    """Every page declared in the frame (dashboard.PAGES), read from its source: importing
    dashboard.py would run the Streamlit frame."""
    tree = ast.parse((ROOT / "dashboard.py").read_text(encoding="utf-8"))
    return [node.args[0].value for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "PageSpec" and node.args and isinstance(node.args[0], ast.Constant)]


def late_dossier(db: Path) -> str | None:
    """A late dossier's code for the ?hs= detail (the most recent late finish; read-only)."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("SELECT dossier_code FROM dossiers WHERE timeliness = 'late' "
                          "ORDER BY finished_date DESC, dossier_code LIMIT 1").fetchall()
    return row[0][0] if row else None


BASELINE = """
import streamlit as st
from ui.data import connection
st.write(connection().execute("SELECT count(*) FROM dossiers").fetchall()[0][0])
"""


def make_big(rows: int, db: Path, today: date) -> None:
    """`rows` generated dossiers loaded through the real ETL into `db`, part by part (bench/big.py:
    no export of the whole size is written); prints load time, peak memory and database size."""
    from bench.big import PART_ROWS, build_big
    from core.store import standby_path

    print(f"Generating and loading {rows:,} dossiers in parts of {PART_ROWS:,} …", flush=True)
    built = build_big(rows, db, today)
    size, standby = db.stat().st_size, standby_path(db).stat().st_size if standby_path(db).exists() else 0
    print(f"Loaded {rows:,} dossiers in {built.load_seconds:.0f} s of loads ({rows / built.load_seconds:,.0f} "
          f"dossiers/s; generating the exports took {built.generate_seconds:.0f} s more), peak memory of a load "
          f"{built.peak_mb:,.0f} MB, database {size / 1e9:.2f} GB (+ standby {standby / 1e9:.2f} GB) → {db}",
          flush=True)


TRACE: list[tuple[str, float]] = []  # (query function, seconds) of the cold run, with --trace


def trace_queries() -> None:
    """Time every call that goes through ui.cache.cached (the pages' query functions): a cache
    miss runs the function, a hit returns at once. Patches ui.cache._run, which cached() looks up
    at each call."""
    import ui.cache

    original = ui.cache._run

    def timed(target, version_key, args):
        started = time.perf_counter()
        try:
            return original(target, version_key, args)
        finally:
            TRACE.append((target, time.perf_counter() - started))

    ui.cache._run = timed


def render_times(page: str | None, runs: int, params: dict[str, str] | None = None) -> tuple[float, float]:
    """(cold, median warm) seconds for one page, timed after the frame's first run."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    def once(cold: bool) -> float:
        if page is None:
            app = AppTest.from_string(BASELINE, default_timeout=300)
        else:
            # switch_page before the first run would skip the frame (dashboard.py) and its filters.
            app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
            for key, value in (params or {}).items():
                app.query_params[key] = value
            app.run()
            if app.exception:
                raise RuntimeError(f"dashboard.py: {app.exception[0].value}")
            if "_viewer" not in app.session_state:  # refused or stopped at sign-in: nothing to time
                raise RuntimeError(f"dashboard.py: {' '.join(e.value for e in app.error) or 'no viewer'}")
            app.switch_page(page)
        if cold:
            st.cache_data.clear()
            st.cache_resource.clear()
        TRACE.clear()
        started = time.perf_counter()
        app.run()
        elapsed = time.perf_counter() - started
        if app.exception:
            raise RuntimeError(f"{page}: {app.exception[0].value}")
        return elapsed

    cold = once(cold=True)
    cold_trace = list(TRACE)
    warm = [once(cold=False) for _ in range(runs)]
    TRACE[:] = cold_trace
    return cold, statistics.median(warm)


class LocalBrowser:
    """Streamlit's client context for a browser on this machine. AppTest has none, and local mode
    refuses a connection it cannot place (ui/auth.py), so every page would time the refusal."""

    def __init__(self) -> None:
        self.remote_ip = "127.0.0.1"
        self.headers = [("host", "127.0.0.1:8501"), ("origin", "http://127.0.0.1:8501")]
        self.cookies: dict[str, str] = {}


def main() -> None:
    from streamlit.runtime import context

    context._get_client_context = lambda: LocalBrowser()  # the same stand-in as tests/conftest.py
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "cchc.duckdb")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--make-big", type=int, default=0, help="build --db from this many generated dossiers")
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    parser.add_argument("--params", default="", help="query parameters for every page, e.g. ky=year")
    parser.add_argument("--pages", default="", help="only pages whose path contains one of these words (comma)")
    parser.add_argument("--trace", action="store_true", help="after each page, its cold run's slowest query calls")
    args = parser.parse_args()
    today = args.today or date.today()
    if args.make_big:
        make_big(args.make_big, args.db, today)
    os.environ["CCHC_DB"] = str(args.db.resolve())
    os.environ.setdefault("CCHC_TODAY", (today + timedelta(days=1)).isoformat())
    # The local viewer (no accounts file) and a throw-away audit log: never data/users.toml, data/audit.duckdb.
    scratch = tempfile.TemporaryDirectory(prefix="cchc-bench-")  # removed at exit
    os.environ["CCHC_USERS"] = str(Path(scratch.name) / "users.toml")
    os.environ["CCHC_AUDIT_DB"] = str(Path(scratch.name) / "audit.duckdb")
    params = dict(pair.split("=", 1) for pair in args.params.split(",") if pair)
    words = [w for w in args.pages.split(",") if w]
    runs: list[tuple[str, str, dict[str, str]]] = []
    for page in pages():
        if words and not any(w in page for w in words):
            continue
        runs.append((page, page, params))
        if page == "pages/late.py":
            code = late_dossier(args.db)
            if code:
                runs.append(("pages/late.py?hs=", page, {**params, "hs": code}))
    if args.trace:
        trace_queries()
    base_cold, base_warm = render_times(None, args.runs)
    print(f"\nDatabase: {args.db} · today pinned to {os.environ['CCHC_TODAY']}"
          + (f" · params {params}" if params else "") + f" · warm = median of {args.runs}")
    print(f"{'page':<26}{'cold s':>9}{'warm s':>9}{'cold/base':>11}{'warm/base':>11}")
    print(f"{'(baseline count(*))':<26}{base_cold:>9.2f}{base_warm:>9.2f}{1:>11.1f}{1:>11.1f}", flush=True)
    failed = 0
    for label, page, page_params in runs:
        try:
            cold, warm = render_times(page, args.runs, page_params)
        except RuntimeError as error:  # one broken page must not hide the others' figures
            failed += 1
            print(f"{label:<26}  FAILED: {error}", flush=True)
            continue
        print(f"{label:<26}{cold:>9.2f}{warm:>9.2f}{cold / base_cold:>11.1f}{warm / base_warm:>11.1f}", flush=True)
        if args.trace and TRACE:
            spent = sum(t for _, t in TRACE)
            print(f"    cold: {len(TRACE)} cached query calls, {spent:.2f} s in them, {cold - spent:.2f} s outside")
            for target, seconds in sorted(TRACE, key=lambda x: -x[1])[:6]:
                print(f"      {seconds:6.2f} s  {target}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
