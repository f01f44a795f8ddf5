"""Tests of the demo generator: determinism, volumes, weekly rhythm, and files that speak the ETL's contract."""
from __future__ import annotations

import io
import re
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path

import fastexcel
import lxml.html
import polars as pl
import pytest

from core.calendar import default_calendar
from core.installation import read_rows
from core.text import fold
from etl.demo import model
from etl.demo.generate import (
    DEFECT_KINDS,
    UNKNOWN_UNIT,
    dossier_frame,
    generate,
    write_csv_export,
    write_html_xls,
    write_xlsx_export,
)
from etl.demo.writers import UNKNOWN_STATUS, to_cp1258
from etl.units import UnitMatcher

TODAY = date(2026, 5, 20)          # a Wednesday
SCALE = 0.02
CODE_RE = re.compile(r"^000\.\d\d\.\d\d\.H48-\d{6}-\d{4}$")


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> tuple[Path, list[Path], list[str]]:
    out = tmp_path_factory.mktemp("demo")
    messages: list[str] = []
    paths = generate(out, TODAY, seed=11, scale=SCALE, progress=messages.append)
    return out, paths, messages


@pytest.fixture(scope="module")
def full_sim() -> model.Simulation:
    return model.simulate(TODAY, seed=2025, scale=1.0)


@pytest.fixture(scope="module")
def tables(demo_dir) -> dict[Path, tuple[str, list[str], pl.DataFrame]]:
    """Every file read back as (kind, raw headers, string cells)."""
    _, paths, _ = demo_dir
    return {p: read_export(p) for p in paths}


# ----------------------------------------------------------------------------- readers (test side)
def decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return unicodedata.normalize("NFC", raw.decode("cp1258"))


def read_export(path: Path) -> tuple[str, list[str], pl.DataFrame]:
    if path.suffix == ".csv":
        frame = pl.read_csv(io.StringIO(decode(path.read_bytes())), infer_schema=False)
        return "dossier", frame.columns, frame
    if path.suffix == ".xls":
        return ("dossier",) + read_html_table(path)
    grid = fastexcel.read_excel(path).load_sheet(0, header_row=None).to_polars()
    grid = grid.select(pl.all().cast(pl.String))
    first = grid.columns[0]
    header_at = grid[first].to_list().index("STT")
    headers = [v for v in grid.row(header_at)]
    body = grid.slice(header_at + 1)
    body.columns = [h or f"_{i}" for i, h in enumerate(headers)]
    kind = "survey" if "Mã phiếu" in headers else "rating" if "Ngày đánh giá" in headers else "dossier"
    key = "Mã phiếu" if kind == "survey" else headers[1]
    return kind, headers, body.filter(pl.col(key).is_not_null())


def read_html_table(path: Path) -> tuple[list[str], pl.DataFrame]:
    doc = lxml.html.fromstring(decode(path.read_bytes()))
    rows = doc.xpath("//tr")
    head_at = next(i for i, r in enumerate(rows) if r.xpath("./th"))
    top, bottom = rows[head_at].xpath("./th"), [c.text_content() for c in rows[head_at + 1].xpath("./th")]
    headers = []
    for cell in top:
        span = int(cell.get("colspan", "1"))
        if span == 1:
            headers.append(cell.text_content())
        else:
            headers += [f"{cell.text_content()} {bottom.pop(0)}" for _ in range(span)]
    body = [[c.text_content() for c in r.xpath("./td")] for r in rows[head_at + 2:]]
    body = [r for r in body if len(r) == len(headers)]
    return headers, pl.DataFrame(body, schema=headers, orient="row")


def alias_map() -> dict[tuple[str, str], str]:
    return {(r["kind"], fold(r["alias"])): r["canonical"] for r in read_rows("header_aliases.csv")}


def spellings(name: str, column: str = "raw") -> set[str]:
    return {fold(r[column]) for r in read_rows(name)}


def as_of_of(path: Path) -> datetime:
    return datetime.strptime(path.name[:8], "%Y%m%d").replace(hour=17, minute=30)


def canonical_columns(kind: str, headers: list[str]) -> dict[str, str]:
    aliases = alias_map()
    return {h: aliases[(kind, fold(h))] for h in headers if h and (kind, fold(h)) in aliases}


# ----------------------------------------------------------------------------- determinism
def test_same_seed_and_today_give_identical_files(demo_dir, tmp_path):
    out, paths, _ = demo_dir
    again = generate(tmp_path / "again", TODAY, seed=11, scale=SCALE)
    assert [p.name for p in again] == [p.name for p in paths]
    for first, second in zip(paths, again):
        assert first.read_bytes() == second.read_bytes(), first.name
    other = generate(tmp_path / "other", TODAY, seed=12, scale=SCALE)
    csv = next(p for p in paths if p.suffix == ".csv")
    assert (tmp_path / "other" / csv.name).read_bytes() != csv.read_bytes()
    assert len(other) > 50


def test_files_are_returned_in_load_order(demo_dir):
    _, paths, _ = demo_dir
    stamps = [p.name[:8] for p in paths]
    assert stamps == sorted(stamps)
    assert "capnhat_30ngay" in paths[-1].name or "capnhat_30ngay" in paths[-2].name or "khao_sat" in paths[-1].name
    kinds = {p.suffix for p in paths}
    assert kinds == {".csv", ".xlsx", ".xls"}


# ----------------------------------------------------------------------------- volumes and rhythm
def test_volume_and_span_at_full_scale(full_sim):
    truth = full_sim.truth
    assert 360_000 <= truth.height <= 440_000
    assert full_sim.start <= TODAY - timedelta(days=730)
    received = truth["received_at"].drop_nulls().dt.date()
    assert received.min() == full_sim.start or received.min() <= full_sim.start + timedelta(days=3)
    assert received.filter(received <= TODAY).max() == TODAY
    per_unit = truth.group_by("resolving_unit").len()
    counts = dict(zip(per_unit["resolving_unit"], per_unit["len"]))
    names = dict(zip(full_sim.units["unit_name"], full_sim.units["unit_code"]))
    assert counts[names["Phường Hải Châu"]] > 8 * counts[names["Xã Tây Giang"]]
    assert counts.get(names["Đặc khu Hoàng Sa"], 0) < 100


def test_weekly_rhythm_holidays_and_tet(full_sim):
    cal = default_calendar()
    received = full_sim.truth.filter(pl.col("received_at").is_not_null()).select(
        "resolving_unit", pl.col("received_at").dt.date().alias("day"))
    weekdays = received.group_by(pl.col("day").dt.weekday().alias("wd")).len()
    by_wd = dict(zip(weekdays["wd"], weekdays["len"]))
    assert 7 not in by_wd                                          # no Sunday receipts
    assert by_wd[1] > 1.2 * by_wd[5]                               # Monday peak over Friday
    days = received["day"].unique().to_list()
    assert not [d for d in days if d in cal.holiday_names]         # none on public holidays
    saturday_units = received.filter((pl.col("day").dt.weekday() == 6)
                                     & ~pl.col("day").map_elements(cal.is_working_day, return_dtype=pl.Boolean))
    allowed = full_sim.units.filter(pl.col("saturday"))["unit_code"].to_list()
    assert 0 < saturday_units.height and set(saturday_units["resolving_unit"].unique()) <= set(allowed)
    weekly = received.group_by(pl.col("day").dt.truncate("1w").alias("week")).len().sort("week")
    tet_week = weekly.filter(pl.col("week") == date(2026, 2, 16))["len"][0]
    assert tet_week < 0.2 * weekly["len"].median()


def test_online_share_rises_and_lateness_is_uneven(full_sim):
    shown = model.snapshot(full_sim.truth, datetime.combine(TODAY, datetime.min.time()).replace(hour=17))
    quarters = (shown.filter(pl.col("received_at").is_not_null())
                .group_by(pl.col("received_at").dt.truncate("3mo").alias("q"))
                .agg((pl.col("channel") == 2).mean().alias("online")).sort("q"))
    assert quarters["online"][1] < 0.35 and quarters["online"][-1] > 0.55
    done = shown.filter(pl.col("status").is_in([9, 10])).with_columns(
        (pl.col("finished_at").dt.date() > pl.col("due_at").dt.date()).alias("late"))
    per_unit = done.group_by("resolving_unit").agg(pl.col("late").mean(), pl.len()).filter(pl.col("len") > 500)
    assert per_unit["late"].max() > 0.15 and per_unit["late"].median() < 0.06
    supplemented = (shown["supplement_count"] > 0).mean()
    assert 0.05 <= supplemented <= 0.09


def test_due_dates_follow_the_working_calendar(full_sim):
    cal = default_calendar()
    sample = (full_sim.truth.filter(pl.col("due_at").is_not_null()).sample(400, seed=3)
              .join(full_sim.procedures.select("procedure_code", "processing_days", "day_kind"), on="procedure_code"))
    for row in sample.iter_rows(named=True):
        assert cal.due_date(row["received_at"], row["processing_days"], row["day_kind"]) == row["due_at"]


def test_dossier_codes_unique_text(full_sim):
    codes = full_sim.truth["dossier_code"]
    assert codes.n_unique() == codes.len()
    assert codes.sample(2000, seed=1).map_elements(lambda c: bool(CODE_RE.match(c)), return_dtype=pl.Boolean).all()


# ----------------------------------------------------------------------------- the ETL contract
def test_headers_are_known_aliases(tables):
    aliases = alias_map()
    questions = {r["question"] for r in read_rows("survey_questions.csv")}
    first_wordings = set({r["question_code"]: r["question"] for r in reversed(read_rows("survey_questions.csv"))}.values())
    criteria = {r["header"] for r in read_rows("rating_criteria.csv")}
    for path, (kind, headers, _) in tables.items():
        for header in headers:
            if header in (None, "STT") or (kind == "survey" and header in questions) or (
                    kind == "rating" and header in criteria):
                continue
            assert (kind, fold(header)) in aliases, f"{path.name}: {header!r}"
        if kind == "survey":
            assert first_wordings <= set(headers), path.name


def test_values_use_known_spellings_units_and_fields(tables):
    statuses = spellings("statuses.csv") | {fold(v) for v in UNKNOWN_STATUS.values()}
    channels, levels, ratings = spellings("channels.csv"), spellings("online_levels.csv"), spellings("ratings.csv")
    fields = spellings("fields.csv", "field_name") | spellings("field_synonyms.csv", "synonym")
    procedures = {r["procedure_code"] for r in read_rows("procedures.csv")}
    matcher = UnitMatcher.build()
    unknown_units: set[str] = set()
    for path, (kind, headers, body) in tables.items():
        for header, canonical in canonical_columns(kind, headers).items():
            values = set(body[header].drop_nulls().unique().to_list()) - {""}
            if canonical == "status":
                assert {fold(v) for v in values} <= statuses, path.name
            elif canonical == "channel":
                assert {fold(v) for v in values} <= channels, path.name
            elif canonical == "online_flag":
                assert values <= {"x"}, path.name
            elif canonical == "online_level":
                assert {fold(v) for v in values} <= levels, path.name
            elif canonical == "rating":
                assert {fold(v) for v in values} <= ratings, path.name
            elif canonical == "field_name":
                assert {fold(re.sub(r"^Lĩnh vực ", "", v)) for v in values} <= fields, path.name
            elif canonical == "procedure_code":
                assert values <= procedures, path.name
            elif canonical in ("resolving_unit", "receiving_unit", "unit"):
                unknown_units |= {v for v in values if matcher.match(v) is None}
            elif canonical == "dossier_code":
                assert all(CODE_RE.match(v) for v in values), path.name
    assert unknown_units == {UNKNOWN_UNIT}


def test_deliberate_bad_rows_are_few_and_of_every_kind(demo_dir, tables):
    _, _, messages = demo_dir
    line = next(m for m in messages if m.startswith("Dòng lỗi cố ý"))
    counts = dict(part.split("=") for part in line.split(": ", 1)[1].split(", "))
    assert set(counts) == set(DEFECT_KINDS) and all(int(v) >= 1 for v in counts.values())
    rows = sum(body.height for kind, _, body in tables.values() if kind == "dossier")
    assert sum(int(v) for v in counts.values()) <= max(10, 0.002 * rows)
    duplicated = 0
    for path, (kind, headers, body) in tables.items():
        code = next((h for h, c in canonical_columns(kind, headers).items() if c == "dossier_code"), None)
        if kind == "dossier" and code:
            duplicated += body.height - body[code].n_unique()
    assert duplicated == int(counts["duplicate_code"])


def test_earlier_exports_show_no_future_and_last_export_restates_changes(tables):
    api = {p: body for p, (kind, headers, body) in tables.items() if "TrangThaiHoSoId" in headers}
    for path, body in api.items():
        finished = body["NgayCoKetQua"].str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False).drop_nulls()
        if finished.len():
            assert finished.max() <= as_of_of(path), path.name
    final = next(p for p in api if "capnhat_30ngay" in p.name)
    earlier = pl.concat([b.select("MaHoSo", pl.col("TrangThaiHoSoId").alias("then"))
                         for p, b in api.items() if p != final])
    now = api[final].select("MaHoSo", pl.col("TrangThaiHoSoId").alias("now")).join(earlier, on="MaHoSo")
    assert now.height > 0
    assert now.filter((pl.col("then") == "4") & (pl.col("now") == "10")).height > 0


def test_special_layouts_exist(demo_dir, tables):
    out, paths, _ = demo_dir
    names = [p.name for p in paths]
    assert any(n.endswith(".xls") for n in names)
    html = next(p for p in paths if p.suffix == ".xls")
    assert html.read_bytes().startswith(b"\xef\xbb\xbf<html")
    assert "Ngày tiếp nhận" in tables[html][1]
    cp = next(p for p in paths if "dai_loc" in p.name)
    raw = cp.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "Đại Lộc" in decode(raw)
    bom = next(p for p in paths if "hoi_an" in p.name)
    assert bom.read_bytes().startswith(b"\xef\xbb\xbf")
    fees = tables[bom][2]["Lệ phí"].to_list()
    assert any(re.fullmatch(r"\d{1,3}(\.\d{3})+", f or "") for f in fees)
    grouped = next(p for p in paths if "so_xay_dung" in p.name)
    grid = fastexcel.read_excel(grouped).load_sheet(0, header_row=None).to_polars()
    first = grid[grid.columns[0]].cast(pl.String)
    assert first.str.starts_with("Lĩnh vực:").sum() >= 2
    assert first.drop_nulls()[-1].startswith("Tổng cộng")


def test_cp1258_round_trip():
    text = "Đăng ký khai sinh; Chứng thực bản sao; Xã Đại Lộc; Phường Hội An Tây; Nguyễn Thị Ngọc Diệp; ỹ ự ặ ẫ ể"
    back = unicodedata.normalize("NFC", to_cp1258(text).decode("cp1258"))
    assert back == text


def test_benchmark_api(tmp_path):
    frame = dossier_frame(300, TODAY)
    assert frame.height == 300 and frame["dossier_code"].n_unique() == 300
    assert frame.columns == model.CANONICAL
    period = (TODAY - timedelta(days=90), TODAY)
    xlsx = write_xlsx_export(frame, tmp_path / "a.xlsx", title_unit="Sở Tư pháp", period=period)
    csv = write_csv_export(frame, tmp_path / "a.csv", layout="vn_csv", encoding="cp1258")
    html = write_html_xls(frame, tmp_path / "a.xls", title_unit="UBND phường Thanh Khê", period=period)
    assert read_export(xlsx)[2].height == 300
    assert read_export(csv)[2].height == 300
    assert read_export(html)[2].height == 300
