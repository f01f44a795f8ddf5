"""Benchmark helper: a big database built through the real ETL from generated dossiers, part by
part (at most PART_ROWS rows of CSV on disk at a time: 20M dossiers never make an 8 GB export), each
part loaded by a child process whose peak memory is measured; and small exports of new dossiers.

Not a test: used by bench_load.py (the incremental load) and bench_pages.py (--make-big)."""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.store import standby_path  # noqa: E402
from etl.demo.generate import dossier_frame, write_csv_export  # noqa: E402

PART_ROWS = 2_500_000
LOAD = """
import sys, time
from pathlib import Path
from etl.load import load_files
started = time.perf_counter()
[report] = load_files([Path(sys.argv[2])], Path(sys.argv[1]), loaded_by="bench",
                      progress=lambda m: print(m, file=sys.stderr, flush=True))
seconds = time.perf_counter() - started
# VmHWM: this process's peak resident memory since exec (wait4's ru_maxrss would count the
# benchmark's own memory at the fork).
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(f"{seconds:.3f} {report.status} {report.rows_new} {peak}", flush=True)
"""


@dataclass
class Loaded:
    seconds: float  # the load itself (load_files), without the child's start-up
    peak_mb: float  # the child's peak resident memory
    status: str
    rows_new: int


@dataclass
class Built:
    rows: int
    load_seconds: float = 0.0
    generate_seconds: float = 0.0
    peak_mb: float = 0.0
    parts: list[Loaded] = field(default_factory=list)


def export_of(rows: int, today: date, path: Path, *, seed: int, tag: str | None = None) -> Path:
    """`rows` generated dossiers as an API-layout CSV; `tag` makes their codes unique to it."""
    frame = dossier_frame(rows, today, seed=seed)
    if tag:
        frame = frame.with_columns(pl.concat_str([pl.col("dossier_code"), pl.lit(f"-{tag}")]))
    write_csv_export(frame, path, layout="api")
    return path


def load_in_child(db: Path, export: Path, *, quiet: bool = True) -> Loaded:
    """`python -c LOAD db export`: the real ETL in its own process, timed and measured inside it."""
    proc = subprocess.Popen([sys.executable, "-c", LOAD, str(db), str(export)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL if quiet else None,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    out = proc.stdout.read()
    if proc.wait():
        raise RuntimeError(f"load of {export} failed ({proc.returncode}): {out}")
    seconds, state, new, peak_kb = out.split()[-4:]
    return Loaded(float(seconds), int(peak_kb) / 1024, state, int(new))


def build_big(rows: int, db: Path, today: date, *, seed: int = 11, say=print) -> Built:
    """A database of `rows` generated dossiers, loaded part by part (one load each, as exports
    arrive); the part's CSV is deleted once loaded."""
    for stale in (db, standby_path(db), Path(str(db) + ".wal")):
        stale.unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    built = Built(rows)
    parts = range(0, rows, PART_ROWS)
    for k, start in enumerate(parts):
        n = min(PART_ROWS, rows - start)
        started = time.perf_counter()
        export = export_of(n, today, db.with_name(f"{db.stem}.part{k:02d}.csv"), seed=seed + k,
                           tag=f"P{k:02d}" if len(parts) > 1 else None)
        built.generate_seconds += time.perf_counter() - started
        loaded = load_in_child(db, export, quiet=False)
        export.unlink()
        built.parts.append(loaded)
        built.load_seconds += loaded.seconds
        built.peak_mb = max(built.peak_mb, loaded.peak_mb)
        say(f"  part {k + 1}/{len(parts)}: {loaded.rows_new:,} dossiers in {loaded.seconds:.1f} s, "
            f"peak {loaded.peak_mb:,.0f} MB, database {db.stat().st_size / 1e9:.2f} GB")
    return built


def own_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
