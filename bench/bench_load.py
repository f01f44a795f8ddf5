"""Benchmark: load N generated dossiers from xlsx and from CSV through the real ETL, next to the
time to merely read the same file (calamine via fastexcel; DuckDB's own CSV reader), measured in
the same run. Prints seconds, rows per second and the ratio to the bare read.

    .venv/bin/python bench/bench_load.py [--rows 1000000] [--out bench/out] [--fresh]

Not a test: figures depend on the machine; the ratios are what to compare between runs.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import fastexcel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl.demo.generate import dossier_frame, write_csv_export, write_xlsx_export  # noqa: E402
from etl.extract import extract_file  # noqa: E402
from etl.load import (
    load_files,  # noqa: E402
    normalize_table,  # noqa: E402
)
from etl.normalize import Context  # noqa: E402

TODAY = date(2026, 11, 20)


def timed(label: str, fn):
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    print(f"  … {label}: {seconds:.2f} s", flush=True)
    return seconds, result


def make_files(rows: int, out: Path, fresh: bool) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    xlsx, csv = out / f"dossiers_{rows}.xlsx", out / f"dossiers_{rows}.csv"
    if fresh or not (xlsx.exists() and csv.exists()):
        print(f"Generating {rows:,} dossiers (once; cached in {out}) …", flush=True)
        frame = dossier_frame(rows, TODAY, seed=7)
        write_csv_export(frame, csv, layout="api", encoding="utf-8")
        write_xlsx_export(frame, xlsx, title_unit="Sở Tư pháp", period=(date(2024, 11, 1), TODAY))
    return xlsx, csv


def bare_xlsx(path: Path) -> int:
    sheet = fastexcel.read_excel(path).load_sheet(0, header_row=None, dtypes="string", skip_rows=0)
    return sheet.to_polars().height


def bare_csv(path: Path) -> int:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv($p, all_varchar = true, header = true)", {"p": str(path)})
    return con.execute("SELECT count(*) FROM t").fetchall()[0][0]


def run_one(kind: str, path: Path, bare, out: Path) -> list[tuple[str, float]]:
    print(f"\n{kind}: {path.name} ({path.stat().st_size / 1e6:.0f} MB)", flush=True)
    base, rows = timed("bare read", lambda: bare(path))
    ext, tables = timed("ETL extract", lambda: extract_file(path))
    ctx = Context.default()
    norm, _ = timed("ETL normalize", lambda: [normalize_table(t, ctx) for t in tables])
    db = out / f"bench_{kind}.duckdb"
    db.unlink(missing_ok=True)
    total, reports = timed("ETL whole load (extract+normalize+merge+marts+publish)", lambda: load_files([path], db))
    report = reports[0]
    print(f"  rows: {rows:,} read by the bare reader; ETL: {report.rows_read:,} read, {report.rows_new:,} new, "
          f"{report.rows_rejected:,} rejected", flush=True)
    return [("bare read", base), ("extract", ext), ("normalize", norm), ("whole load", total)], rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--fresh", action="store_true", help="regenerate the input files")
    args = parser.parse_args()
    xlsx, csv = make_files(args.rows, args.out, args.fresh)
    results = {}
    for kind, path, bare in (("xlsx", xlsx, bare_xlsx), ("csv", csv, bare_csv)):
        results[kind] = run_one(kind, path, bare, args.out)
    print("\nSummary (ratio = step time / bare read of the same file, same run)")
    print(f"{'file':<6}{'step':<14}{'seconds':>10}{'rows/s':>14}{'ratio':>8}")
    for kind, (steps, rows) in results.items():
        base = steps[0][1]
        for step, seconds in steps:
            print(f"{kind:<6}{step:<14}{seconds:>10.2f}{rows / seconds:>14,.0f}{seconds / base:>8.2f}")


if __name__ == "__main__":
    main()
