"""The store's standby and the incremental marts: a load that starts from the standby caught up
gives exactly the file a full copy would; marts updated per load equal marts rebuilt whole;
a standby a reader still has open, or a published file written outside a load, is never used."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import core.store
import etl.load
from core.store import standby_path, version
from etl import marts
from etl.load import load_files
from etl.sync import catch_up
from queries.connection import open_database

ROOT = Path(__file__).resolve().parent.parent
HEADER = ("Mã hồ sơ,Lĩnh vực,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Ngày trả kết quả,Trạng thái,"
          "Hình thức nộp,Đánh giá\n")
UNITS = ("Phường Hải Châu", "Phường Thanh Khê", "Sở Tư pháp", "Xã Hòa Vang")
FIELDS = ("Hộ tịch", "Chứng thực", "Lý lịch tư pháp", "Đất đai")
RATED = ("Hài lòng", "Không hài lòng", "Rất hài lòng", "")


def _dossier_rows(prefix: str, numbers, state: str = "mixed") -> str:
    """Dossiers received in October 2026; 'finished', 'open', or 'mixed' (every third finished).
    A finished one carries a rating (of the dossier export) on three rows in four."""
    lines = []
    for i in numbers:
        day = 1 + i % 27
        finished = state == "finished" or (state == "mixed" and i % 3 == 0)
        done = (f"{min(day + 3, 28):02d}/10/2026 10:00,{min(day + 4, 28):02d}/10/2026 09:00,Đã trả kết quả"
                if finished else ",,Đang xử lý")
        rating = RATED[i % 4] if finished else ""
        lines.append(f"{prefix}{i:04d},{FIELDS[i % 4]},{UNITS[i % 4]},{day:02d}/10/2026 08:00,"
                     f"{min(day + 2, 28):02d}/10/2026,{done},{'Trực tuyến' if i % 2 else 'Trực tiếp'},{rating}\n")
    return "".join(lines)


def _titled(end: str, body: str) -> str:
    return f"(Từ ngày 01/10/2026 đến ngày {end})\n" + HEADER + body


RATINGS_1 = """\
Mã đánh giá,Mã hồ sơ,Đơn vị,Ngày đánh giá,Mức độ hài lòng,Thời gian giải quyết,Thái độ cán bộ,Ý kiến
R1,A0003,Phường Thanh Khê,30/10/2026 09:00,Không hài lòng,0,1,Chờ lâu
R2,ZZ-404,Phường Hải Châu,30/10/2026 10:00,Hài lòng,2,2,
R3,,Sở Tư pháp,30/10/2026 11:00,Rất hài lòng,2,2,Nhanh gọn
"""
# A rating export for A0006, which had its own rating in the dossier export: that one gives way;
# R3 again with another level (the same rating, changed).
RATINGS_2 = """\
Mã đánh giá,Mã hồ sơ,Đơn vị,Ngày đánh giá,Mức độ hài lòng,Thời gian giải quyết,Thái độ cán bộ,Ý kiến
R4,A0006,Phường Thanh Khê,31/10/2026 09:00,Hài lòng,2,1,Đã xử lý
R3,,Sở Tư pháp,30/10/2026 11:00,Hài lòng,2,1,Nhanh gọn
"""
SURVEY = """\
Mã phiếu,Đơn vị,Ngày khảo sát,Mã hồ sơ,Công chức có thái độ lịch sự khi tiếp nhận và giải quyết hồ sơ,Nhận được kết quả đúng hẹn
S1,Phường Hải Châu,29/10/2026,A0001,5,4
S2,Phường Thanh Khê,29/10/2026,,2,
"""
SURVEY_AGAIN = """\
Mã phiếu,Đơn vị,Ngày khảo sát,Mã hồ sơ,Công chức có thái độ lịch sự khi tiếp nhận và giải quyết hồ sơ,Nhận được kết quả đúng hẹn
S2,Phường Thanh Khê,29/10/2026,,3,3
S3,Xã Hòa Vang,30/10/2026,,4,5
"""
STORED_FINISHED = (1, 2, 4, 5, 7, 8, 10, 11)  # A-dossiers finished by cap_nhat_1 that were open before

# One base export, then small loads that touch every kind of row a load writes: new and changed
# dossiers, a rejected row, ratings (a rating export taking over a dossier's own rating, a rating
# changed, an unknown dossier), survey answers replaced, an older export loaded late (versions
# that lose), identical rows from a later file (provenance only), a later file showing finished
# dossiers open (kept resolved).
SEQUENCE = [
    ("base.csv", _titled("20/10/2026", _dossier_rows("A", range(300)))),
    ("cap_nhat_1.csv", _titled("25/10/2026", _dossier_rows("A", range(12), "finished")
                              + _dossier_rows("B", range(5), "open")
                              + "B9999,Hộ tịch,Phường Hải Châu,32/10/2026,,,,Đang xử lý,,\n")),
    ("danh_gia_1.csv", RATINGS_1),
    ("khao_sat_1.csv", SURVEY),
    ("cu_nap_muon.csv", _titled("15/10/2026", _dossier_rows("A", STORED_FINISHED, "open")
                               + _dossier_rows("C", range(3)))),
    ("lap_lai.csv", _titled("27/10/2026", _dossier_rows("A", range(6), "finished"))),
    ("danh_gia_2.csv", RATINGS_2),
    ("khao_sat_2.csv", SURVEY_AGAIN),
    ("mo_lai.csv", _titled("28/10/2026", _dossier_rows("B", range(5), "finished")
                          + _dossier_rows("A", range(100, 104), "open"))),
    # Only new dossiers, some with their own rating: the ratings mart gains their rows and loses none.
    ("moi.csv", _titled("29/10/2026", _dossier_rows("D", range(8)))),
    # Only a new dossier, but the one rating R2 named before it existed: R2's row is recomputed (linked).
    ("moi_da_danh_gia.csv", _titled("29/10/2026", "ZZ-404,Hộ tịch,Phường Hải Châu,02/10/2026 08:00,04/10/2026,"
                                                  "03/10/2026 10:00,03/10/2026 11:00,Đã trả kết quả,Trực tuyến,\n")),
]


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _tables(con, catalog: str) -> list[str]:
    return [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = $d "
                                      "AND schema_name = 'main' ORDER BY 1", {"d": catalog}).fetchall()]


def _differences(con, mine: str, theirs: str, tables: list[str]) -> dict[str, int]:
    """Rows that are in one catalog's table and not the other's (duplicates counted)."""
    out = {}
    for t in tables:
        n = con.execute(f"SELECT (SELECT count(*) FROM (SELECT * FROM {mine}.main.{t} EXCEPT ALL "
                        f"SELECT * FROM {theirs}.main.{t})) + (SELECT count(*) FROM (SELECT * FROM "
                        f"{theirs}.main.{t} EXCEPT ALL SELECT * FROM {mine}.main.{t}))").fetchall()[0][0]
        if n:
            out[t] = n
    return out


def _caught_up_copy(db: Path, folder: Path) -> Path:
    """What the next load does first: the standby, caught up to the published file (a copy of it,
    so the standby itself stays for the next load)."""
    copy = folder / "standby_copy.duckdb"
    copy.unlink(missing_ok=True)
    shutil.copyfile(standby_path(db), copy)
    con = duckdb.connect(str(copy))
    try:
        core.store._catch_up(con, db, catch_up)
    finally:
        con.close()
    return copy


@pytest.fixture(scope="module")
def sequence(tmp_path_factory) -> dict:
    """Each export of SEQUENCE loaded on its own; after each, the standby caught up compared with the
    published file, table by table, row by row."""
    folder = tmp_path_factory.mktemp("store")
    db = folder / "db" / "cchc.duckdb"
    how, differences, reports = [], [], []
    original = core.store._prepare

    def watch(*args):
        prepared = original(*args)
        how.append(prepared[1])
        return prepared

    core.store._prepare = watch
    share, etl.load.LARGE_SHARE = etl.load.LARGE_SHARE, 1.0  # every load after the first replays onto the standby
    try:
        for name, text in SEQUENCE:
            [report] = load_files([_write(folder, name, text)], db)
            reports.append(report)
            copy = _caught_up_copy(db, folder)
            with duckdb.connect(":memory:") as con:
                con.execute(f"ATTACH '{copy}' AS standby (READ_ONLY)")
                con.execute(f"ATTACH '{db}' AS published (READ_ONLY)")
                tables = _tables(con, "published")
                assert _tables(con, "standby") == tables
                differences.append(_differences(con, "standby", "published", tables))
    finally:
        core.store._prepare = original
        etl.load.LARGE_SHARE = share
    return {"db": db, "folder": folder, "how": how, "differences": differences, "reports": reports}


def test_every_load_after_the_first_starts_from_the_standby(sequence):
    assert [r.status for r in sequence["reports"]] == ["loaded"] * len(SEQUENCE), \
        [r.summary() for r in sequence["reports"]]
    assert sequence["how"] == ["new"] + ["standby"] * (len(SEQUENCE) - 1)


def test_the_standby_caught_up_is_the_published_file_row_for_row(sequence):
    assert sequence["differences"] == [{}] * len(SEQUENCE)


def test_the_sequence_wrote_every_kind_of_row(sequence):
    """The comparison above is only worth the rows the loads wrote: each kind is there."""
    reports = {r.file: r for r in sequence["reports"]}
    # A0..A11 finished: the eight that were open change, A0, A3, A6, A9 (finished in the base) repeat.
    assert (reports["cap_nhat_1.csv"].rows_updated, reports["cap_nhat_1.csv"].rows_unchanged) == (8, 4)
    assert (reports["cap_nhat_1.csv"].rows_new, reports["cap_nhat_1.csv"].rows_rejected) == (5, 1)
    assert reports["cu_nap_muon.csv"].stale_rows == 8 and reports["cu_nap_muon.csv"].rows_new == 3
    assert reports["lap_lai.csv"].rows_unchanged == 6  # provenance only
    assert reports["danh_gia_1.csv"].unlinked_ratings == 1
    # B0..B4 finished; A102 (finished in the base) shown open: kept resolved.
    assert (reports["mo_lai.csv"].rows_updated, reports["mo_lai.csv"].kept_resolved) == (5, 1)
    for name, new in (("moi.csv", 8), ("moi_da_danh_gia.csv", 1)):
        assert (reports[name].rows_new, reports[name].rows_updated, reports[name].rows_unchanged) == (new, 0, 0)
    con = open_database(sequence["db"])
    try:
        got = con.execute("""
            SELECT (SELECT count(*) FROM stg_dossier_superseded),
                   (SELECT count(*) FROM ratings WHERE source = 'rating_export'),
                   (SELECT count(*) FROM rating_criteria), (SELECT count(*) FROM survey_answers),
                   (SELECT list(source ORDER BY source) FROM ratings WHERE dossier_code = 'A0006'),
                   (SELECT source_file FROM dossiers WHERE dossier_code = 'A0001'),
                   (SELECT list(is_linked) FROM ratings WHERE rating_id = 'R2'),
                   (SELECT count(*) FROM ratings WHERE dossier_code LIKE 'D%')
        """).fetchall()[0]
    finally:
        con.close()
    # S2 answered again: its two answers replace its first one (S1, S2, S3: two each).
    # D0, D3, D6 finished: D0 and D6 rated (D3's rating cell is empty); R2 now names a stored dossier.
    assert got == (8 + 8 + 5 + 1, 4, 8, 2 + 2 + 2, ["rating_export"], "lap_lai.csv", [True], 2)


def test_marts_updated_per_load_equal_marts_rebuilt_whole(sequence):
    rebuilt = sequence["folder"] / "rebuilt.duckdb"
    shutil.copyfile(sequence["db"], rebuilt)
    with duckdb.connect(str(rebuilt)) as con:
        etl.load.use(sequence["db"])
        marts.build_all(con)
    with duckdb.connect(":memory:") as con:
        con.execute(f"ATTACH '{rebuilt}' AS rebuilt (READ_ONLY)")
        con.execute(f"ATTACH '{sequence['db']}' AS loaded (READ_ONLY)")
        assert _differences(con, "rebuilt", "loaded", ["mart_dossiers", "mart_ratings"]) == {}
        assert con.execute("SELECT count(*) FROM loaded.main.mart_ratings").fetchall()[0][0] > 50


# --- a standby that must not be used ---------------------------------------------------------------------


def _small_export(folder: Path, prefix: str, n: int = 5) -> Path:
    return _write(folder, f"{prefix}.csv", _titled("26/10/2026", _dossier_rows(prefix, range(n), "open")))


@pytest.fixture
def published(tmp_path) -> Path:
    """A database of 300 dossiers loaded, then 5 more: its standby is the first state."""
    db = tmp_path / "db" / "cchc.duckdb"
    load_files([_write(tmp_path, "base.csv", SEQUENCE[0][1])], db)
    load_files([_small_export(tmp_path, "E")], db)
    return db


def _prepared_by_next_load(db: Path, export: Path) -> str:
    how = []
    original = core.store._prepare

    def watch(*args):
        prepared = original(*args)
        how.append(prepared[1])
        return prepared

    core.store._prepare = watch
    try:
        [report] = load_files([export], db)
    finally:
        core.store._prepare = original
    assert report.status == "loaded", report.summary()
    return how[0]


def _count(db: Path) -> int:
    con = open_database(db)
    try:
        return con.execute("SELECT count(*) FROM dossiers").fetchall()[0][0]
    finally:
        con.close()


def test_a_reader_in_this_process_keeps_its_version_and_the_load_copies(published, tmp_path):
    """The app's cached connection on the file published one load ago is a reader of the standby's
    file: the load must not write into it (file locks do not separate a process from itself)."""
    reader = duckdb.connect(":memory:")
    reader.execute(f"ATTACH '{standby_path(published)}' AS r (READ_ONLY)")  # the standby's name: the same file
    before = reader.execute("SELECT count(*), sum(hash(m)) FROM r.mart_dossiers m").fetchall()
    assert _prepared_by_next_load(published, _small_export(tmp_path, "F")) == "copy"
    assert reader.execute("SELECT count(*), sum(hash(m)) FROM r.mart_dossiers m").fetchall() == before
    reader.close()
    assert _count(published) == 310
    assert _prepared_by_next_load(published, _small_export(tmp_path, "G")) == "standby"
    assert _count(published) == 315


READER = """
import sys, time, duckdb
con = duckdb.connect(":memory:")
con.execute(f"ATTACH '{sys.argv[1]}' AS r (READ_ONLY)")
print(con.execute("SELECT count(*) FROM r.mart_dossiers").fetchall()[0][0], flush=True)
time.sleep(float(sys.argv[2]))
print(con.execute("SELECT count(*) FROM r.mart_dossiers").fetchall()[0][0], flush=True)
"""


@pytest.mark.parametrize("holds, expected", [(30, "copy"), (0.5, "standby")])
def test_a_reader_in_another_process_holding_the_standby(published, tmp_path, monkeypatch, holds, expected):
    """A reader elsewhere keeps a shared lock on the file it opened: the load waits a little for it
    (STANDBY_WAIT_SECONDS), then copies the published file rather than wait for good."""
    monkeypatch.setattr(core.store, "STANDBY_WAIT_SECONDS", 2.0)
    proc = subprocess.Popen([sys.executable, "-c", READER, str(standby_path(published)), str(holds)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "300"
        started = time.monotonic()
        assert _prepared_by_next_load(published, _small_export(tmp_path, "H")) == expected
        assert time.monotonic() - started < 20
    finally:
        if holds > 5:
            proc.kill()
        out, _ = proc.communicate(timeout=60)
    if holds < 5:
        assert out.strip() == "300"  # it read its version to the end
    assert _count(published) == 310


def test_a_published_file_written_outside_a_load_keeps_that_write(published, tmp_path):
    """Someone opened the published file read-write with a DuckDB client: the standby no longer
    follows it, so the next load copies, and the change stays."""
    with duckdb.connect(str(published)) as con:
        con.execute("UPDATE mart_dossiers SET officer_name = 'Sửa tay' WHERE dossier_code = 'A0007'")
    assert _prepared_by_next_load(published, _small_export(tmp_path, "J")) == "copy"
    con = open_database(published)
    try:
        assert con.execute("SELECT officer_name FROM dossiers WHERE dossier_code = 'A0007'").fetchall() == [("Sửa tay",)]
    finally:
        con.close()


def test_a_standby_with_other_row_counts_is_dropped(published, tmp_path):
    """The last check before a caught-up standby is used: every table has the published file's
    row count. A standby damaged some other way (here: a row deleted) fails it, and the load copies."""
    with duckdb.connect(str(standby_path(published))) as con:
        con.execute("DELETE FROM rejects")
        con.execute("DELETE FROM mart_dossiers WHERE dossier_code = 'A0001'")
    assert _prepared_by_next_load(published, _small_export(tmp_path, "K")) == "copy"
    assert _count(published) == 310


def test_nothing_to_load_keeps_the_file_and_leaves_a_standby(tmp_path):
    """A session that changes nothing publishes nothing, and keeps its caught-up work file as the
    standby (the next load starts from it)."""
    db = tmp_path / "db" / "cchc.duckdb"
    base = _write(tmp_path, "base.csv", SEQUENCE[0][1])
    load_files([base], db)
    standby_path(db).unlink()
    before = (version(db), hashlib.sha256(db.read_bytes()).hexdigest())
    [report] = load_files([base], db)
    assert report.status == "already_loaded"
    assert (version(db), hashlib.sha256(db.read_bytes()).hexdigest()) == before
    assert standby_path(db).exists()
    assert _prepared_by_next_load(db, _small_export(tmp_path, "L")) == "standby"
