"""ETL export: the analyst views as partitioned Parquet, so an engine beyond one machine (DuckDB over
object storage, Trino, Spark) runs the same SQL as queries/. Reads the published database only.

Layout of DIR (one province per run; many provinces' runs may share DIR):

    dossiers/province_code=40/year=2026/month=10/data_0.parquet   the `dossiers` view, by received month
    ratings/province_code=40/year=2026/month=10/…                 the `ratings` view, by rating month
    survey_responses/province_code=40/…, survey_answers/province_code=40/…
    units/province_code=40/…, calendar/…, fields/…, status_codes/…, procedures/…, rating_criteria/…
    README.md, schema.json                                         the columns and what they mean

Personal data (applicant name, address, phone, ID number) is left out unless asked for: a national
copy is for counting, and the people who may read names are the province's own staff.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.store import connect_readonly
from etl.errors import EtlError
from etl.schema import PERSONAL_COLUMNS, VIEW_DOCS, documented_columns

# view → the date that partitions it by year and month (None: partitioned by province only).
VIEWS = {
    "dossiers": "received_date",
    "ratings": "rating_date",
    "survey_responses": "response_date",
    "survey_answers": None,
    "rating_criteria": None,
    "units": None,
    "fields": None,
    "calendar": None,
    "status_codes": None,
    "procedures": None,
}


@dataclass(frozen=True)
class ExportReport:
    folder: Path
    province_code: int
    rows: dict[str, int]
    personal_data: bool

    def summary(self) -> str:
        counts = ", ".join(f"{name} {n:,}".replace(",", ".") for name, n in self.rows.items())
        return (f"Đã xuất Parquet vào {self.folder} (tỉnh mã {self.province_code}, "
                f"{'có' if self.personal_data else 'không có'} dữ liệu cá nhân): {counts}.")


def export_parquet(db: Path, folder: Path, personal_data: bool = False) -> ExportReport:
    """Write every analyst view of `db` under `folder`, replacing this province's earlier copy."""
    if not db.exists():
        raise EtlError(f"Chưa có cơ sở dữ liệu tại {db}.", "nạp dữ liệu trước (python -m etl load …).")
    con = connect_readonly(db)
    try:
        province = _province_code(con)
        folder.mkdir(parents=True, exist_ok=True)
        rows = {name: _write_view(con, folder, name, date_column, province, personal_data)
                for name, date_column in VIEWS.items()}
    finally:
        con.close()
    _write_docs(folder, personal_data)
    return ExportReport(folder, province, rows, personal_data)


def _province_code(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT max(value) FROM meta WHERE key = 'province_code'").fetchall()[0][0]
    if row is None:
        raise EtlError("Cơ sở dữ liệu chưa ghi mã tỉnh (tạo bởi phiên bản cũ).",
                       "chạy python -m etl rebuild --db … rồi xuất lại.")
    return int(row)


def _write_view(con, folder: Path, name: str, date_column: str | None, province: int, personal: bool) -> int:
    columns = [c for (c,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = $t ORDER BY column_index", {"t": name}
    ).fetchall()]
    keep = [c for c in columns if personal or c not in PERSONAL_COLUMNS]
    select = ", ".join(f'"{c}"' for c in keep)
    parts = ["province_code"]
    extra = f"{province}::INTEGER AS province_code"
    if date_column:
        extra += (f", coalesce(year({date_column}::DATE), 0) AS year"
                  f", coalesce(month({date_column}::DATE), 0) AS month")
        parts += ["year", "month"]
    target = folder / name
    _drop_province(target, province)
    # Names and the province code are code, not user text: the view names come from VIEWS above and
    # the columns from the database's own catalogue; the path is a bound-free literal DuckDB requires.
    sql = (f"COPY (SELECT {select}, {extra} FROM {name}) TO '{_quoted(target)}' "
           f"(FORMAT parquet, PARTITION_BY ({', '.join(parts)}), OVERWRITE_OR_IGNORE, COMPRESSION zstd)")
    count = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    if count == 0:
        # COPY … PARTITION_BY writes no file for no rows; one empty file keeps the columns readable.
        empty = target / f"province_code={province}" / ("year=0/month=0" if date_column else "")
        empty.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY (SELECT {select} FROM {name} WHERE FALSE) TO '{_quoted(empty / 'empty.parquet')}' "
                    "(FORMAT parquet)")
    else:
        con.execute(sql)
    return count


def _quoted(path: Path) -> str:
    text = str(path.resolve())
    if "'" in text:
        raise EtlError(f"Đường dẫn «{text}» chứa dấu nháy đơn.", "chọn một thư mục khác để xuất.")
    return text


def _drop_province(target: Path, province: int) -> None:
    """This province's earlier partitions go, so a dossier moved to another month is not kept twice."""
    import shutil

    old = target / f"province_code={province}"
    if old.exists():
        shutil.rmtree(old)


def _write_docs(folder: Path, personal: bool) -> None:
    documented = documented_columns()
    schema = {name: [{"name": c.name, "type": c.sql_type, "doc": c.doc} for c in documented.get(name, ())
                     if personal or c.name not in PERSONAL_COLUMNS]
              for name in VIEWS}
    (folder / "schema.json").write_text(json.dumps(schema, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = ["# CCHC analyst views as Parquet", "",
             "Hive-partitioned by `province_code` (and `year`/`month` of the date named below). Read with e.g. "
             "DuckDB: `CREATE VIEW dossiers AS SELECT * FROM read_parquet('dossiers/**/*.parquet', "
             "hive_partitioning = true)` — or `etl.parquet.attach_parquet` — and run the SQL of `queries/`.", ""]
    for name, date_column in VIEWS.items():
        lines.append(f"## `{name}`" + (f" (partitioned by the month of `{date_column}`)" if date_column else ""))
        lines.append(VIEW_DOCS.get(name, ""))
        lines += [f"- `{c['name']}` ({c['type'].lower()}): {c['doc']}" for c in schema[name]]
        lines.append("")
    (folder / "README.md").write_text("\n".join(lines), encoding="utf-8")


def attach_parquet(con: duckdb.DuckDBPyConnection, folder: Path, province_code: int | None = None) -> None:
    """Views with the database's names over a Parquet copy (all provinces, or one), so the functions of
    queries/ run unchanged on it. The partition columns are dropped again."""
    for name, date_column in VIEWS.items():
        pattern = _quoted(folder / name) + "/**/*.parquet"
        drop = "province_code, year, month" if date_column else "province_code"
        where = f" WHERE province_code = {int(province_code)}" if province_code is not None else ""
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * EXCLUDE ({drop}) FROM "
                    f"read_parquet('{pattern}', hive_partitioning = true, union_by_name = true){where}")
