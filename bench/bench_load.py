"""Benchmark: the load through the real ETL, next to what it is compared with in the same run.

1. N generated dossiers (default 1M) from xlsx and from CSV: the whole load against merely reading
   the same file (calamine via fastexcel; DuckDB's own CSV reader). Target: CSV within 2×, from the
   medians of three rounds of bare read then load (the xlsx once: 45 s a round).
2. A weekly load: SMALL new dossiers (default 1,000) into a database of BASE dossiers (default 5M,
   built once through the ETL and kept in bench/out; each run adds its SMALL) against the same file
   into an empty database, three times each, medians. Target: within 3×.

Each load runs in its own process (`load_files`, timed inside it; peak memory from wait4).

    .venv/bin/python bench/bench_load.py [--rows 1000000] [--base 5000000] [--small 1000] [--out bench/out]
                                         [--fresh] [--skip-files] [--skip-incremental] [--profile] [--floor]

Not a test: figures depend on the machine; the ratios are what to compare between runs.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import fastexcel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.big import build_big, export_of, load_in_child  # noqa: E402
from core.store import standby_path  # noqa: E402
from etl.demo.generate import dossier_frame, write_csv_export, write_xlsx_export  # noqa: E402

TODAY = date(2026, 11, 20)
ROUNDS = 3
STORED = "the read written to a database file"


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


READ_CSV = "SELECT * FROM read_csv($p, all_varchar = true, header = true)"


def duckdb_alone(path: Path, select: str = READ_CSV, into: Path | None = None) -> int:
    """DuckDB alone: `select` (the file bound as $p) made a table in memory (no checkpoint: a checkpoint
    of an in-memory table compresses it, 1.2 s more for the 1M CSV, which is no read) or, with `into`,
    in a database file there, written and compressed by its checkpoint, then removed. Its row count."""
    con = duckdb.connect(str(fresh_db(into)) if into else ":memory:")
    try:
        con.execute(f"CREATE TABLE t AS {select}", {"p": str(path)})
        if into:
            con.execute("CHECKPOINT")
        return con.execute("SELECT count(*) FROM t").fetchall()[0][0]
    finally:
        con.close()
        if into:
            fresh_db(into)


def bare_csv(path: Path) -> int:
    return duckdb_alone(path)


def stored_csv(path: Path, out: Path) -> int:
    """DuckDB alone reading the CSV into a database file: what any load that stores the rows costs at least."""
    return duckdb_alone(path, into=out / "bench_stored.duckdb")


# --profile: one more load of the CSV in a child process, its stages timed by wrapping the ETL's
# own functions (wall seconds; "[thread]" ones run beside the main thread, summed over the threads
# that ran them: two chunks are normalized at once).
PROFILE = """
import collections, functools, sys, threading, time
from pathlib import Path
import core.store, etl.extract, etl.load, etl.normalize
spent = collections.defaultdict(float)

def timed(module, name, label):
    inner = getattr(module, name)
    @functools.wraps(inner)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            main = threading.current_thread() is threading.main_thread()
            spent[label + ("" if main else " [thread]")] += time.perf_counter() - started
    setattr(module, name, wrapper)

def timed_iter(module, name, label):
    inner = getattr(module, name)
    def wrapper(*args, **kwargs):
        items = inner(*args, **kwargs)
        while True:
            started = time.perf_counter()
            try:
                item = next(items)
            except StopIteration:
                return
            finally:
                main = threading.current_thread() is threading.main_thread()
                spent[label + ("" if main else " [thread]")] += time.perf_counter() - started
            yield item
    setattr(module, name, wrapper)

for module, name, label in [
        (etl.load, "file_sha256", "sha256 of the file"), (etl.load, "ensure_schema", "schema and references"),
        (etl.load, "_read", "read phase (all of it)"), (etl.extract, "_parse_chunk", "  parse CSV chunks (polars)"),
        (etl.extract, "_needless_repairs", "  byte scans of the chunks"),
        (etl.load, "normalize_table", "  normalize"), (etl.normalize, "_dates", "    dates"),
        (etl.normalize, "_clean", "    text clean-up"), (etl.load, "_stage_chunks", "  stage chunks (DuckDB)"),
        (etl.load, "_close_part", "  duplicates across chunks"), (etl.load, "_write", "write phase (merge, log)"),
        (etl.load, "_merge_dossiers", "  merge into mart_dossiers"), (etl.load, "build_marts", "ratings mart"),
        (core.store, "_publish", "publish (rename, standby copy)")]:
    timed(module, name, label)
timed_iter(etl.load, "iter_tables", "  extract (read, split, parse)")
started = time.perf_counter()
etl.load.load_files([Path(sys.argv[2])], Path(sys.argv[1]), loaded_by="bench")
total = time.perf_counter() - started
order = ["sha256 of the file", "schema and references", "read phase (all of it)",
         "  extract (read, split, parse) [thread]", "  parse CSV chunks (polars) [thread]",
         "  byte scans of the chunks [thread]", "  normalize [thread]", "    dates [thread]",
         "    text clean-up [thread]", "  stage chunks (DuckDB) [thread]", "  duplicates across chunks",
         "write phase (merge, log)", "  merge into mart_dossiers", "ratings mart", "publish (rename, standby copy)"]
for label in sorted(spent, key=lambda k: order.index(k) if k in order else len(order)):
    print(f"{spent[label]:8.2f}  {label}")
print(f"{total:8.2f}  whole load")
"""


def profile_load(path: Path, out: Path) -> None:
    import os
    import subprocess

    print(f"\nStages of one more load of {path.name} (wall seconds):", flush=True)
    subprocess.run([sys.executable, "-c", PROFILE, str(fresh_db(out / "bench_profile.duckdb")), str(path)],
                   cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def floor(path: Path, out: Path) -> None:
    """What DuckDB alone costs for the CSV, against a bare read made as the target's (`bare_csv`): the
    read written to a database file (written and compressed), the columns typed by DuckDB's sniffer
    (dates, numbers) and written, and the read with an md5 of every row (what the load did before
    schema 5). No load that stores the rows can go below the second or third line."""
    target = out / "bench_floor.duckdb"
    steps = (("bare read, in memory", lambda: bare_csv(path)),
             ("the read written to a file", lambda: stored_csv(path, out)),
             ("typed by DuckDB, to a file",
              lambda: duckdb_alone(path, "SELECT * FROM read_csv($p, header = true)", target)),
             ("+ an md5 of every row", lambda: duckdb_alone(
                 path, f"SELECT *, md5(concat_ws('|', COLUMNS(*))) AS row_hash FROM ({READ_CSV})", target)))
    print(f"\nFloor: DuckDB alone on {path.name}", flush=True)
    bare = None
    for label, run in steps:
        start = time.perf_counter()
        run()
        seconds = time.perf_counter() - start
        bare = bare or seconds
        print(f"  {label:<28}{seconds:>7.2f} s  {seconds / bare:>5.2f}× the bare read")


def fresh_db(path: Path) -> Path:
    for stale in (path, standby_path(path), Path(str(path) + ".wal")):
        stale.unlink(missing_ok=True)
    return path


def run_file(kind: str, path: Path, baselines: dict, out: Path, rounds: int = 1) -> dict:
    """The whole load of a file next to its baselines (label → reader), alternating for `rounds`
    rounds (medians): on this machine one bare read of the 1M CSV took 1.4 to 2.8 s within an hour."""
    print(f"\n{kind}: {path.name} ({path.stat().st_size / 1e6:.0f} MB)", flush=True)
    base = {label: [] for label in baselines}
    loads = []
    for _ in range(rounds):
        for label, read in baselines.items():
            seconds, rows = timed(label, lambda: read(path))
            base[label].append(seconds)
        loaded = load_in_child(fresh_db(out / f"bench_{kind}.duckdb"), path)
        print(f"  … whole load (read, normalize, merge, marts, publish): {loaded.seconds:.2f} s, "
              f"peak memory {loaded.peak_mb:,.0f} MB; {loaded.rows_new:,} new of {rows:,}", flush=True)
        loads.append(loaded)
    medians = {label: statistics.median(times) for label, times in base.items()}
    load = statistics.median(x.seconds for x in loads)
    if rounds > 1:
        print(f"  medians of {rounds}: " + ", ".join(f"{label} {m:.2f} s" for label, m in medians.items())
              + f", load {load:.2f} s", flush=True)
    return {"rows": rows, "bare": medians["bare read"], "baselines": medians, "load": load,
            "peak_mb": max(x.peak_mb for x in loads), "file_mb": path.stat().st_size / 1e6}


def run_incremental(base_rows: int, small: int, out: Path) -> dict:
    base = out / f"base_{base_rows}.duckdb"
    if not (base.exists() and standby_path(base).exists()):
        print(f"\nBuilding the base database of {base_rows:,} dossiers through the ETL (once; kept as {base}) …",
              flush=True)
        build_big(base_rows, base, TODAY)
    stored = duckdb.connect(str(base), read_only=True)
    try:
        dossiers = stored.execute("SELECT count(*) FROM dossiers").fetchall()[0][0]
    finally:
        stored.close()
    print(f"\nWeekly load: {small:,} new dossiers into {dossiers:,} vs into an empty database ({ROUNDS} rounds)",
          flush=True)
    into_base, into_empty = [], []
    run = f"W{int(time.time())}"
    for r in range(ROUNDS):
        export = export_of(small, TODAY, out / f"weekly_{small}.csv", seed=100 + r, tag=f"{run}{r}")
        loaded = load_in_child(base, export)
        empty = load_in_child(fresh_db(out / "empty.duckdb"), export)
        assert loaded.rows_new == empty.rows_new == small, (loaded, empty)
        into_base.append(loaded.seconds)
        into_empty.append(empty.seconds)
        print(f"  round {r + 1}: into {dossiers + r * small:,}: {loaded.seconds:.2f} s "
              f"(peak {loaded.peak_mb:,.0f} MB) · into empty: {empty.seconds:.2f} s", flush=True)
        export.unlink()
    fresh_db(out / "empty.duckdb")
    return {"dossiers": dossiers, "small": small, "base": statistics.median(into_base),
            "empty": statistics.median(into_empty), "db_gb": base.stat().st_size / 1e9}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--base", type=int, default=5_000_000, help="dossiers in the database of the weekly load")
    parser.add_argument("--small", type=int, default=1_000, help="new dossiers in the weekly load")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--fresh", action="store_true", help="regenerate the input files and the base database")
    parser.add_argument("--skip-files", action="store_true", help="only the weekly load")
    parser.add_argument("--skip-incremental", action="store_true", help="only the xlsx and CSV loads")
    parser.add_argument("--profile", action="store_true", help="then the stages of one more CSV load")
    parser.add_argument("--floor", action="store_true",
                        help="then DuckDB alone on the CSV: read to a file, and with an md5 per row")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.fresh:
        fresh_db(args.out / f"base_{args.base}.duckdb")
    files = {}
    if not args.skip_files:
        xlsx, csv = make_files(args.rows, args.out, args.fresh)
        files = {"xlsx": run_file("xlsx", xlsx, {"bare read": bare_xlsx}, args.out),
                 "csv": run_file("csv", csv, {"bare read": bare_csv,
                                              STORED: lambda p: stored_csv(p, args.out)}, args.out, ROUNDS)}
    weekly = None if args.skip_incremental else run_incremental(args.base, args.small, args.out)
    print("\nSummary (same run; each load in its own process, timed inside it; CSV: medians of "
          f"{ROUNDS} rounds)")
    if files:
        print(f"{'file':<6}{'MB':>8}{'bare s':>9}{'load s':>9}{'rows/s':>12}{'peak MB':>10}{'ratio':>8}")
        for kind, f in files.items():
            print(f"{kind:<6}{f['file_mb']:>8.0f}{f['bare']:>9.2f}{f['load']:>9.2f}{f['rows'] / f['load']:>12,.0f}"
                  f"{f['peak_mb']:>10,.0f}{f['load'] / f['bare']:>8.2f}")
        csv = files["csv"]
        print(f"CSV load / bare DuckDB read: {csv['load'] / csv['bare']:.2f}× (target 2×); "
              f"xlsx load / bare calamine read: {files['xlsx']['load'] / files['xlsx']['bare']:.2f}×")
        print(f"DuckDB alone, {STORED} / bare read: {csv['baselines'][STORED] / csv['bare']:.2f}×; "
              f"CSV load / that: {csv['load'] / csv['baselines'][STORED]:.2f}×")
    if weekly:
        print(f"Weekly load of {weekly['small']:,} new dossiers: into {weekly['dossiers']:,} ({weekly['db_gb']:.2f} GB) "
              f"{weekly['base']:.2f} s, into empty {weekly['empty']:.2f} s (medians of {ROUNDS}): "
              f"incremental / empty {weekly['base'] / weekly['empty']:.2f}× (target 3×)")
    if args.profile:
        profile_load(make_files(args.rows, args.out, False)[1], args.out)
    if args.floor:
        floor(make_files(args.rows, args.out, False)[1], args.out)
    shutil.rmtree(args.out / "empty.duckdb.tmp", ignore_errors=True)


if __name__ == "__main__":
    main()
