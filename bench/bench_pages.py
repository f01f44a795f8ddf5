"""Benchmark: server-side render time of every page (AppTest: queries, figures, tables), cold
(caches cleared) and warm (second run), on a given database. Optionally builds a big database
first from N generated dossiers loaded through the real ETL.

    .venv/bin/python bench/bench_pages.py [--db data/cchc.duckdb] [--runs 3]
    .venv/bin/python bench/bench_pages.py --make-big 5000000 --db bench/out/big.duckdb

Prints seconds per page and the ratio to the baseline measured in the same run: a bare
`SELECT count(*) FROM dossiers` round trip through AppTest on the same database.
Targets (issue 7): warm < 1 s, cold < 3 s on the demo; cold < 3 s on 5M dossiers.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ("pages/briefing.py", "pages/volumes.py", "pages/form06.py", "pages/home.py")
BASELINE = """
import streamlit as st
from ui.data import connection
st.write(connection().execute("SELECT count(*) FROM dossiers").fetchall()[0][0])
"""


def make_big(rows: int, db: Path, today: date) -> None:
    from etl.demo.generate import dossier_frame, write_csv_export
    from etl.load import load_files

    csv = db.with_suffix(f".{rows}.csv")
    if not csv.exists():
        print(f"Generating {rows:,} dossiers …", flush=True)
        write_csv_export(dossier_frame(rows, today, seed=11), csv, layout="api")
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    [report] = load_files([csv], db)
    print(f"Loaded {report.rows_new:,} dossiers in {time.perf_counter() - started:.1f} s → {db}", flush=True)


def render_times(page: str | None, runs: int) -> tuple[float, float]:
    """(cold, median warm) seconds for one page, timed after the frame's first run."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    def once(cold: bool) -> float:
        if page is None:
            app = AppTest.from_string(BASELINE, default_timeout=120)
        else:
            # switch_page before the first run would skip the frame (dashboard.py) and its filters.
            app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
            app.switch_page(page)
        if cold:
            st.cache_data.clear()
            st.cache_resource.clear()
        started = time.perf_counter()
        app.run()
        elapsed = time.perf_counter() - started
        if app.exception:
            raise RuntimeError(f"{page}: {app.exception[0].value}")
        return elapsed

    cold = once(cold=True)
    warm = [once(cold=False) for _ in range(runs)]
    return cold, statistics.median(warm)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "cchc.duckdb")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--make-big", type=int, default=0, help="build --db from this many generated dossiers")
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    args = parser.parse_args()
    today = args.today or date.today()
    if args.make_big:
        make_big(args.make_big, args.db, today)
    os.environ["CCHC_DB"] = str(args.db.resolve())
    os.environ.setdefault("CCHC_TODAY", (today + timedelta(days=1)).isoformat())
    base_cold, base_warm = render_times(None, args.runs)
    print(f"\nDatabase: {args.db} · today pinned to {os.environ['CCHC_TODAY']}")
    print(f"{'page':<22}{'cold s':>9}{'warm s':>9}{'cold/base':>11}{'warm/base':>11}")
    print(f"{'(baseline count(*))':<22}{base_cold:>9.2f}{base_warm:>9.2f}{1:>11.1f}{1:>11.1f}")
    for page in PAGES:
        if not (ROOT / page).exists():
            continue
        cold, warm = render_times(page, args.runs)
        print(f"{page:<22}{cold:>9.2f}{warm:>9.2f}{cold / base_cold:>11.1f}{warm / base_warm:>11.1f}", flush=True)


if __name__ == "__main__":
    main()
