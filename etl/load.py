"""ETL load: the only writer. Files → normalize → merge into the working copy, one transaction
per file, rejects and load log kept; marts rebuilt once; the copy published atomically."""
from __future__ import annotations

import getpass
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb
import polars as pl

from core.calendar import default_calendar
from core.installation import current, read_rows, use
from core.settings import settings
from core.store import writing
from core.text import fmt_int
from core.units import directory, province
from etl.errors import EtlError
from etl.extract import RawTable, extract_file
from etl.install import check_province
from etl.normalize import (
    REJECT_SCHEMA,
    UNKNOWN_FIELD,
    Context,
    Normalized,
    normalize_dossiers,
    normalize_ratings,
    normalize_survey,
)
from etl.schema import (
    BUSINESS_COLUMNS,
    DOSSIER_COLUMNS,
    LOAD_LOG,
    RATING_CRITERIA,
    RATINGS,
    REJECTS,
    SURVEY_ANSWERS,
    SURVEY_RESPONSES,
    TABLES,
    Table,
)

SQL_DIR = Path(__file__).parent / "sql"
SCHEMA_VERSION = "2"  # 2: superseded-versions table, ratings, appraisal scores
MARTS_VERSION = "3"  # 3: is_received / is_open / is_closed_other; status 3 in its own group 'refused'
Progress = Callable[[str], None]


@dataclass
class FileReport:
    file: str
    status: str  # loaded | already_loaded | failed
    kind: str | None = None
    rows_read: int = 0
    rows_new: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    load_id: int | None = None
    unmapped_questions: int = 0  # survey questions not in survey_questions.csv (warning rejects)
    unlinked_ratings: int = 0  # ratings naming a dossier code not loaded (warning rejects)
    stale_rows: int = 0  # dossiers this (older) export shows unresolved, stored resolved: kept as stored

    def summary(self) -> str:
        if self.status == "failed":
            return f"LỖI  {self.file}: {self.error}"
        if self.status == "already_loaded":
            return f"BỎ QUA  {self.file}: tệp này đã được nạp trước đó (lần nạp {self.load_id}), không có gì thay đổi."
        notes = ""
        if self.unmapped_questions:
            notes += f" · {fmt_int(self.unmapped_questions)} câu hỏi chưa gắn yếu tố SIPAS (xem rejects)"
        if self.unlinked_ratings:
            notes += f" · {fmt_int(self.unlinked_ratings)} đánh giá chưa khớp hồ sơ (xem rejects)"
        if self.stale_rows:
            notes += f" · {fmt_int(self.stale_rows)} hồ sơ cũ hơn dữ liệu đã nạp, giữ bản đã có kết quả (xem rejects)"
        return (f"ĐÃ NẠP  {self.file}: đọc {fmt_int(self.rows_read)} dòng · thêm mới {fmt_int(self.rows_new)} · "
                f"cập nhật {fmt_int(self.rows_updated)} · không đổi {fmt_int(self.rows_unchanged)} · "
                f"bị loại {fmt_int(self.rows_rejected)}" + notes)


def load_files(paths: list[Path], db: Path, *, loaded_by: str | None = None, progress: Progress | None = None,
               names: list[str] | None = None) -> list[FileReport]:
    """Load export files into the database at `db`. Never raises for a bad file: see the reports."""
    say = progress or (lambda _msg: None)
    reports: list[FileReport] = []
    use(db)  # the settings folder beside this database, if any (core.installation)
    with writing(db) as session:
        con = session.con
        try:
            ensure_schema(con)
        except EtlError as exc:  # e.g. the database holds another province's dossiers
            return [FileReport(names[i] if names else Path(p).name, "failed", error=str(exc))
                    for i, p in enumerate(paths)]
        ctx = Context.default()
        for i, path in enumerate(paths):
            name = names[i] if names else Path(path).name
            say(f"[{i + 1}/{len(paths)}] {name}")
            report = load_one(con, Path(path), name, ctx, loaded_by or _user(), say)
            session.changed |= report.status == "loaded"
            reports.append(report)
        if session.changed:
            say("Đang dựng lại bảng tổng hợp…")
            build_marts(con)
    return reports


def rebuild(db: Path) -> None:
    """Refresh reference tables and marts (after a change of calendar or maps)."""
    use(db)
    with writing(db) as session:
        ensure_schema(session.con)
        build_marts(session.con)
        session.changed = True


def is_outdated(db: Path) -> bool:
    """True when the database exists and was built by an earlier version (schema or marts)."""
    if not db.exists():
        return False
    from core.store import connect_readonly

    con = connect_readonly(db)
    try:
        if not _has_table(con, "meta"):
            return True
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    finally:
        con.close()
    return meta.get("schema_version") != SCHEMA_VERSION or meta.get("marts_version") != MARTS_VERSION


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "không rõ"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_one(con: duckdb.DuckDBPyConnection, path: Path, name: str, ctx: Context, user: str,
             say: Progress) -> FileReport:
    try:
        sha = file_sha256(path)
    except OSError as exc:
        return FileReport(name, "failed", error=f"không mở được tệp ({exc}). Kiểm tra đường dẫn và quyền đọc.")
    previous = con.execute("SELECT min(load_id) FROM load_log WHERE file_sha256 = $sha", {"sha": sha}).fetchall()[0][0]
    if previous is not None:
        return FileReport(name, "already_loaded", load_id=previous)
    try:
        tables = extract_file(path, name)
        say(f"    đã đọc {fmt_int(sum(t.data.height for t in tables))} dòng, đang chuẩn hóa…")
        results = [(t, normalize_table(t, ctx)) for t in tables]
    except EtlError as exc:
        return FileReport(name, "failed", error=str(exc))
    except Exception as exc:  # a file shaped in a way nobody foresaw must not stop the other files
        return FileReport(name, "failed", error=f"tệp «{name}»: lỗi không lường trước khi đọc tệp "
                                                f"({type(exc).__name__}: {exc}). Cách xử lý: mở tệp bằng Excel, "
                                                "lưu lại dạng .xlsx rồi nạp lại; nếu vẫn lỗi, báo cho quản trị "
                                                "dữ liệu kèm tệp này.")
    con.execute("BEGIN TRANSACTION")
    try:
        report = _write(con, path, name, sha, user, results)
        con.execute("COMMIT")
        return report
    except Exception as exc:
        con.execute("ROLLBACK")
        return FileReport(name, "failed", error=f"lỗi khi ghi vào cơ sở dữ liệu ({exc}); không có thay đổi nào được "
                                                "ghi. Báo cho quản trị dữ liệu kèm tệp này.")


def normalize_table(table: RawTable, ctx: Context) -> Normalized:
    unit = None
    if not ({"resolving_unit", "receiving_unit", "unit"} & set(table.columns)):
        unit = next((u for line in table.title_lines if (u := ctx.units.match(line))), None)
    local = Context(ctx.calendar, ctx.units, unit)
    normalizer = {"survey": normalize_survey, "rating": normalize_ratings}.get(table.kind, normalize_dossiers)
    return normalizer(table, local)


def _write(con, path: Path, name: str, sha: str, user: str,
           results: list[tuple[RawTable, Normalized]]) -> FileReport:
    load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM load_log").fetchall()[0][0]
    report = FileReport(name, "loaded", kind=results[0][1].kind, load_id=load_id)
    for table, norm in results:
        _insert_fields(con, norm.new_fields)
        rejects = norm.rejects
        if norm.kind == "dossier":
            stale = _drop_stale_dossiers(con, norm.rows, load_id, table)
            report.stale_rows += stale.height
            rejects = pl.concat([rejects, stale])
            new, updated, unchanged = _merge_dossiers(con, norm.rows, load_id, table)
            unchanged += stale.height  # the stored (resolved) version stays
        elif norm.kind == "rating":
            new, updated, unchanged = _merge_ratings(con, norm.rows, norm.answers, load_id, table)
            unlinked = _unlinked_ratings(con, norm.rows)
            report.unlinked_ratings += unlinked.height
            rejects = pl.concat([rejects, unlinked])
        else:
            new, updated, unchanged = _merge_survey(con, norm.rows, norm.answers, load_id, table)
        report.unmapped_questions += rejects.filter(pl.col("reason_code") == "unmapped_question").height
        _insert_rejects(con, rejects, load_id, table)
        rejected = norm.rejects.filter(pl.col("severity") == "error")["source_row"].n_unique()
        report.rows_read += norm.rows_read
        report.rows_skipped += norm.rows_skipped
        report.rows_new += new
        report.rows_updated += updated
        report.rows_unchanged += unchanged
        report.rows_rejected += rejected
        report.warnings += list(norm.warnings)
        if table.extra_columns:
            report.warnings.append("Cột không dùng đến: " + ", ".join(f"«{c}»" for c in table.extra_columns))
    if report.unmapped_questions:
        report.warnings.insert(0, f"{report.unmapped_questions} câu hỏi chưa gắn với yếu tố SIPAS (các dòng dưới).")
    if report.stale_rows:
        report.warnings.insert(0, f"{report.stale_rows} hồ sơ trong tệp này chưa có kết quả nhưng dữ liệu đã nạp ghi "
                                  "đã có kết quả: tệp có vẻ cũ hơn, giữ bản đã nạp (xem rejects).")
    if report.unlinked_ratings:
        report.warnings.insert(0, f"{report.unlinked_ratings} đánh giá ghi mã hồ sơ chưa có trong dữ liệu: vẫn được "
                                  "nạp và tính cho đơn vị, nhưng chưa khớp hồ sơ (xem rejects).")
    periods = [t.period for t, _ in results if t.period]
    log = {
        "load_id": load_id, "loaded_at": datetime.now(), "loaded_by": user, "file_name": name,
        "file_sha256": sha, "file_bytes": path.stat().st_size, "kind": report.kind,
        "sheets": ", ".join(t.sheet for t, _ in results if t.sheet) or None,
        "period_from": periods[0][0] if periods else None, "period_to": periods[0][1] if periods else None,
        "rows_read": report.rows_read, "rows_new": report.rows_new, "rows_updated": report.rows_updated,
        "rows_unchanged": report.rows_unchanged, "rows_rejected": report.rows_rejected,
        "rows_skipped": report.rows_skipped, "status": "loaded", "message": "\n".join(report.warnings) or None,
    }
    cols = LOAD_LOG.names()
    con.execute(f"INSERT INTO load_log ({', '.join(cols)}) VALUES ({', '.join('$' + c for c in cols)})", log)
    return report


def _hash_expr(columns: tuple[str, ...]) -> str:
    parts = ", ".join(f"coalesce(CAST({c} AS VARCHAR), '∅')" for c in columns)
    return f"md5(concat_ws('|', {parts}))"


def _drop_stale_dossiers(con, rows: pl.DataFrame, load_id: int, table: RawTable) -> pl.DataFrame:
    """Warning lines for dossiers this export shows unresolved while the stored version is resolved
    (status 9/10 with a finish date): an export taken before the stored one, loaded late, must not
    roll results back (the latest *load* otherwise wins). Those rows are left out of `incoming` by
    `_merge_dossiers` (it reads the temp table `stale`). settings.toml [load] keep_resolved_over_older
    = false turns this off, for a province whose software reopens finished dossiers."""
    con.execute("CREATE OR REPLACE TEMP TABLE stale (dossier_code VARCHAR)")
    if not settings().load.keep_resolved_over_older or rows.height == 0:
        return pl.DataFrame(schema=REJECT_SCHEMA)
    con.register("stale_frame", rows.select("_row", "dossier_code", "status_code", "finished_at").to_arrow())
    found = pl.from_arrow(con.sql("""
        SELECT f._row, f.dossier_code, c.finished_at AS stored_finished, c.source_file AS stored_file, c.load_id
        FROM stale_frame f JOIN stg_dossier_current c USING (dossier_code)
        WHERE c.status_code IN (9, 10) AND c.finished_at IS NOT NULL
          AND (coalesce(CAST(f.status_code AS INTEGER), 0) NOT IN (9, 10) OR f.finished_at IS NULL)
        ORDER BY f._row
    """).to_arrow_table())
    con.unregister("stale_frame")
    con.register("stale_codes", found.select("dossier_code").to_arrow())
    con.execute("INSERT INTO stale SELECT dossier_code FROM stale_codes")
    con.unregister("stale_codes")
    return pl.DataFrame({
        "source_row": found["_row"], "severity": "warning", "reason_code": "stale_update",
        "column_name": "Trạng thái", "raw_value": None,
        "message": [f"Hồ sơ «{r['dossier_code']}» trong tệp này chưa có kết quả, nhưng lần nạp {r['load_id']} (tệp "
                    f"«{r['stored_file']}») đã ghi có kết quả ngày {r['stored_finished']:%d/%m/%Y}: tệp này có vẻ cũ "
                    "hơn nên giữ bản đã nạp. Nếu hồ sơ thật sự được xử lý lại, báo quản trị dữ liệu."
                    for r in found.iter_rows(named=True)],
        "dossier_code": found["dossier_code"], "raw_row": None,
    }, schema=REJECT_SCHEMA)


def _merge_dossiers(con, rows: pl.DataFrame, load_id: int, table: RawTable) -> tuple[int, int, int]:
    incoming = rows.drop("_row").with_columns(
        load_id=pl.lit(load_id, pl.Int32), source_file=pl.lit(table.file), source_sheet=pl.lit(table.sheet, pl.String),
    )
    con.register("incoming_frame", incoming.to_arrow())
    cols = [c.name for c in DOSSIER_COLUMNS]
    select = ", ".join(f"CAST({c} AS {t.sql_type}) AS {c}" if c != "row_hash" else f"{_hash_expr(BUSINESS_COLUMNS)} AS row_hash"
                       for c, t in ((c.name, c) for c in DOSSIER_COLUMNS))
    con.execute(f"CREATE OR REPLACE TEMP TABLE incoming AS SELECT {select} FROM incoming_frame "
                "WHERE dossier_code NOT IN (SELECT dossier_code FROM stale)")
    con.unregister("incoming_frame")
    return _merge(con, "stg_dossier_current", "stg_dossier_superseded", "dossier_code", cols)


def _merge(con, current: str, history: str | None, key: str, cols: list[str]) -> tuple[int, int, int]:
    """Latest load wins: new keys inserted, changed rows replaced (the replaced version moves to
    `history`), repeats ignored. New rows are written once, not twice."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE changed AS
        SELECT i.*, c.{key} IS NULL AS is_new
        FROM incoming i LEFT JOIN {current} c ON c.{key} = i.{key}
        WHERE c.{key} IS NULL OR c.row_hash <> i.row_hash
    """)
    total = con.execute("SELECT count(*) FROM incoming").fetchall()[0][0]
    new, updated = con.execute("SELECT count(*) FILTER (is_new), count(*) FILTER (NOT is_new) FROM changed").fetchall()[0]
    col_list = ", ".join(cols)
    if history:
        con.execute(f"INSERT INTO {history} ({col_list}) SELECT {col_list} FROM {current} "
                    f"WHERE {key} IN (SELECT {key} FROM changed WHERE NOT is_new)")
    con.execute(f"DELETE FROM {current} WHERE {key} IN (SELECT {key} FROM changed WHERE NOT is_new)")
    con.execute(f"INSERT INTO {current} ({col_list}) SELECT {col_list} FROM changed")
    return new, updated, total - new - updated


def _merge_survey(con, rows: pl.DataFrame, answers: pl.DataFrame, load_id: int,
                  table: RawTable) -> tuple[int, int, int]:
    business = ("response_id", "unit_code", "response_date", "dossier_code", "field_code", "comment", "_parts")
    return _merge_with_parts(con, rows, answers, load_id, table, SURVEY_RESPONSES, SURVEY_ANSWERS,
                             "response_key", "question_text", business)


def _merge_ratings(con, rows: pl.DataFrame, criteria: pl.DataFrame, load_id: int,
                   table: RawTable) -> tuple[int, int, int]:
    """Latest load wins per rating key: a new rating of the same dossier replaces the old one."""
    business = ("rating_id", "dossier_code", "unit_code", "rated_at", "rating_code", "comment", "_parts")
    return _merge_with_parts(con, rows, criteria, load_id, table, RATINGS, RATING_CRITERIA,
                             "rating_key", "criterion_code", business)


def _merge_with_parts(con, rows: pl.DataFrame, parts: pl.DataFrame, load_id: int, table: RawTable,
                      head: Table, detail: Table, key: str, part_name: str,
                      business: tuple[str, ...]) -> tuple[int, int, int]:
    """A row with its parts (a survey response and its answers, a rating and its criteria scores):
    the row hash covers the parts ("name=score" sorted, as `_parts`), so a changed answer is an
    update; the parts of every new or changed row are replaced whole."""
    incoming = rows.drop("_row").with_columns(load_id=pl.lit(load_id, pl.Int32), source_file=pl.lit(table.file))
    digest = parts.group_by(key).agg(
        pl.concat_str([pl.col(part_name), pl.col("score").cast(pl.String)], separator="=").sort()
        .str.join("|").alias("_parts"))
    con.register("incoming_frame", incoming.join(digest, on=key, how="left").to_arrow())
    select = ", ".join(f"CAST({c.name} AS {c.sql_type}) AS {c.name}" for c in head.columns if c.name != "row_hash")
    con.execute(f"CREATE OR REPLACE TEMP TABLE incoming AS SELECT {select}, {_hash_expr(business)} AS row_hash "
                "FROM incoming_frame")
    con.unregister("incoming_frame")
    counts = _merge(con, head.name, None, key, head.names())
    con.register("parts_frame", parts.to_arrow())
    cols = ", ".join(detail.names())
    con.execute(f"DELETE FROM {detail.name} WHERE {key} IN (SELECT {key} FROM changed)")
    con.execute(f"INSERT INTO {detail.name} ({cols}) SELECT {cols} FROM parts_frame "
                f"WHERE {key} IN (SELECT {key} FROM changed)")
    con.unregister("parts_frame")
    return counts


def _unlinked_ratings(con, rows: pl.DataFrame) -> pl.DataFrame:
    """Warning lines for ratings naming a dossier code that no loaded export has (yet): the
    rating is kept and counted under its unit; the `ratings` view links it once the dossier loads."""
    coded = rows.filter(pl.col("dossier_code").is_not_null()).select("_row", "dossier_code")
    con.register("coded_frame", coded.to_arrow())
    unknown = pl.from_arrow(con.sql(
        "SELECT c._row, c.dossier_code FROM coded_frame c WHERE c.dossier_code NOT IN "
        "(SELECT dossier_code FROM stg_dossier_current) ORDER BY c._row").to_arrow_table())
    con.unregister("coded_frame")
    return pl.DataFrame({
        "source_row": unknown["_row"], "severity": "warning", "reason_code": "unknown_dossier",
        "column_name": "Mã hồ sơ", "raw_value": unknown["dossier_code"],
        "message": [f"Mã hồ sơ «{c}» chưa có trong dữ liệu hồ sơ đã nạp. Đánh giá vẫn được nạp và tính cho đơn vị, "
                    "nhưng chưa khớp hồ sơ: kiểm tra mã, hoặc nạp tệp hồ sơ có mã này (đánh giá sẽ tự khớp)."
                    for c in unknown["dossier_code"].to_list()],
        "dossier_code": unknown["dossier_code"], "raw_row": None,
    }, schema=REJECT_SCHEMA)


def _insert_rejects(con, rejects: pl.DataFrame, load_id: int, table: RawTable) -> None:
    if rejects.height == 0:
        return
    frame = rejects.with_columns(load_id=pl.lit(load_id, pl.Int32), file_name=pl.lit(table.file),
                                 sheet=pl.lit(table.sheet, pl.String))
    con.register("rejects_frame", frame.to_arrow())
    cols = ", ".join(REJECTS.names())
    con.execute(f"INSERT INTO rejects ({cols}) SELECT {cols} FROM rejects_frame")
    con.unregister("rejects_frame")


def _insert_fields(con, new_fields: pl.DataFrame) -> None:
    if new_fields.height == 0:
        return
    con.register("fields_frame", new_fields.to_arrow())
    con.execute("INSERT INTO ref_fields_discovered SELECT field_code, field_name, now() FROM fields_frame "
                "WHERE field_code NOT IN (SELECT field_code FROM ref_fields_discovered)")
    con.unregister("fields_frame")


# --- schema and reference tables -----------------------------------------------------------------


def ensure_schema(con) -> bool:
    """Create tables if absent, migrate a database made by an earlier version, and (re)write
    reference tables from config. True if created. Runs inside the load's transaction."""
    exists = _has_table(con, "load_log")
    if exists:
        _migrate(con)
    for table in TABLES:
        con.execute(table.ddl())
    con.execute("CREATE TABLE IF NOT EXISTS ref_fields_discovered (field_code VARCHAR, field_name VARCHAR, "
                "first_seen_at TIMESTAMP)")
    con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR)")
    con.execute("CREATE OR REPLACE VIEW stg_dossier_versions AS SELECT * FROM stg_dossier_superseded "
                "UNION ALL SELECT * FROM stg_dossier_current")
    check_province(con, current().db)
    # References follow the installation's files on every write (a department added to departments.csv
    # is named on the pages after the next load, not only after a rebuild).
    _write_references(con)
    _set_meta(con, schema_version=SCHEMA_VERSION, province_code=str(province().code))
    return not exists


def _set_meta(con, **values: str) -> None:
    for key, value in values.items():
        con.execute("DELETE FROM meta WHERE key = $k", {"k": key})
        con.execute("INSERT INTO meta VALUES ($k, $v)", {"k": key, "v": value})


def _has_table(con, name: str) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = $n", {"n": name}).fetchall()[0][0] > 0


def _migrate(con) -> None:
    """Schema version 1 kept every dossier version, the current one included, in the table
    stg_dossier_versions; version 2 keeps only superseded versions in stg_dossier_superseded
    and makes stg_dossier_versions a view over both. Tables added since (ratings, appraisal
    scores) are created empty by the DDL that follows."""
    if _has_table(con, "stg_dossier_versions"):
        con.execute("CREATE TABLE stg_dossier_superseded AS SELECT v.* FROM stg_dossier_versions v "
                    "ANTI JOIN stg_dossier_current c USING (dossier_code, load_id, row_hash)")
        con.execute("DROP TABLE stg_dossier_versions")


def _write_references(con) -> None:
    fields = pl.DataFrame(read_rows("fields.csv")).select("field_code", "field_name")
    fields = pl.concat([fields, pl.DataFrame({"field_code": [UNKNOWN_FIELD[0]], "field_name": [UNKNOWN_FIELD[1]]})])
    frames = {
        "ref_units": directory(),
        "ref_fields": fields,
        "ref_status_codes": pl.DataFrame(read_rows("status_codes.csv")).with_columns(pl.col("status_code").cast(pl.Int8)),
        "ref_calendar": default_calendar().frame(),
        "ref_survey_questions": pl.DataFrame(read_rows("survey_questions.csv")),
        "ref_survey_factors": pl.DataFrame(read_rows("survey_factors.csv")),
        "ref_procedures": _procedures_frame(),
        "ref_rating_criteria": pl.DataFrame(read_rows("rating_criteria.csv")),
    }
    for name, frame in frames.items():
        _write_frame(con, name, frame)


def _write_frame(con, name: str, frame: pl.DataFrame) -> None:
    con.register("ref_frame", frame.to_arrow())
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM ref_frame")
    con.unregister("ref_frame")


def _procedures_frame() -> pl.DataFrame:
    schema = {"procedure_code": pl.String, "procedure_name": pl.String, "field_code": pl.String,
              "processing_days": pl.Float64, "day_kind": pl.String}
    rows = read_rows("procedures.csv")
    if not rows:
        return pl.DataFrame(schema=schema)
    frame = pl.DataFrame(rows)
    return frame.with_columns(pl.col("processing_days").cast(pl.Float64, strict=False))


def build_marts(con) -> None:
    compare = settings().timeliness.compare_date
    finished_expr = {"finished": "d.finished_at", "returned": "coalesce(d.returned_at, d.finished_at)"}[compare]
    due_rule = settings().timeliness.due_on_day_off
    due_expr = {"as_is": "CAST(d.due_at AS DATE)",
                "next_working_day": "coalesce(nw.next_working_day, CAST(d.due_at AS DATE))"}[due_rule]
    sql = ((SQL_DIR / "marts.sql").read_text(encoding="utf-8")
           .replace("{finished_expr}", finished_expr).replace("{due_date_expr}", due_expr))
    for statement in _statements(sql):
        con.execute(statement)
    _set_meta(con, marts_built_at=datetime.now().isoformat(timespec="seconds"), marts_version=MARTS_VERSION)


def _statements(sql: str) -> list[str]:
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]
