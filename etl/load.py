"""ETL load: the only writer. Files → normalize → merge into the working copy, one transaction
per file, rejects and load log kept; marts rebuilt once; the copy published atomically."""
from __future__ import annotations

import getpass
import hashlib
import os
import queue
import re
import threading
import time as clock
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

import duckdb
import polars as pl

from core.calendar import default_calendar
from core.installation import current, read_rows, use
from core.settings import settings
from core.store import pause_point, storage_error, writing
from core.text import fmt_int
from core.units import directory, province
from etl import marts
from etl.errors import EtlError
from etl.extract import NotUtf8, RawTable, iter_tables
from etl.headers import column_label
from etl.install import check_province
from etl.normalize import (
    REJECT_SCHEMA,
    UNKNOWN_FIELD,
    Context,
    Normalized,
    _raw_json,
    normalize_dossiers,
    normalize_ratings,
    normalize_survey,
)
from etl.schema import (
    BUSINESS_COLUMNS,
    DOSSIER_COLUMNS,
    LOAD_LOG,
    MART_DOSSIERS,
    RATING_CRITERIA,
    RATINGS,
    REJECTS,
    SURVEY_ANSWERS,
    SURVEY_RESPONSES,
    TABLES,
    Table,
)
from etl.sync import catch_up

# 2: superseded-versions table, ratings, appraisal scores; 3: load_log.as_of_at; 4: the current version of a
# dossier stored once, in mart_dossiers with its derived columns (stg_dossier_current became a view);
# 5: no row_hash column in the dossier tables (the merge compares the columns themselves)
SCHEMA_VERSION = "5"
MARTS_VERSION = marts.MARTS_VERSION
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
    stale_rows: int = 0  # dossiers whose stored version comes from a file with a later as-of: kept as stored
    kept_resolved: int = 0  # a resolved version kept over one showing the dossier unresolved (no reopening)
    as_of_at: datetime | None = None
    as_of_source: str | None = None

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
            notes += f" · {fmt_int(self.stale_rows)} hồ sơ cũ hơn dữ liệu đã nạp, giữ bản mới hơn (xem rejects)"
        if self.kept_resolved:
            notes += f" · {fmt_int(self.kept_resolved)} hồ sơ giữ bản đã có kết quả (xem rejects)"
        if self.as_of_at:
            notes += f" · số liệu tính đến {_moment(self.as_of_at)} ({AS_OF_SOURCES[self.as_of_source]})"
        return (f"ĐÃ NẠP  {self.file}: đọc {fmt_int(self.rows_read)} dòng · thêm mới {fmt_int(self.rows_new)} · "
                f"cập nhật {fmt_int(self.rows_updated)} · không đổi {fmt_int(self.rows_unchanged)} · "
                f"bị loại {fmt_int(self.rows_rejected)}" + notes)


def load_files(paths: list[Path], db: Path, *, loaded_by: str | None = None, progress: Progress | None = None,
               names: list[str] | None = None) -> list[FileReport]:
    """Load export files into the database at `db`. Never raises for a bad file: see the reports."""
    say = progress or (lambda _msg: None)
    reports: list[FileReport] = []
    use(db)  # the settings folder beside this database, if any (core.installation)
    with writing(db, catch_up=catch_up) as session:
        con = session.con
        limit_memory(con)
        if session.leftovers_removed:
            say(f"Đã xóa {len(session.leftovers_removed)} tệp làm việc còn sót lại từ lần nạp bị dừng giữa chừng.")
        try:
            schema = ensure_schema(con)
        except EtlError as exc:  # e.g. the database holds another province's dossiers
            return [FileReport(names[i] if names else Path(p).name, "failed", error=str(exc))
                    for i, p in enumerate(paths)]
        session.replicable = not schema.migrated
        since = last_load_id(con)
        ctx = Context.default()
        for i, path in enumerate(paths):
            name = names[i] if names else Path(path).name
            say(f"[{i + 1}/{len(paths)}] {name}")
            report = load_one(con, Path(path), name, ctx, loaded_by or _user(), say)
            session.changed |= report.status == "loaded"
            reports.append(report)
        if session.changed:
            say("Đang cập nhật bảng tổng hợp…")
            full = build_marts(con, None if schema.migrated else since)
            stamp_references(con)
            pause_point("marts")
            _describe(session, con, since, full)
    return reports


REFERENCE_TABLES = ("ref_units", "ref_fields", "ref_fields_discovered", "ref_procedures", "ref_status_codes")


def stamp_references(con) -> None:
    """meta refs_version: md5 of the reference tables whose names and groups pages show. The app keeps
    cached figures across a load only while it and the marts' rules are unchanged (ui/cache.py)."""
    sums = [con.execute(f"SELECT md5(coalesce(string_agg(CAST(t AS VARCHAR), chr(10) ORDER BY CAST(t AS VARCHAR)), "
                        f"'')) FROM {table} t").fetchall()[0][0] for table in REFERENCE_TABLES]
    _set_meta(con, refs_version=hashlib.md5("|".join(sums).encode()).hexdigest())


def limit_memory(con) -> None:
    """settings.toml [load] memory_limit_mb, or a quarter of the machine's memory."""
    mb = settings().load.memory_limit_mb
    if not mb:
        try:
            mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (4 << 20)
        except (ValueError, OSError):
            return
    con.execute(f"SET memory_limit = '{max(int(mb), 256)}MB'")


def last_load_id(con) -> int:
    return con.execute("SELECT coalesce(max(load_id), 0) FROM load_log").fetchall()[0][0]


# A session that wrote more than this share of the dossiers leaves a copy of the new file as the
# standby rather than have the next load replay its rows: replaying writes (and compresses) each row
# again, about 3 µs a row, where copying reads the file at about 1 GB/s, 0.12 µs a stored row.
LARGE_SHARE = 0.05


def _describe(session, con, since: int, full: bool) -> None:
    """Tell the store what this session did to the file: rows recomputed wholesale cannot be
    replayed onto the standby copy from their load ids, and a session that rewrote a large part of
    the file is cheaper to follow by copying it than by replaying it (core/store.py)."""
    changed, total = con.execute("SELECT count(*) FILTER (load_id > $m), count(*) FROM mart_dossiers",
                                 {"m": since}).fetchall()[0]
    session.replicable &= not full
    session.large = full or changed > LARGE_SHARE * total


def rebuild(db: Path) -> None:
    """Refresh reference tables and marts (after a change of calendar or maps)."""
    use(db)
    with writing(db, catch_up=catch_up) as session:
        ensure_schema(session.con)
        build_marts(session.con)
        stamp_references(session.con)
        session.changed, session.replicable, session.large = True, False, True


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
        return _load_file(con, path, name, sha, ctx, user, say, None)
    except NotUtf8:  # UTF-8 in its first megabyte only: the whole file is Windows-1258 (etl/extract.py)
        return _load_file(con, path, name, sha, ctx, user, say, "cp1258")


def _load_file(con, path: Path, name: str, sha: str, ctx: Context, user: str, say: Progress,
               encoding: str | None) -> FileReport:
    """One file: read in chunks, each normalized and staged in temporary tables (so that a file of
    any size takes bounded memory), then merged, logged and committed in one transaction. The
    staging is outside it: DuckDB keeps what a transaction appends to a temporary table in memory
    twice (measured: 11.3 GB for 10M staged dossiers, 5.7 GB outside a transaction), and the staged
    rows are never part of the database anyway."""
    loaded_at = datetime.now()
    load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM load_log").fetchall()[0][0]
    try:
        try:
            parts = _read(con, path, name, ctx, load_id, loaded_at, encoding, say)
        except (NotUtf8, KeyboardInterrupt):
            raise
        except EtlError as exc:
            return FileReport(name, "failed", error=str(exc))
        except duckdb.Error as exc:
            return _write_failed(con, name, exc)
        except Exception as exc:  # a file shaped in a way nobody foresaw must not stop the other files
            return FileReport(name, "failed", error=f"tệp «{name}»: lỗi không lường trước khi đọc tệp "
                                                    f"({type(exc).__name__}: {exc}). Cách xử lý: mở tệp bằng Excel, "
                                                    "lưu lại dạng .xlsx rồi nạp lại; nếu vẫn lỗi, báo cho quản trị "
                                                    "dữ liệu kèm tệp này.")
        pause_point("read")
        con.execute("BEGIN TRANSACTION")
        try:
            with _Heartbeat(con, say, sum(p.rows_read for p in parts), any(p.chunks > 1 for p in parts)):
                report = _write(con, path, name, sha, user, parts, load_id, loaded_at)
            pause_point("write")
            con.execute("COMMIT")
            return report
        except Exception as exc:
            return _write_failed(con, name, exc)
    finally:
        _drop_staging(con)


class _Heartbeat:
    """While a large file's rows are written (after the last chunk is read), every HEARTBEAT_SECONDS:
    'đang ghi 10.000.000 dòng vào cơ sở dữ liệu: 40 giây, bước đang chạy 62%, còn khoảng 25 giây'.
    DuckDB reports the running statement's progress to another thread (query_progress)."""

    def __init__(self, con, say: Progress, rows: int, large: bool):
        self.con, self.say, self.rows, self.large = con, say, rows, large
        self.done = threading.Event()

    def __enter__(self):
        if self.large:
            self.say(f"    đang ghi {fmt_int(self.rows)} dòng vào cơ sở dữ liệu…")
            self.con.execute("SET enable_progress_bar = true")  # tracked, not printed
            self.con.execute("SET enable_progress_bar_print = false")
            self.started = clock.monotonic()
            self.thread = threading.Thread(target=self._beat, name="cchc-heartbeat", daemon=True)
            self.thread.start()
        return self

    def _beat(self) -> None:
        step, step_started = None, clock.monotonic()
        while not self.done.wait(HEARTBEAT_SECONDS):
            try:
                share = self.con.query_progress()
            except Exception:  # noqa: BLE001 — a progress report must never stop the load
                continue
            now = clock.monotonic()
            if step is None or share < step:  # a new statement
                step_started = now - HEARTBEAT_SECONDS
            step = share
            text = f"    đang ghi {fmt_int(self.rows)} dòng vào cơ sở dữ liệu: {_duration(now - self.started)}"
            if 0 < share < 100:
                left = (now - step_started) * (100 - share) / share
                text += f", bước đang chạy {share:.0f}%, còn khoảng {_duration(left)}"
            self.say(text + "…")

    def __exit__(self, *exc) -> None:
        if self.large:
            self.done.set()
            self.thread.join()
            try:
                self.con.execute("SET enable_progress_bar = false")
            except duckdb.Error:  # a transaction that failed refuses it; the failure is what matters
                pass


HEARTBEAT_SECONDS = 5.0


def _drop_staging(con) -> None:
    for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary "
                                "AND table_name LIKE 'staged%'").fetchall():
        con.execute(f"DROP TABLE {table}")


def _write_failed(con, name: str, exc: Exception) -> FileReport:
    _rollback(con)
    if storage_error(exc):  # a full or read-only disk fails every file: stop, the store says why
        raise exc
    return FileReport(name, "failed", error=f"lỗi khi ghi vào cơ sở dữ liệu ({exc}); không có thay đổi nào được "
                                            "ghi. Báo cho quản trị dữ liệu kèm tệp này.")


def _rollback(con) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:  # after a fatal I/O error DuckDB has already given the transaction up
        pass


def normalize_table(table: RawTable, ctx: Context) -> Normalized:
    unit = None
    if not ({"resolving_unit", "receiving_unit", "unit"} & set(table.columns)):
        unit = next((u for line in table.title_lines if (u := ctx.units.match(line))), None)
    local = replace(ctx, file_unit=unit)  # keeps the rest of the context (calendar, units, load day)
    normalizer = {"survey": normalize_survey, "rating": normalize_ratings}.get(table.kind, normalize_dossiers)
    return normalizer(table, local)


# --- reading: chunks normalized and staged --------------------------------------------------------------


@dataclass
class _Part:
    """One table of a file (a sheet, or a CSV read in chunks) once read. Dossier rows wait typed in
    the temporary table `staged`, their rejects already written; a survey or rating table (read
    whole: its duplicates are judged over the whole table) waits normalized in `norm`."""

    table: RawTable  # the first chunk (header, titles, columns)
    kind: str
    staged: str | None = None
    norm: Normalized | None = None
    rows_read: int = 0
    rows_skipped: int = 0
    rows_rejected: int = 0
    latest_event: datetime | None = None
    warnings: list[str] = field(default_factory=list)
    chunks: int = 0


class _Progress:
    """'đã đọc 1.200.000 dòng (85.000 dòng/giây, còn khoảng 40 giây)' while a large file is read."""

    def __init__(self, path: Path, say: Progress):
        self.say, self.size, self.started, self.rows = say, max(path.stat().st_size, 1), clock.monotonic(), 0

    def chunk(self, table: RawTable) -> None:
        self.rows += table.data.height
        elapsed = clock.monotonic() - self.started
        done = min(table.bytes_read / self.size, 1.0)
        if table.chunk == 0 and done >= 1.0:
            self.say(f"    đã đọc {fmt_int(self.rows)} dòng, đang chuẩn hóa…")
            return
        rate = f"{fmt_int(round(self.rows / elapsed))} dòng/giây" if elapsed > 0 else ""
        left = elapsed * (1 - done) / done if done > 0 else None
        when = f", còn khoảng {_duration(left)}" if left is not None and done < 1.0 else ""
        self.say(f"    đã đọc {fmt_int(self.rows)} dòng ({round(100 * done)}%, {rate}{when})…")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(round(seconds), 1)} giây"
    minutes = round(seconds / 60)
    return f"{minutes} phút" if minutes < 90 else f"{minutes // 60} giờ {minutes % 60} phút"


def _read(con, path: Path, name: str, ctx: Context, load_id: int, loaded_at: datetime, encoding: str | None,
          say: Progress) -> list[_Part]:
    """Read, normalize and stage the file's tables, a CSV's chunks flowing through three stages at
    once: the next chunk is read and parsed (read_ahead), the chunks before it are normalized two at
    a time (polars, each mostly on one core), and the ones before those are staged (DuckDB), at least
    STAGE_ROWS rows at a time. Chunks are taken in file order; at most NORMALIZERS wait to be
    normalized and one batch to be staged."""
    parts: list[_Part] = []
    held: list[RawTable] = []  # chunks of a survey or rating table, normalized together at its end
    progress = _Progress(path, say)
    con.execute("CREATE OR REPLACE TEMP TABLE staged_rejects AS SELECT * FROM rejects LIMIT 0")
    con.execute("CREATE OR REPLACE TEMP TABLE staged_fields (field_code VARCHAR, field_name VARCHAR, seq INTEGER)")
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cchc-stage") as writer, \
            ThreadPoolExecutor(max_workers=NORMALIZERS, thread_name_prefix="cchc-normalize") as normalizers, \
            closing(read_ahead(iter_tables(path, name, encoding=encoding))) as tables:
        staging: list[Future] = []
        normalizing: deque[tuple[RawTable, Future]] = deque()
        batch: list[tuple[Normalized, RawTable]] = []  # normalized, waiting to be staged together

        def staged() -> None:  # the previous batch is in (its error, if any, raised here)
            while staging:
                staging.pop().result()

        def stage(last: bool) -> None:  # the batch, once it holds STAGE_ROWS rows or its table ends
            if batch and (last or sum(norm.rows.height for norm, _ in batch) >= STAGE_ROWS):
                staged()
                staging.append(writer.submit(_stage_chunks, con, parts[-1].staged, list(batch), load_id))
                batch.clear()

        def take(keep: int) -> None:  # the chunks normalized, but `keep`, are counted and staged in order
            while len(normalizing) > keep:
                table, normalized = normalizing.popleft()
                norm, part = normalized.result(), parts[-1]
                batch.append((norm, table))
                stage(last=False)
                part.rows_read += norm.rows_read
                part.rows_skipped += norm.rows_skipped
                part.rows_rejected += norm.rejects.filter(pl.col("severity") == "error")["source_row"].n_unique()
                part.latest_event = _later(part.latest_event, _latest_event([norm], loaded_at))
                part.warnings += [w for w in norm.warnings if w not in part.warnings]
                part.chunks = table.chunk + 1
                progress.chunk(table)

        for table in tables:
            if not parts or table.part != parts[-1].table.part:
                take(0)
                stage(last=True)
                staged()
                _close_part(con, parts[-1] if parts else None, held, ctx, path, name, encoding, load_id, loaded_at)
                staged_name = f"staged_{load_id}_{table.part}" if table.kind == "dossier" else None
                parts.append(_Part(table, table.kind, staged_name))
                if staged_name:
                    columns = ", ".join(f"{c.name} {c.sql_type}" for c in DOSSIER_COLUMNS)
                    con.execute(f"CREATE OR REPLACE TEMP TABLE {staged_name} ({columns})")
            if parts[-1].kind != "dossier":
                held.append(table)
                progress.chunk(table)
                continue
            normalizing.append((table, normalizers.submit(normalize_table, table, ctx)))
            take(NORMALIZERS - 1)
        take(0)
        stage(last=True)
        staged()
    _close_part(con, parts[-1] if parts else None, held, ctx, path, name, encoding, load_id, loaded_at)
    return parts


NORMALIZERS = 2  # chunks normalized at once (measured on 2 cores: two 64 MB chunks in 1.3 s, one after the other 2.0 s)
# Rows staged by one INSERT: two of DuckDB's row groups (122,880 rows each). Inserting a million rows
# into the staging table from Arrow in pieces of 134,000 took 2.2 s, in pieces of two such 0.9 s, of
# 250,000 or more 0.4 s; a 64 MB chunk holds 130,000–170,000 rows of the usual exports.
STAGE_ROWS = 2 * 122_880


def read_ahead(items: Iterator[RawTable]) -> Iterator[RawTable]:
    """The same items, the next one read in a thread while the caller works on the current one (the
    CSV's next chunk is parsed by polars while this one is normalized: each alone leaves a core idle
    much of the time). At most one item waits; an error of the reader is raised where the item it
    failed to make would have come; a caller that stops early stops the reader."""
    ready: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    done = object()

    def hand(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand((item, None)):
                    return
            hand((done, None))
        except BaseException as exc:  # noqa: BLE001 — handed over, raised in the caller's thread
            hand((None, exc))
        finally:
            if close := getattr(items, "close", None):  # a generator: its file is closed now
                close()

    reader = threading.Thread(target=produce, name="cchc-read", daemon=True)
    reader.start()
    try:
        while True:
            item, exc = ready.get()
            if exc is not None:
                raise exc
            if item is done:
                return
            yield item
    finally:
        stop.set()
        reader.join()


def _stage_chunks(con, staged: str, chunks: list[tuple[Normalized, RawTable]], load_id: int) -> None:
    """Normalized chunks of one table: their new fields and rejects, then their dossiers in one insert."""
    for norm, table in chunks:
        _stage_fields(con, norm.new_fields, table.chunk)
        _insert_rejects(con, norm.rejects, load_id, table, into="staged_rejects")
    rows = pl.concat([norm.rows for norm, _ in chunks], how="vertical_relaxed", rechunk=False)
    _stage_dossiers(con, staged, rows, load_id, chunks[0][1])


def _stage_fields(con, new_fields: pl.DataFrame, seq: int) -> None:
    if new_fields.height:
        con.register("fields_frame", new_fields.to_arrow())
        con.execute("INSERT INTO staged_fields SELECT field_code, field_name, $s FROM fields_frame", {"s": seq})
        con.unregister("fields_frame")


def _close_part(con, part: _Part | None, held: list[RawTable], ctx: Context, path: Path, name: str,
                encoding: str | None, load_id: int, loaded_at: datetime) -> None:
    """The end of a table: a survey or rating table is normalized whole; a dossier table read in
    several chunks has its duplicates across chunks settled, as if read whole (_dedupe)."""
    if part is None:
        return
    if part.kind != "dossier":
        table = held[0] if len(held) == 1 else replace(
            held[0], data=pl.concat([t.data for t in held], how="vertical_relaxed"))
        held.clear()
        part.norm = normalize_table(table, ctx)
        part.rows_read, part.rows_skipped = part.norm.rows_read, part.norm.rows_skipped
        part.rows_rejected = part.norm.rejects.filter(pl.col("severity") == "error")["source_row"].n_unique()
        part.latest_event = _latest_event([part.norm], loaded_at)
        part.warnings = list(part.norm.warnings)
        return
    if part.chunks > 1:
        part.rows_rejected += _dedupe_across_chunks(con, part, path, name, encoding, load_id)


def _stage_dossiers(con, staged: str, rows: pl.DataFrame, load_id: int, table: RawTable) -> None:
    """Normalized dossiers (a chunk, or several of one table), typed, into the file's staging table."""
    incoming = rows.drop("_row").with_columns(
        load_id=pl.lit(load_id, pl.Int32), source_file=pl.lit(table.file), source_sheet=pl.lit(table.sheet, pl.String),
    )
    # Arrow's string views: no copy of the text on the way (the default, large strings, copies it).
    con.register("incoming_frame", incoming.to_arrow(compat_level=pl.CompatLevel.newest()))
    select = ", ".join(f"CAST({c.name} AS {c.sql_type}) AS {c.name}" for c in DOSSIER_COLUMNS)
    con.execute(f"INSERT INTO {staged} SELECT {select} FROM incoming_frame")
    con.unregister("incoming_frame")


_DUPLICATE = "Mã hồ sơ xuất hiện nhiều lần trong tệp; dòng {kept} (dòng sau) được giữ, dòng này bị bỏ."


def _dedupe_across_chunks(con, part: _Part, path: Path, name: str, encoding: str | None, load_id: int) -> int:
    """A dossier listed in two chunks of one file: the later row wins, as within a chunk (normalize
    _dedupe) and as in the file read whole. The earlier rows are taken out of the staging table and
    rejected with the whole row as read (read again from the file, for those rows only); rejects a
    chunk already wrote for the same code name the row kept in the whole file. Returns the rows
    rejected here."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE chunk_duplicates AS
        SELECT dossier_code, source_row, max(source_row) OVER (PARTITION BY dossier_code) AS kept
        FROM {part.staged}
        WHERE dossier_code IN (SELECT dossier_code FROM {part.staged} GROUP BY ALL HAVING count(*) > 1)
    """)
    losers = pl.from_arrow(con.sql("SELECT dossier_code, source_row, kept FROM chunk_duplicates "
                                   "WHERE source_row <> kept ORDER BY source_row").to_arrow_table())
    if losers.height == 0:
        con.execute("DROP TABLE chunk_duplicates")
        return 0
    con.execute(f"DELETE FROM {part.staged} WHERE source_row IN "
                "(SELECT source_row FROM chunk_duplicates WHERE source_row <> kept)")
    con.execute("""
        UPDATE staged_rejects r SET raw_value = CAST(d.kept AS VARCHAR),
               message = replace($template, '{kept}', CAST(d.kept AS VARCHAR))
        FROM (SELECT DISTINCT dossier_code, kept FROM chunk_duplicates) d
        WHERE r.load_id = $load AND r.reason_code = 'duplicate_in_file' AND r.dossier_code = d.dossier_code
          AND r.file_name = $file AND r.sheet IS NOT DISTINCT FROM $sheet
    """, {"template": _DUPLICATE, "load": load_id, "file": part.table.file, "sheet": part.table.sheet})
    con.execute("DROP TABLE chunk_duplicates")
    wanted = set(losers["source_row"].to_list())
    raw = {}
    for table in iter_tables(path, name, encoding=encoding):
        if table.part == part.table.part and table.data.height:
            rows = table.data["_row"].filter(table.data["_row"].is_in(list(wanted)))
            if rows.len():
                raw.update(zip(rows.to_list(), _raw_json(table.data, rows).to_list()))
    label = part.table.columns.get("dossier_code", column_label("dossier", "dossier_code"))
    kept = [str(k) for k in losers["kept"].to_list()]
    rejects = pl.DataFrame({
        "source_row": losers["source_row"].cast(pl.Int64), "severity": "error", "reason_code": "duplicate_in_file",
        "column_name": label, "raw_value": kept, "message": [_DUPLICATE.format(kept=k) for k in kept],
        "dossier_code": losers["dossier_code"], "raw_row": [raw.get(r) for r in losers["source_row"].to_list()],
    }, schema=REJECT_SCHEMA)
    _insert_rejects(con, rejects, load_id, part.table, into="staged_rejects")
    return losers.height


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((x for x in (a, b) if x is not None), default=None)


# --- writing: merge, log ---------------------------------------------------------------------------------


def _write(con, path: Path, name: str, sha: str, user: str, parts: list[_Part], load_id: int,
           loaded_at: datetime) -> FileReport:
    as_of, as_of_source = _as_of([p.table for p in parts], _later_all(p.latest_event for p in parts), loaded_at)
    report = FileReport(name, "loaded", kind=parts[0].kind, load_id=load_id, as_of_at=as_of,
                        as_of_source=as_of_source)
    # What the chunks staged besides dossiers: fields first seen (the first chunk's spelling of a
    # code), then their rejects.
    con.execute("""
        INSERT INTO ref_fields_discovered
        SELECT field_code, arg_min(field_name, seq), now() FROM staged_fields
        WHERE field_code NOT IN (SELECT field_code FROM ref_fields_discovered) GROUP BY field_code
    """)
    con.execute("INSERT INTO rejects SELECT * FROM staged_rejects")
    first_dates = []
    for part in parts:
        table, norm = part.table, part.norm
        if part.kind == "dossier":
            merged = _merge_dossiers(con, part.staged, load_id, table, as_of)
            new, updated, unchanged = merged.new, merged.updated, merged.unchanged
            first_dates.append(merged.first_date)
            report.stale_rows += merged.stale
            report.kept_resolved += merged.kept_resolved
            _insert_rejects(con, merged.warnings, load_id, table)
        else:
            _insert_fields(con, norm.new_fields)
            rejects = norm.rejects
            if part.kind == "rating":
                new, updated, unchanged = _merge_ratings(con, norm.rows, norm.answers, load_id, table)
                unlinked = _unlinked_ratings(con, norm.rows)
                report.unlinked_ratings += unlinked.height
                rejects = pl.concat([rejects, unlinked])
            else:
                new, updated, unchanged = _merge_survey(con, norm.rows, norm.answers, load_id, table)
            report.unmapped_questions += rejects.filter(pl.col("reason_code") == "unmapped_question").height
            _insert_rejects(con, rejects, load_id, table)
        report.rows_read += part.rows_read
        report.rows_skipped += part.rows_skipped
        report.rows_new += new
        report.rows_updated += updated
        report.rows_unchanged += unchanged
        report.rows_rejected += part.rows_rejected
        report.warnings += part.warnings
        if table.extra_columns:
            report.warnings.append("Cột không dùng đến: " + ", ".join(f"«{c}»" for c in table.extra_columns))
    if report.unmapped_questions:
        report.warnings.insert(0, f"{report.unmapped_questions} câu hỏi chưa gắn với yếu tố SIPAS (các dòng dưới).")
    if report.stale_rows:
        report.warnings.insert(0, f"{report.stale_rows} hồ sơ đã có bản mới hơn từ tệp khác (số liệu tính đến muộn "
                                  f"hơn {as_of:%d/%m/%Y %H:%M} của tệp này): giữ bản mới hơn, bản trong tệp này "
                                  "vào lịch sử phiên bản (xem rejects).")
    if report.kept_resolved:
        report.warnings.insert(0, f"{report.kept_resolved} hồ sơ có một bản ghi đã có kết quả và một bản mới hơn ghi "
                                  "chưa có kết quả: giữ bản đã có kết quả vì phần mềm không mở lại hồ sơ đã giải "
                                  "quyết (settings.toml [load] keep_resolved_over_older) (xem rejects).")
    if report.unlinked_ratings:
        report.warnings.insert(0, f"{report.unlinked_ratings} đánh giá ghi mã hồ sơ chưa có trong dữ liệu: vẫn được "
                                  "nạp và tính cho đơn vị, nhưng chưa khớp hồ sơ (xem rejects).")
    periods = [p.table.period for p in parts if p.table.period]
    log = {
        "load_id": load_id, "loaded_at": loaded_at, "loaded_by": user, "file_name": name,
        "file_sha256": sha, "file_bytes": path.stat().st_size, "kind": report.kind,
        "sheets": ", ".join(p.table.sheet for p in parts if p.table.sheet) or None,
        "period_from": periods[0][0] if periods else None, "period_to": periods[0][1] if periods else None,
        "rows_read": report.rows_read, "rows_new": report.rows_new, "rows_updated": report.rows_updated,
        "rows_unchanged": report.rows_unchanged, "rows_rejected": report.rows_rejected,
        "rows_skipped": report.rows_skipped, "status": "loaded", "message": "\n".join(report.warnings) or None,
        "as_of_at": as_of, "as_of_source": as_of_source,
    }
    cols = LOAD_LOG.names()
    con.execute(f"INSERT INTO load_log ({', '.join(cols)}) VALUES ({', '.join('$' + c for c in cols)})", log)
    con.execute("INSERT INTO load_touched VALUES ($l, $d)",
                {"l": load_id, "d": min((d for d in first_dates if d is not None), default=None)})
    return report


def _later_all(moments) -> datetime | None:
    return max((m for m in moments if m is not None), default=None)


def _hash_expr(columns: tuple[str, ...]) -> str:
    parts = ", ".join(f"coalesce(CAST({c} AS VARCHAR), '∅')" for c in columns)
    return f"md5(concat_ws('|', {parts}))"


# --- as of when a file's data stands ---------------------------------------------------------------

# "(Từ ngày 01/10/2026 đến ngày 31/10/2026)", "Số liệu tính đến hết ngày 30/11/2026".
_UNTIL = re.compile(r"đến\s+(?:hết\s+)?ngày\s*(\d{1,2})/(\d{1,2})/(\d{4})", re.IGNORECASE)
AS_OF_SOURCES = {"title": "theo dòng tiêu đề", "rows": "theo ngày mới nhất trong tệp", "load_time": "theo lúc nạp"}
# Events a row records as having happened (never a due date, which lies ahead).
EVENT_COLUMNS = {
    "dossier": ("submitted_at", "received_at", "finished_at", "returned_at", "supplement_requested_at",
                "supplemented_at", "apology_issued_at"),
    "survey": ("response_date",),
    "rating": ("rated_at",),
}


def file_as_of(results: list[tuple[RawTable, Normalized]], loaded_at: datetime) -> tuple[datetime, str]:
    """The moment a file's data stands at, and the rule that gave it.

    'title': the end of the day the title rows name after «đến ngày»; 'rows': the latest event in
    the loaded rows, used when there is no such title or when a row records an event after it (the
    file was then exported later than its period: it cannot stand before an event it shows);
    'load_time': neither. A moment after the load is no evidence (a period still running, a typo in
    a year) and is ignored."""
    return _as_of([t for t, _ in results], _latest_event([n for _, n in results], loaded_at), loaded_at)


def _as_of(tables: list[RawTable], latest: datetime | None, loaded_at: datetime) -> tuple[datetime, str]:
    """file_as_of from the file's tables and its latest event (gathered chunk by chunk)."""
    title = _title_until(tables)
    if title is not None and title > loaded_at:
        title = None
    if title is not None and (latest is None or latest <= title):
        return title, "title"
    if latest is not None:
        return latest, "rows"
    return loaded_at, "load_time"


def _title_until(tables: list[RawTable]) -> datetime | None:
    ends = []
    for table in tables:
        for line in table.title_lines:
            for day, month, year in _UNTIL.findall(line):
                try:
                    ends.append(datetime.combine(datetime(int(year), int(month), int(day)), time(23, 59, 59)))
                except ValueError:
                    continue
    return max(ends, default=None)


def _latest_event(normalized: list[Normalized], loaded_at: datetime) -> datetime | None:
    """The latest event (EVENT_COLUMNS) at or before the load time in the rows: column by column."""
    found = []
    for norm in normalized:
        columns = [c for c in EVENT_COLUMNS.get(norm.kind, ()) if c in norm.rows.columns]
        if not columns or norm.rows.height == 0:
            continue
        at = pl.lit(loaded_at, pl.Datetime("us"))
        latest = norm.rows.select(pl.max_horizontal(
            pl.col(c).cast(pl.Datetime("us")).filter(pl.col(c).cast(pl.Datetime("us")) <= at).max() for c in columns
        )).item()
        if latest is not None:
            found.append(latest)
    return max(found, default=None)


# --- dossiers: the version from the latest as-of wins ------------------------------------------------


@dataclass(frozen=True)
class Merged:
    new: int
    updated: int
    unchanged: int
    stale: int  # rows that lost to a stored version from a file with a later as-of
    kept_resolved: int  # rows where a resolved version won over a later unresolved one
    warnings: pl.DataFrame  # REJECT_SCHEMA lines for both
    first_date: date | None = None  # earliest day of a version written or replaced (table load_touched)


# The days of a stored dossier row, for load_touched: a period ending before all of them never sees it.
_FIRST_DAY = ("least(CAST(received_at AS DATE), CAST(submitted_at AS DATE), CAST(due_at AS DATE), "
              "CAST(finished_at AS DATE), CAST(returned_at AS DATE))")


_RESOLVED = "(coalesce(CAST({t}.status_code AS INTEGER), 0) IN (9, 10) AND {t}.finished_at IS NOT NULL)"
# An incoming row repeats the stored version when every business column is equal (nulls equal): the
# comparison is made only for the dossiers already stored, so a load costs no hash of every row.
_SAME = "(" + " AND ".join(f"c.{c} IS NOT DISTINCT FROM i.{c}" for c in BUSINESS_COLUMNS) + ")"


def _merge_dossiers(con, incoming: str, load_id: int, table: RawTable, as_of: datetime) -> Merged:
    """Merge a file's dossiers (typed in the table `incoming`) so that the result does
    not depend on the order files are loaded in.

    Per dossier the current version is the one from the file with the latest as-of
    (`file_as_of`); on a tie the later load wins. A row that loses is still stored, in
    stg_dossier_superseded, with a warning naming the file that holds the newer state. A row
    identical to the current version changes nothing but, from a file at least as recent, becomes
    its provenance (so the current row names the newest file that shows it, in any load order).

    Exception, settings.toml [load] keep_resolved_over_older (default true, for software that never
    reopens a finished dossier): a resolved version (status 9/10 with a finish date) beats one
    showing the dossier unresolved, whatever their as-of; set false and a later export showing the
    dossier reopened wins like any later version. Either way the winner is the greatest
    (resolved if the setting is on, as-of, load), so the outcome is the same in every load order.

    The current version lives in mart_dossiers with its derived columns (etl/marts.py), computed
    here for the rows written; a replaced one moves to stg_dossier_superseded."""
    col_list = ", ".join(c.name for c in DOSSIER_COLUMNS)
    protect = settings().load.keep_resolved_over_older
    # Where the stored versions of this file's dossiers lie, from one scan of the code column alone.
    # The statements below read every column of those versions, and the table has no index: bounded
    # to that stretch of row ids, DuckDB reads only the row groups in it (a weekly export's dossiers
    # are mostly recent, stored near the end), not every column of the whole table (measured on 100M
    # dossiers: 8.3 s → 0.3 s when they lie in the last load's rows).
    [(total,)] = con.execute(f"SELECT count(*) FROM {incoming}").fetchall()
    [(stored, low, high)] = con.execute(f"SELECT count(*), min(c.rowid), max(c.rowid) FROM mart_dossiers c "
                                        f"SEMI JOIN {incoming} i USING (dossier_code)").fetchall()
    if stored == 0:  # only new dossiers: written as they are
        con.execute(f"INSERT INTO mart_dossiers BY NAME {marts.dossier_select(incoming)}")
        first = con.execute(f"SELECT min({_FIRST_DAY}) FROM {incoming}").fetchall()[0][0]
        return Merged(total, 0, 0, 0, 0, pl.DataFrame(schema=REJECT_SCHEMA), first)
    near = {"low": low, "high": high}
    # newer: this file's (as-of, load) is at least the stored version's; the load id only grows, so
    # that is as-of >= stored as-of (an earlier sheet of this same file has no load_log row yet).
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE decided AS
        WITH pairs AS (
            SELECT i.dossier_code, i.source_row AS row_in, {_SAME} AS same,
                   {_RESOLVED.format(t="i")} AS resolved_in, {_RESOLVED.format(t="c")} AS resolved_stored,
                   c.load_id AS stored_load, c.source_file AS stored_file, c.finished_at AS stored_finished,
                   i.finished_at AS finished_in, g.as_of_at AS stored_as_of,
                   c.load_id = $load OR $as_of >= coalesce(g.as_of_at, TIMESTAMP '-infinity') AS newer
            FROM {incoming} i JOIN mart_dossiers c USING (dossier_code)
            LEFT JOIN load_log g ON g.load_id = c.load_id
            WHERE c.rowid BETWEEN $low AND $high
        )
        SELECT *, CASE WHEN $protect AND resolved_in <> resolved_stored THEN resolved_in ELSE newer END AS wins
        FROM pairs
    """, {"load": load_id, "as_of": as_of, "protect": protect, **near})
    # Only dossiers already stored are in `decided` (the others are new, and written as they are).
    [(updated,)] = con.execute("SELECT count(*) FILTER (wins AND NOT same) FROM decided").fetchall()
    replaced = "SELECT dossier_code FROM decided WHERE wins AND NOT same"
    replaced_stored = f"rowid BETWEEN $low AND $high AND dossier_code IN ({replaced})"
    # the versions written and the versions they replace (a provenance change alone changes no figure)
    first = con.execute(f"""
        SELECT least((SELECT min({_FIRST_DAY}) FROM {incoming} WHERE dossier_code NOT IN
                          (SELECT dossier_code FROM decided WHERE NOT wins OR same)),
                     (SELECT min({_FIRST_DAY}) FROM mart_dossiers WHERE {replaced_stored}))
    """, near).fetchall()[0][0]
    if updated:
        con.execute(f"INSERT INTO stg_dossier_superseded ({col_list}) SELECT {col_list} FROM mart_dossiers "
                    f"WHERE {replaced_stored}", near)
        con.execute(f"DELETE FROM mart_dossiers WHERE {replaced_stored}", near)
    written = (f"(SELECT * FROM {incoming} WHERE dossier_code NOT IN "
               "(SELECT dossier_code FROM decided WHERE NOT wins OR same))")
    con.execute(f"INSERT INTO mart_dossiers BY NAME {marts.dossier_select(written)}")
    con.execute(f"INSERT INTO stg_dossier_superseded ({col_list}) SELECT {col_list} FROM {incoming} "
                "WHERE dossier_code IN (SELECT dossier_code FROM decided WHERE NOT wins AND NOT same)")
    con.execute(f"""
        UPDATE mart_dossiers c SET load_id = i.load_id, source_file = i.source_file,
               source_sheet = i.source_sheet, source_row = i.source_row
        FROM {incoming} i
        WHERE c.dossier_code = i.dossier_code AND c.rowid BETWEEN $low AND $high
          AND c.dossier_code IN (SELECT dossier_code FROM decided WHERE same AND wins)
    """, near)
    notes = pl.from_arrow(con.sql("""
        SELECT row_in, dossier_code, stored_load, stored_file, stored_as_of, stored_finished, finished_in,
               CASE WHEN NOT wins AND NOT newer THEN 'stale_update' ELSE 'resolved_kept' END AS reason,
               wins
        FROM decided
        WHERE NOT same AND (NOT wins OR NOT newer)
        ORDER BY row_in
    """).to_arrow_table())
    con.execute("DROP TABLE decided")
    warnings = _merge_warnings(notes, as_of)
    stale = notes.filter(pl.col("reason") == "stale_update").height
    new = total - stored
    return Merged(new, updated, stored - updated, stale, notes.height - stale, warnings, first)


def _merge_warnings(notes: pl.DataFrame, as_of: datetime) -> pl.DataFrame:
    """One warning line per row that lost to a newer stored version, or where a resolved version
    was kept over a later unresolved one; the message names the file holding the other version."""
    messages, columns = [], []
    for r in notes.iter_rows(named=True):
        other = f"tệp «{r['stored_file']}» (lần nạp {r['stored_load']}, số liệu tính đến {_moment(r['stored_as_of'])})"
        if r["reason"] == "stale_update":
            columns.append("Mã hồ sơ")
            messages.append(
                f"Hồ sơ «{r['dossier_code']}»: tệp này có số liệu tính đến {_moment(as_of)}, cũ hơn {other} đang giữ "
                "trạng thái mới hơn của hồ sơ, nên giữ bản của tệp đó; bản trong tệp này vẫn được lưu vào lịch sử "
                "phiên bản. Nếu tệp này thật ra mới hơn, kiểm tra dòng tiêu đề «đến ngày …» của tệp.")
        elif r["wins"]:  # this file's resolved version beat a later unresolved one
            columns.append("Trạng thái")
            messages.append(
                f"Hồ sơ «{r['dossier_code']}»: {other} mới hơn nhưng ghi hồ sơ chưa có kết quả; tệp này ghi đã có "
                f"kết quả ngày {r['finished_in']:%d/%m/%Y}, nên giữ bản đã có kết quả (phần mềm không mở lại hồ sơ "
                "đã giải quyết). Nếu hồ sơ thật sự được xử lý lại, báo quản trị dữ liệu.")
        else:  # this later file shows unresolved a dossier stored as resolved
            columns.append("Trạng thái")
            messages.append(
                f"Hồ sơ «{r['dossier_code']}» trong tệp này chưa có kết quả, nhưng {other} đã ghi có kết quả ngày "
                f"{r['stored_finished']:%d/%m/%Y}: giữ bản đã có kết quả (phần mềm không mở lại hồ sơ đã giải quyết). "
                "Nếu hồ sơ thật sự được xử lý lại, báo quản trị dữ liệu.")
    return pl.DataFrame({
        "source_row": notes["row_in"].cast(pl.Int64), "severity": "warning",
        "reason_code": notes["reason"], "column_name": pl.Series(columns, dtype=pl.String), "raw_value": None,
        "message": pl.Series(messages, dtype=pl.String), "dossier_code": notes["dossier_code"], "raw_row": None,
    }, schema=REJECT_SCHEMA)


def _moment(at: datetime | None) -> str:
    if at is None:
        return "không rõ"
    return f"{at:%d/%m/%Y}" if at.time() == time(23, 59, 59) else f"{at:%d/%m/%Y %H:%M}"


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
        "(SELECT dossier_code FROM mart_dossiers) ORDER BY c._row").to_arrow_table())
    con.unregister("coded_frame")
    return pl.DataFrame({
        "source_row": unknown["_row"], "severity": "warning", "reason_code": "unknown_dossier",
        "column_name": "Mã hồ sơ", "raw_value": unknown["dossier_code"],
        "message": [f"Mã hồ sơ «{c}» chưa có trong dữ liệu hồ sơ đã nạp. Đánh giá vẫn được nạp và tính cho đơn vị, "
                    "nhưng chưa khớp hồ sơ: kiểm tra mã, hoặc nạp tệp hồ sơ có mã này (đánh giá sẽ tự khớp)."
                    for c in unknown["dossier_code"].to_list()],
        "dossier_code": unknown["dossier_code"], "raw_row": None,
    }, schema=REJECT_SCHEMA)


def _insert_rejects(con, rejects: pl.DataFrame, load_id: int, table: RawTable, into: str = "rejects") -> None:
    if rejects.height == 0:
        return
    frame = rejects.with_columns(load_id=pl.lit(load_id, pl.Int32), file_name=pl.lit(table.file),
                                 sheet=pl.lit(table.sheet, pl.String))
    con.register("rejects_frame", frame.to_arrow())
    cols = ", ".join(REJECTS.names())
    con.execute(f"INSERT INTO {into} ({cols}) SELECT {cols} FROM rejects_frame")
    con.unregister("rejects_frame")


def _insert_fields(con, new_fields: pl.DataFrame) -> None:
    if new_fields.height == 0:
        return
    con.register("fields_frame", new_fields.to_arrow())
    con.execute("INSERT INTO ref_fields_discovered SELECT field_code, field_name, now() FROM fields_frame "
                "WHERE field_code NOT IN (SELECT field_code FROM ref_fields_discovered)")
    con.unregister("fields_frame")


# --- schema and reference tables -----------------------------------------------------------------


class Schema(NamedTuple):
    created: bool  # a new database
    migrated: bool  # an earlier version's tables were rewritten: every mart row must be recomputed


def ensure_schema(con) -> Schema:
    """Create tables if absent, migrate a database made by an earlier version, and (re)write
    reference tables from config. Runs inside the load's transaction."""
    exists = _has_table(con, "load_log")
    migrated = _migrate(con) if exists else False
    for table in TABLES:
        con.execute(table.ddl())
    con.execute("CREATE TABLE IF NOT EXISTS ref_fields_discovered (field_code VARCHAR, field_name VARCHAR, "
                "first_seen_at TIMESTAMP)")
    con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR)")
    check_province(con, current().db)
    # References follow the installation's files on every write (a department added to departments.csv
    # is named on the pages after the next load, not only after a rebuild).
    _write_references(con)
    marts.ensure_tables(con)
    _set_meta(con, schema_version=SCHEMA_VERSION, province_code=str(province().code))
    if not con.execute("SELECT count(*) FROM mart_dossiers").fetchall()[0][0] and marts.needs_full(con):
        marts.stamp(con)  # nothing stored yet: every row the load writes follows today's rules
    return Schema(not exists, migrated)


def _set_meta(con, **values: str) -> None:
    for key, value in values.items():
        con.execute("DELETE FROM meta WHERE key = $k", {"k": key})
        con.execute("INSERT INTO meta VALUES ($k, $v)", {"k": key, "v": value})


def _has_table(con, name: str) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = $n", {"n": name}).fetchall()[0][0] > 0


def _columns(con, table: str) -> set[str]:
    """The columns `table` has in the database being written (not in one attached beside it)."""
    return {name for (name,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = $t "
                                            "AND database_name = current_database()", {"t": table}).fetchall()}


def _migrate(con) -> bool:
    """Schema version 1 kept every dossier version, the current one included, in the table
    stg_dossier_versions; version 2 keeps only superseded versions in stg_dossier_superseded
    and makes stg_dossier_versions a view over both. Version 3 adds load_log.as_of_at and
    as_of_source (see `_fill_as_of`). Version 4 keeps the current versions once, in mart_dossiers
    with their derived columns, instead of a table stg_dossier_current plus a copy in the mart:
    the stored columns move over and the derived ones are recomputed by the load's mart step.
    Version 5 drops the md5 `row_hash` of the dossier tables: the merge compares the business
    columns of the dossiers already stored instead (no hash of every row loaded, and about
    15% of the database file less); no figure depends on it, so nothing is recomputed.
    Tables added since (ratings, appraisal scores) are created empty by the DDL that follows.
    True when stored tables were rewritten."""
    migrated = False
    if _has_table(con, "stg_dossier_versions"):
        migrated = True
        # a version is the row a load read: its load and its place in the file
        con.execute("CREATE TABLE stg_dossier_superseded AS SELECT v.* FROM stg_dossier_versions v "
                    "ANTI JOIN stg_dossier_current c ON c.dossier_code = v.dossier_code AND c.load_id = v.load_id "
                    "AND c.source_sheet IS NOT DISTINCT FROM v.source_sheet "
                    "AND c.source_row IS NOT DISTINCT FROM v.source_row")
        con.execute("DROP TABLE stg_dossier_versions")
    have = _columns(con, "load_log")
    if "as_of_at" not in have:
        migrated = True
        for column in LOAD_LOG.columns:
            if column.name not in have:
                con.execute(f"ALTER TABLE load_log ADD COLUMN {column.name} {column.sql_type}")
        _fill_as_of(con)
    if _has_table(con, "stg_dossier_current"):
        migrated = True
        con.execute("DROP TABLE IF EXISTS mart_dossiers")
        con.execute(MART_DOSSIERS.ddl())
        stored = ", ".join(c.name for c in DOSSIER_COLUMNS)
        con.execute(f"INSERT INTO mart_dossiers ({stored}) SELECT {stored} FROM stg_dossier_current")
        con.execute("DROP TABLE stg_dossier_current")
        con.execute("DELETE FROM meta WHERE key = 'marts_rules'")  # derived columns: none yet, all recomputed
    for table in ("mart_dossiers", "stg_dossier_superseded"):
        if "row_hash" in _columns(con, table):
            con.execute(f"ALTER TABLE {table} DROP COLUMN row_hash")
    return migrated


def _fill_as_of(con) -> None:
    """As-of of loads made before version 3, by the rules of `file_as_of` from what was stored:
    the title's period end (period_to); else the latest event among the dossier versions the load
    wrote (rows it found unchanged were not stored, so this may be earlier than the file's); else
    the load time. Only later loads are ordered by it: the current versions stay as they are."""
    events = ", ".join(EVENT_COLUMNS["dossier"])
    con.execute(f"""
        UPDATE load_log l SET as_of_at = f.as_of_at, as_of_source = f.as_of_source
        FROM (
            SELECT l.load_id,
                   CASE WHEN t.title IS NOT NULL AND (e.latest IS NULL OR e.latest <= t.title) THEN t.title
                        WHEN e.latest IS NOT NULL THEN e.latest ELSE l.loaded_at END AS as_of_at,
                   CASE WHEN t.title IS NOT NULL AND (e.latest IS NULL OR e.latest <= t.title) THEN 'title'
                        WHEN e.latest IS NOT NULL THEN 'rows' ELSE 'load_time' END AS as_of_source
            FROM load_log l
            LEFT JOIN (SELECT load_id, CAST(period_to AS TIMESTAMP) + INTERVAL '23:59:59' AS title FROM load_log
                       WHERE CAST(period_to AS TIMESTAMP) + INTERVAL '23:59:59' <= loaded_at) t USING (load_id)
            LEFT JOIN (
                SELECT v.load_id, max(v.event_at) AS latest
                FROM (SELECT load_id, unnest([{events}]) AS event_at FROM stg_dossier_superseded
                      UNION ALL
                      SELECT load_id, unnest([{events}]) AS event_at FROM stg_dossier_current) v
                JOIN load_log g USING (load_id)
                WHERE v.event_at <= g.loaded_at
                GROUP BY v.load_id
            ) e USING (load_id)
        ) f
        WHERE l.load_id = f.load_id
    """)


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


def build_marts(con, since: int | None = None) -> bool:
    """The marts after a load: for what loads after load `since` touched, or every row when `since`
    is None or the rules the rows follow changed (etl/marts.py). True when every row was recomputed."""
    if since is None or marts.needs_full(con):
        marts.build_all(con)
        return True
    marts.update_since(con, since)
    return False
