"""`python -m etl export-parquet`: the analyst views as Parquet partitioned by province/year/month; the
query layer's Biểu số 06 over the Parquet copy gives the figures it gives over the database (the
hand-worked Nghệ An case of tests/test_installation.py), for one province among several."""
from __future__ import annotations

from datetime import date

import duckdb
import pytest

from etl.__main__ import main as etl_main
from etl.parquet import attach_parquet
from queries.connection import open_database
from queries.filters import Filters, Scope
from queries.form06 import form06
from tests.fixtures_exports import dossier, write_dossier_csv
from tests.test_installation import d, write_exports

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))


@pytest.fixture
def two_provinces(tmp_path, capsys):
    """Nghệ An (installation made by init, the three hand-made exports) and the demo province (bundled
    settings, two Hải Châu dossiers), both exported into one folder."""
    na = tmp_path / "na" / "cchc.duckdb"
    assert etl_main(["init", "--province", "40", "--db", str(na)]) == 0
    assert etl_main(["load", "--db", str(na), *map(str, write_exports(tmp_path / "exports"))]) == 0
    dn = tmp_path / "dn" / "cchc.duckdb"
    export = tmp_path / "dn.csv"
    write_dossier_csv(export, [
        dossier("DN1", "Phường Hải Châu", d(2), d(6, hour=17), d(5), "Đã trả kết quả", applicant="Lê Văn Tám"),
        dossier("DN2", "Phường Hải Châu", d(12), d(14, hour=17), None, "Đang xử lý", applicant="Trần Thị Hoa"),
    ], keys=("code", "unit", "received", "due", "finished", "status", "applicant"))
    assert etl_main(["load", "--db", str(dn), str(export)]) == 0
    out = tmp_path / "parquet"
    for db in (na, dn):
        assert etl_main(["export-parquet", str(out), "--db", str(db)]) == 0
    capsys.readouterr()
    return na, dn, out


def totals(con) -> dict:
    return form06(con, Filters(Scope.province(), *OCTOBER)).total


def test_form06_over_parquet_equals_the_database(two_provinces):
    na, _, out = two_provinces
    con = open_database(na)
    try:
        expected = totals(con)
    finally:
        con.close()
    lake = duckdb.connect()
    attach_parquet(lake, out, province_code=40)
    got = totals(lake)
    assert got == expected
    assert (got["received_total"], got["resolved_total"], got["pending_total"]) == (8, 5, 2)  # hand-worked


def test_all_provinces_together_and_partitions_by_month(two_provinces):
    _, _, out = two_provinces
    lake = duckdb.connect()
    attach_parquet(lake, out)
    by_province = lake.execute("SELECT count(*) FROM dossiers").fetchall()[0][0]
    assert by_province == 10  # 8 in Nghệ An + 2 in Đà Nẵng
    assert sorted(p.name for p in (out / "dossiers").iterdir()) == ["province_code=40", "province_code=48"]
    assert sorted(p.name for p in (out / "dossiers" / "province_code=40" / "year=2026").iterdir()) == [
        "month=10", "month=9"]  # NA6 was received in September
    assert lake.execute("SELECT count(*) FROM ratings").fetchall() == [(0,)]  # empty views still readable


def test_personal_data_is_left_out_unless_asked_for(two_provinces, tmp_path):
    _, dn, out = two_provinces
    lake = duckdb.connect()
    attach_parquet(lake, out, province_code=48)
    columns = {r[0] for r in lake.execute("DESCRIBE dossiers").fetchall()}
    assert "applicant_name" not in columns and "dossier_code" in columns
    assert "applicant_name" not in (out / "schema.json").read_text(encoding="utf-8")
    full = tmp_path / "full"
    assert etl_main(["export-parquet", str(full), "--db", str(dn), "--personal-data"]) == 0
    lake = duckdb.connect()
    attach_parquet(lake, full)
    assert sorted(r[0] for r in lake.execute("SELECT applicant_name FROM dossiers").fetchall()) == [
        "Lê Văn Tám", "Trần Thị Hoa"]


def test_exporting_again_replaces_the_provinces_copy(two_provinces):
    na, _, out = two_provinces
    assert etl_main(["export-parquet", str(out), "--db", str(na)]) == 0
    lake = duckdb.connect()
    attach_parquet(lake, out)
    assert lake.execute("SELECT count(*), count(DISTINCT dossier_code) FROM dossiers").fetchall() == [(10, 10)]
