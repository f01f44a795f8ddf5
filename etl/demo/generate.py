"""Demo data, orchestration layer: plans and writes the Đà Nẵng demo exports as of their export dates; never touches the database."""
# CLI: python -m etl.demo.generate --out DIR [--today YYYY-MM-DD] [--seed N] [--scale X] [--workers N]
from __future__ import annotations

import argparse
import multiprocessing
import os
import time as clock
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Callable

import numpy as np
import polars as pl

from core.installation import read_rows
from core.text import fold_words
from etl.demo.model import (
    CANONICAL,
    STATE_COLUMNS,
    Simulation,
    simulate,
    simulate_ratings,
    simulate_surveys,
    snapshot,
    snapshot_exprs,
)
from etl.demo.writers import (
    write_csv_export,
    write_html_xls,
    write_rating_xlsx,
    write_survey_xlsx,
    write_xlsx_export,
)

__all__ = ["generate", "dossier_frame", "write_xlsx_export", "write_csv_export", "write_html_xls"]

EXPORT_LAG_DAYS = 45        # a period's export is taken this long after the period ends
RECENT_DAYS = 30            # the last exports restate the last 30 days and every status change
EXPORT_TIME = time(17, 30)
DEFECT_RATE = 0.0005
DEFECT_KINDS = ("status", "due_before_received", "date", "unknown_unit", "duplicate_code")
UNKNOWN_UNIT = "Ban Quản lý Khu kinh tế mở Chu Lai"
SURVEYS_PER_HALF_YEAR = 2500
RATINGS_PER_HALF_YEAR = 2000
UNKNOWN_RATED_DOSSIERS = 4  # per rating export: codes no one-stop export has
UPDATE_TITLE = "DANH SÁCH HỒ SƠ TIẾP NHẬN VÀ CẬP NHẬT TRẠNG THÁI TRONG 30 NGÀY"


@dataclass(frozen=True)
class Scheme:
    """How one unit (or group of units) exports: file kind, period length, spelling."""

    slug: str
    every: str                              # 1y | 6mo | 3mo | 1mo
    kind: str                               # xlsx | csv | html
    layout: str = "api"
    options: tuple[tuple[str, object], ...] = ()
    encoding: str = "utf-8"
    title_unit: str = ""


DEPARTMENT_OPTIONS = {
    "48.STP": (("field_prefix", True), ("title_rows", 6)),
    "48.SXD": (("group_by_field", True),),
    "48.SNNMT": (("title_rows", 4),),
    "48.STC": (),
    "48.SYT": (("title_rows", 6),),
    "48.SGDDT": (("dates", "serial"),),
    "48.SNV": (),
    "48.CNVPDKDD": (("title_rows", 6),),
    "48.CATP": (("status", "vn_a"),),
}
DEPARTMENT_LAYOUT = {"48.SNNMT": "vn_text", "48.SYT": "vn_text", "48.SNV": "vn_text", "48.CATP": "vn_text"}
SPECIAL_COMMUNES = {
    "Phường Hải Châu": Scheme("hai_chau", "6mo", "xlsx", "vn_text", (("unit", "ubnd"),)),
    "Xã Hòa Vang": Scheme("hoa_vang", "6mo", "xlsx", "vn", (("group_by_field", True), ("field_prefix", True))),
    "Phường Thanh Khê": Scheme("thanh_khe", "3mo", "html", "vn"),
    "Xã Đại Lộc": Scheme("dai_loc", "3mo", "csv", "vn_csv", (("unit", "short"), ("channel", "flag")), "cp1258"),
    "Phường Hội An": Scheme("hoi_an", "1mo", "csv", "vn_csv",
                            (("fee_dots", True), ("field_prefix", True), ("status", "vn_b"), ("nbsp", True)),
                            "utf-8-sig"),
}
GROUPS = {"dn": "mot_cua_khu_vuc_da_nang", "qn_bac": "mot_cua_khu_vuc_bac_quang_nam",
          "qn_nam": "mot_cua_khu_vuc_nam_quang_nam", "mien_nui": "mot_cua_khu_vuc_mien_nui"}


def unit_schemes(sim: Simulation) -> dict[str, Scheme]:
    """Resolving unit code -> its export scheme."""
    out = {}
    for row in sim.units.iter_rows(named=True):
        code, name, profile = row["unit_code"], row["unit_name"], row["profile"]
        if row["unit_level"] == "tinh":
            slug = fold_words(name).replace(" ", "_")
            out[code] = Scheme(slug, "1y", "xlsx", DEPARTMENT_LAYOUT.get(code, "vn"),
                               DEPARTMENT_OPTIONS[code], title_unit=name)
        elif name in SPECIAL_COMMUNES:
            out[code] = replace(SPECIAL_COMMUNES[name], title_unit="UBND " + name)
        else:
            group = ("mien_nui" if profile in ("mountain", "island") and row["unit_type"] != "dac_khu"
                     else "dn" if profile == "urban_core" or code < "20340"
                     else "qn_bac" if profile == "urban" or code < "20700" else "qn_nam")
            layout = "api_en" if group == "mien_nui" else "api"
            out[code] = Scheme(GROUPS[group], "3mo", "csv", layout)
    return out


# ----------------------------------------------------------------------------- planning
@dataclass
class ExportJob:
    name: str
    scheme: Scheme
    as_of: datetime
    period: tuple[date, date]
    frame: pl.DataFrame
    heading: str | None = None


def final_time(today: date) -> datetime:
    return datetime.combine(today, EXPORT_TIME)


def _period_columns(every: pl.Expr) -> list[pl.Expr]:
    received = pl.col("received_at")
    start = (pl.when(every == "1y").then(received.dt.truncate("1y"))
             .when(every == "6mo").then(received.dt.truncate("6mo"))
             .when(every == "3mo").then(received.dt.truncate("3mo"))
             .otherwise(received.dt.truncate("1mo"))).dt.date()
    end = (pl.when(every == "1y").then(start.dt.offset_by("1y"))
           .when(every == "6mo").then(start.dt.offset_by("6mo"))
           .when(every == "3mo").then(start.dt.offset_by("3mo"))
           .otherwise(start.dt.offset_by("1mo"))) - pl.duration(days=1)
    return [start.alias("_period_start"), end.alias("_period_end")]


def _label(every: str, start: date) -> str:
    if every == "1y":
        return f"{start.year}"
    if every == "6mo":
        return f"{start.year}_H{1 + (start.month > 6)}"
    if every == "3mo":
        return f"{start.year}_Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}_{start.month:02d}"


def plan_dossier_exports(sim: Simulation, rng: np.random.Generator) -> tuple[list[ExportJob], dict[str, int]]:
    """Periodic exports (state as of each export date) plus the final 30-day update exports."""
    schemes = unit_schemes(sim)
    cutoff = sim.today - timedelta(days=RECENT_DAYS)
    cutoff_at = datetime.combine(cutoff, time(0, 0))
    slug_of = {code: s.slug for code, s in schemes.items()}
    every_of = {code: s.every for code, s in schemes.items()}
    periodic = (sim.truth.filter(pl.col("received_at") < cutoff_at)
                .with_columns(pl.col("resolving_unit").replace_strict(slug_of).alias("_slug"),
                              pl.col("resolving_unit").replace_strict(every_of).alias("_every"))
                .with_columns(_period_columns(pl.col("_every")))
                .with_columns(pl.min_horizontal(pl.col("_period_end") + pl.duration(days=EXPORT_LAG_DAYS),
                                                pl.lit(cutoff)).dt.combine(EXPORT_TIME).alias("_as_of")))
    keys = ["_slug", "_period_start", "_period_end", "_as_of"]
    shown = periodic.with_columns(snapshot_exprs(pl.col("_as_of"))).select(CANONICAL + keys)
    shown = shown.sort("_slug", "_period_start", "received_at", "dossier_code")
    shown, defects = inject_defects(shown, rng)
    latest = snapshot(sim.truth, final_time(sim.today))
    final = _final_rows(shown, latest, cutoff_at)
    jobs = _periodic_jobs(shown, schemes, sim.start, cutoff) + _final_jobs(final, sim, cutoff)
    return jobs, defects


def _final_rows(shown: pl.DataFrame, latest: pl.DataFrame, cutoff_at: datetime) -> pl.DataFrame:
    """Rows of the last exports: received in the last 30 days, or changed since their export."""
    before = shown.filter(pl.col("defect").is_null()).select(
        "dossier_code", *[pl.col(c).alias(c + "_then") for c in STATE_COLUMNS])
    joined = latest.join(before, on="dossier_code", how="left")
    changed = pl.any_horizontal([pl.col(c).ne_missing(pl.col(c + "_then")) for c in STATE_COLUMNS])
    recent = pl.col("received_at").is_null() | (pl.col("received_at") >= cutoff_at)
    return joined.filter(recent | changed).select(CANONICAL)


def _periodic_jobs(shown: pl.DataFrame, schemes: dict[str, Scheme], start: date, cutoff: date) -> list[ExportJob]:
    by_slug = {s.slug: s for s in sorted(schemes.values(), key=lambda s: s.slug)}
    jobs = []
    for key, part in sorted(shown.partition_by("_slug", "_period_start", as_dict=True).items()):
        slug, period_start = key
        scheme = by_slug[slug]
        period_end = part["_period_end"][0]
        as_of = part["_as_of"][0]
        ext = {"xlsx": "xlsx", "csv": "csv", "html": "xls"}[scheme.kind]
        name = f"{as_of:%Y%m%d}_{slug}_{_label(scheme.every, period_start)}.{ext}"
        period = (max(period_start, start), min(period_end, cutoff - timedelta(days=1)))
        jobs.append(ExportJob(name, scheme, as_of, period, part.drop("_slug", "_period_start", "_period_end", "_as_of")))
    return jobs


def _final_jobs(final: pl.DataFrame, sim: Simulation, cutoff: date) -> list[ExportJob]:
    departments = set(sim.units.filter(pl.col("unit_level") == "tinh")["unit_code"].to_list())
    in_dept = pl.col("resolving_unit").is_in(sorted(departments))
    as_of = final_time(sim.today)
    period = (cutoff, sim.today)
    stamp = f"{sim.today:%Y%m%d}"
    return [
        ExportJob(f"{stamp}_capnhat_30ngay_xa_phuong.csv", Scheme("capnhat_xa_phuong", "1mo", "csv", "api"),
                  as_of, period, final.filter(~in_dept)),
        ExportJob(f"{stamp}_capnhat_30ngay_so_nganh.xlsx",
                  Scheme("capnhat_so_nganh", "1mo", "xlsx", "vn", title_unit="Trung tâm Phục vụ hành chính công"),
                  as_of, period, final.filter(in_dept), heading=UPDATE_TITLE),
    ]


def inject_defects(shown: pl.DataFrame, rng: np.random.Generator) -> tuple[pl.DataFrame, dict[str, int]]:
    """Mark ≈0.05% of periodic rows as the bad rows real exports contain (deterministic)."""
    n = shown.height
    k = max(len(DEFECT_KINDS), int(rng.binomial(n, DEFECT_RATE))) if n >= 200 else 0
    rows = np.sort(rng.choice(n, size=k, replace=False)) if k else np.array([], dtype=np.int64)
    kinds = np.array(DEFECT_KINDS)[rng.permutation(k) % len(DEFECT_KINDS)] if k else np.array([], dtype=str)
    defect: list[str | None] = [None] * n
    for row, kind in zip(rows.tolist(), kinds.tolist()):
        defect[row] = kind
    out = shown.with_columns(pl.Series("defect", defect, dtype=pl.String))
    out = out.with_columns(
        pl.when((pl.col("defect") == "due_before_received") & pl.col("received_at").is_not_null())
          .then(pl.col("received_at") - pl.duration(days=3)).otherwise(pl.col("due_at")).alias("due_at"),
        pl.when(pl.col("defect") == "unknown_unit").then(pl.lit(UNKNOWN_UNIT))
          .otherwise(pl.col("resolving_unit")).alias("resolving_unit"),
    )
    dupes = out.filter(pl.col("defect") == "duplicate_code")
    if dupes.height:
        out = (pl.concat([out.with_row_index("_r").with_columns(pl.lit(0).alias("_copy")),
                          out.with_row_index("_r").filter(pl.col("defect") == "duplicate_code")
                          .with_columns(pl.lit(1).alias("_copy"))])
               .sort("_r", "_copy").drop("_r", "_copy"))
    counts = {kind: int((kinds == kind).sum()) for kind in DEFECT_KINDS}
    return out, counts


# ----------------------------------------------------------------------------- surveys
def plan_survey_exports(sim: Simulation, rng: np.random.Generator, scale: float) -> list[ExportJob]:
    # One column per question code, in its first wording (survey_questions.csv also lists rewordings).
    first: dict[str, dict[str, str]] = {}
    for row in read_rows("survey_questions.csv"):
        first.setdefault(row["question_code"], row)
    questions = list(first.values())
    jobs = []
    half = date(sim.start.year, 1 if sim.start.month <= 6 else 7, 1)
    while half <= sim.today:
        end = date(half.year, 6, 30) if half.month == 1 else date(half.year, 12, 31)
        lo, hi = max(half, sim.start), min(end, sim.today)
        as_of = datetime.combine(min(end + timedelta(days=10), sim.today), EXPORT_TIME)
        share = ((hi - lo).days + 1) / 182.0
        n = max(30, int(round(SURVEYS_PER_HALF_YEAR * scale * share)))
        frame = simulate_surveys(sim, (lo, hi), as_of, n, rng, questions)
        if frame.height:
            label = f"{half.year}_H{1 + (half.month > 1)}"
            ids = [f"KS{half.year % 100:02d}H{1 + (half.month > 1)}-{i:05d}" for i in range(1, frame.height + 1)]
            frame = frame.select(pl.Series("response_id", ids), pl.all())
            style = "ubnd" if half.month == 1 else "full"
            jobs.append(ExportJob(f"{as_of:%Y%m%d}_khao_sat_hai_long_{label}.xlsx",
                                  Scheme("khao_sat", "6mo", "survey", options=(("unit", style),)),
                                  as_of, (lo, hi), frame))
        half = date(half.year + (half.month == 7), 7 if half.month == 1 else 1, 1)
    return jobs


# ----------------------------------------------------------------------------- portal ratings
def plan_rating_exports(sim: Simulation, rng: np.random.Generator, scale: float) -> list[ExportJob]:
    """Two rating exports of the portal, both pulled today (after every dossier export): the
    previous half-year (level only) and the current one (with the nine criteria)."""
    as_of = final_time(sim.today)
    current = date(sim.today.year, 1 if sim.today.month <= 6 else 7, 1)
    previous = date(current.year - (current.month == 1), 7 if current.month == 1 else 1, 1)
    jobs = []
    for half, with_criteria in ((previous, False), (current, True)):
        end = date(half.year, 6, 30) if half.month == 1 else date(half.year, 12, 31)
        lo, hi = max(half, sim.start), min(end, sim.today)
        if lo > hi:
            continue
        share = ((hi - lo).days + 1) / 182.0
        n = max(40, int(round(RATINGS_PER_HALF_YEAR * scale * share)))
        frame = simulate_ratings(sim, (lo, hi), as_of, n, rng, _criteria_headers() if with_criteria else [],
                                 UNKNOWN_RATED_DOSSIERS)
        if frame.height:
            label = f"{half.year}_H{1 + (half.month > 1)}"
            jobs.append(ExportJob(f"{as_of:%Y%m%d}_danh_gia_cong_dvc_{label}.xlsx",
                                  Scheme("danh_gia", "6mo", "rating"), as_of, (lo, hi), frame))
    return jobs


def _criteria_headers() -> list[str]:
    """The first wording of each criterion in rating_criteria.csv (nine columns)."""
    first: dict[str, str] = {}
    for row in read_rows("rating_criteria.csv"):
        first.setdefault(row["criterion_code"], row["header"])
    return list(first.values())


# ----------------------------------------------------------------------------- writing
LEGACY_LEVELS_BEFORE = date(2025, 7, 1)


def write_job(job: ExportJob, out_dir: Path) -> Path:
    path = out_dir / job.name
    scheme = job.scheme
    options = dict(scheme.options)
    if scheme.kind == "survey":
        return write_survey_xlsx(job.frame, path, period=job.period, unit_style=options.get("unit", "ubnd"))
    if scheme.kind == "rating":
        return write_rating_xlsx(job.frame, path, period=job.period)
    if scheme.layout.startswith("vn") and job.period[1] < LEGACY_LEVELS_BEFORE:
        options.setdefault("level", "legacy")
    if scheme.kind == "xlsx":
        extra = {"heading": job.heading} if job.heading else {}
        return write_xlsx_export(job.frame, path, title_unit=scheme.title_unit, period=job.period,
                                 layout=scheme.layout, **extra, **options)
    if scheme.kind == "html":
        return write_html_xls(job.frame, path, title_unit=scheme.title_unit, period=job.period, **options)
    return write_csv_export(job.frame, path, layout=scheme.layout, encoding=scheme.encoding, **options)


def generate(out_dir: Path, today: date, seed: int = 2025, scale: float = 1.0,
             progress: Callable[[str], None] | None = None, *, workers: int = 1) -> list[Path]:
    """Write every demo export into `out_dir`; return the paths in load order (oldest first).
    `workers` > 1 writes the xlsx files in that many processes (same bytes, less wall time)."""
    say = progress or (lambda message: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started = clock.perf_counter()
    sim = simulate(today, seed, scale)
    say(f"Mô phỏng {sim.truth.height:,} hồ sơ từ {sim.start:%d/%m/%Y} đến {today:%d/%m/%Y} "
        f"({clock.perf_counter() - started:.1f} s)")
    jobs, defects = plan_dossier_exports(sim, np.random.default_rng([seed, 1]))
    jobs += plan_survey_exports(sim, np.random.default_rng([seed, 2]), scale)
    jobs += plan_rating_exports(sim, np.random.default_rng([seed, 3]), scale)
    say("Dòng lỗi cố ý: " + ", ".join(f"{k}={v}" for k, v in defects.items()))
    jobs.sort(key=lambda j: (j.as_of, j.name))
    paths = write_jobs(jobs, out, workers)
    for job in jobs:
        say(f"{job.name}: {job.frame.height:,} dòng")
    say(f"Xong {len(paths)} tệp trong {clock.perf_counter() - started:.1f} s")
    return paths


def write_jobs(jobs: list[ExportJob], out: Path, workers: int) -> list[Path]:
    """Write the files, the slow xlsx ones in `workers` processes when asked (output is the same)."""
    if workers <= 1:
        return [write_job(job, out) for job in jobs]
    slow = [i for i, job in enumerate(jobs) if job.scheme.kind in ("xlsx", "survey")]
    slow.sort(key=lambda i: -jobs[i].frame.height)
    paths: list[Path | None] = [None] * len(jobs)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {i: pool.submit(write_job, jobs[i], out) for i in slow}
        for i, job in enumerate(jobs):
            if i not in futures:
                paths[i] = write_job(job, out)
        for i, future in futures.items():
            paths[i] = future.result()
    return [p for p in paths if p is not None]


def dossier_frame(n_rows: int, today: date, seed: int = 7) -> pl.DataFrame:
    """`n_rows` simulated dossiers as of today, canonical columns (for benchmarks and tests)."""
    total = n_rows * 1.1 + 200
    while True:
        sim = simulate(today, seed, total=total)
        shown = snapshot(sim.truth, final_time(today)).filter(pl.col("received_at").is_not_null())
        if shown.height >= n_rows:
            return shown.sample(n_rows, seed=seed).sort("received_at", "dossier_code")
        total *= 1.5


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Sinh dữ liệu mẫu (tệp xuất một cửa) cho Thành phố Đà Nẵng.")
    parser.add_argument("--out", type=Path, required=True, help="thư mục ghi tệp")
    parser.add_argument("--today", type=date.fromisoformat, default=date.today(), help="ngày hôm nay, YYYY-MM-DD")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 ≈ 400.000 hồ sơ")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="số tiến trình ghi tệp xlsx (mặc định 2)")
    args = parser.parse_args(argv)
    paths = generate(args.out, args.today, args.seed, args.scale, progress=print, workers=args.workers)
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} tệp, {size / 1e6:.1f} MB trong {args.out}")


if __name__ == "__main__":
    main()
