"""The app's query cache across loads (ui/cache.py): figures of a period that ends before every day
a load touched stay cached — and are indeed what the new file gives; any other figure, or a load
touching an earlier day, misses."""
from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from etl.load import load_files
from queries.connection import open_database
from queries.filters import Filters, Scope
from ui import cache

HEADER = "Mã hồ sơ,Lĩnh vực,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái,Hình thức nộp\n"
UNITS = ("Phường Hải Châu", "Phường Thanh Khê", "Sở Tư pháp")
FIELDS = ("Hộ tịch", "Chứng thực", "Lý lịch tư pháp")
OCTOBER = Filters(Scope.province(), date(2026, 10, 1), date(2026, 10, 31))
NOVEMBER = Filters(Scope.province(), date(2026, 11, 1), date(2026, 11, 30))


def _export(path: Path, prefix: str, month: int, n: int, title_end: str) -> Path:
    lines = [f"(Từ ngày 01/{month:02d}/2026 đến ngày {title_end})\n", HEADER]
    for i in range(n):
        day = 2 + i % 20
        done = f"{day + 3:02d}/{month:02d}/2026 10:00,Đã trả kết quả" if i % 3 else ",Đang xử lý"
        lines.append(f"{prefix}{i:03d},{FIELDS[i % 3]},{UNITS[i % 3]},{day:02d}/{month:02d}/2026 08:00,"
                     f"{day + 2:02d}/{month:02d}/2026,{done},{'Trực tuyến' if i % 2 else 'Trực tiếp'}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _call(target: str, filters: Filters):
    module, name = target.split(":")
    con = open_database(Path(_db()))
    try:
        return getattr(importlib.import_module(module), name)(con, filters)
    finally:
        con.close()


def _db() -> str:
    import os

    return os.environ["CCHC_DB"]


def _same(a, b) -> bool:
    """Equal figures, whether a frame or a dataclass holding frames (Biểu số 06)."""
    if isinstance(a, pl.DataFrame):
        return a.equals(b)
    if hasattr(a, "__dataclass_fields__"):
        return all(_same(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__)
    return a == b


@pytest.fixture
def database(tmp_path, monkeypatch):
    db = tmp_path / "db" / "cchc.duckdb"
    monkeypatch.setenv("CCHC_DB", str(db))
    [report] = load_files([_export(tmp_path / "thang10.csv", "T", 10, 60, "31/10/2026")], db)
    assert report.status == "loaded"
    return tmp_path, db


def _keys(filters: Filters) -> dict[str, object]:
    return {t: cache.version_for(t, (filters,)) for t in sorted(cache.UNTIL_PERIOD_END)}


def test_a_load_of_later_dossiers_keeps_earlier_figures_cached(database):
    folder, db = database
    october, november = _keys(OCTOBER), _keys(NOVEMBER)
    before = {t: _call(t, OCTOBER) for t in cache.UNTIL_PERIOD_END}
    other = cache.version_for("queries.late:summary", (OCTOBER,))
    [report] = load_files([_export(folder / "thang11.csv", "N", 11, 40, "30/11/2026")], db)
    assert report.status == "loaded" and report.rows_new == 40
    assert _keys(OCTOBER) == october  # kept …
    assert all(_same(_call(t, OCTOBER), before[t]) for t in cache.UNTIL_PERIOD_END)  # … and right to keep
    assert all(new != old for new, old in zip(_keys(NOVEMBER).values(), november.values()))
    assert cache.version_for("queries.late:summary", (OCTOBER,)) != other  # "overdue now" follows every load


def test_a_load_touching_an_earlier_day_misses(database):
    """An export of November tells that an October dossier was finished on 20 October: October's
    figures change (one resolved more, one in progress less), so they must not come from the cache."""
    folder, db = database
    october = _keys(OCTOBER)
    before = _call("queries.form06:form06", OCTOBER)
    later = folder / "cap_nhat.csv"
    later.write_text("(Từ ngày 01/11/2026 đến ngày 30/11/2026)\n" + HEADER
                     + "T000,Hộ tịch,Phường Hải Châu,02/10/2026 08:00,04/10/2026,20/10/2026 10:00,Đã trả kết quả,"
                       "Trực tiếp\n", encoding="utf-8")
    [report] = load_files([later], db)
    assert report.rows_updated == 1
    assert all(new != old for new, old in zip(_keys(OCTOBER).values(), october.values()))
    assert not _same(_call("queries.form06:form06", OCTOBER), before)


def test_a_load_of_ratings_only_touches_no_dossier(database):
    folder, db = database
    october, november = _keys(OCTOBER), _keys(NOVEMBER)
    ratings = folder / "danh_gia.csv"
    ratings.write_text("Mã hồ sơ,Đơn vị,Ngày đánh giá,Mức độ hài lòng\nT001,Phường Thanh Khê,20/11/2026,Hài lòng\n",
                       encoding="utf-8")
    [report] = load_files([ratings], db)
    assert report.status == "loaded" and report.kind == "rating"
    assert (_keys(OCTOBER), _keys(NOVEMBER)) == (october, november)
