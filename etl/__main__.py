"""ETL command line for the office's IT staff: init, load, demo, status, rejects, rebuild, report, alerts, appraisal."""
from __future__ import annotations

import argparse
import signal
import sys
import time
from datetime import date
from pathlib import Path

from core.installation import ConfigError, use
from core.settings import SettingsError
from core.store import db_path
from etl.errors import EtlError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description="Nạp tệp xuất hồ sơ TTHC vào cơ sở dữ liệu.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_init = sub.add_parser("init", help="tạo bản cài đặt cho một tỉnh, thành phố (thư mục thiết lập cạnh cơ sở dữ liệu)")
    p_init.add_argument("--province", default=None, metavar="MÃ_HOẶC_TÊN",
                        help="mã (40) hoặc tên tỉnh, thành phố (Nghệ An, Nghe An, Tỉnh Nghệ An)")
    p_init.add_argument("--list", action="store_true", help="liệt kê 34 tỉnh, thành phố và mã")
    p_load = sub.add_parser("load", help="nạp một hoặc nhiều tệp xuất (xlsx, xls, csv)")
    p_load.add_argument("files", nargs="+", type=Path)
    p_demo = sub.add_parser("demo", help="dựng lại cơ sở dữ liệu mẫu (Thành phố Đà Nẵng)")
    p_demo.add_argument("--if-missing", action="store_true", help="chỉ dựng khi chưa có cơ sở dữ liệu")
    p_demo.add_argument("--scale", type=float, default=1.0, help="tỷ lệ khối lượng (1.0 ≈ 400.000 hồ sơ)")
    p_demo.add_argument("--today", type=date.fromisoformat, default=None, help="ngày cuối của dữ liệu mẫu")
    p_demo.add_argument("--seed", type=int, default=2025)
    sub.add_parser("status", help="dữ liệu đã nạp: khoảng ngày, lần nạp gần nhất, số hồ sơ theo đơn vị")
    p_rej = sub.add_parser("rejects", help="các dòng bị loại và lý do")
    p_rej.add_argument("--load", type=int, default=None, help="chỉ lần nạp này")
    p_rej.add_argument("--limit", type=int, default=50)
    p_pq = sub.add_parser("export-parquet", help="xuất các bảng phân tích ra Parquet phân vùng theo tỉnh/năm/tháng")
    p_pq.add_argument("folder", type=Path, help="thư mục đích (nhiều tỉnh có thể dùng chung)")
    p_pq.add_argument("--personal-data", action="store_true",
                      help="kèm họ tên, địa chỉ, điện thoại, số giấy tờ của người nộp (mặc định: bỏ)")
    p_reb = sub.add_parser("rebuild", help="dựng lại bảng tham chiếu và tổng hợp sau khi sửa cấu hình")
    p_reb.add_argument("--if-outdated", action="store_true",
                       help="chỉ dựng lại khi cơ sở dữ liệu được tạo bởi phiên bản cũ hơn của phần mềm")
    p_rep = sub.add_parser("report", help="xuất báo cáo: Biểu số 06 (.xlsx, .csv) hoặc báo cáo giao ban, định kỳ (.docx, .pdf)")
    p_rep.add_argument("form", choices=["form06", "briefing"],
                       help="form06: Biểu số 06, tình hình, kết quả giải quyết TTHC; briefing: báo cáo giao ban "
                            "tuần (--week) hoặc báo cáo CCHC quý, năm (--quarter, --year)")
    p_rep.add_argument("--from", dest="start", type=date.fromisoformat, help="từ ngày (YYYY-MM-DD)")
    p_rep.add_argument("--to", dest="end", type=date.fromisoformat, help="đến ngày (YYYY-MM-DD)")
    p_rep.add_argument("--week", default=None, metavar="2026-W47", help="tuần ISO (thứ Hai – Chủ nhật)")
    p_rep.add_argument("--quarter", default=None, metavar="2026-Q4",
                       help="quý: kỳ báo cáo chốt ngày 14 (15/9 – 14/12 cho quý IV, Nghị định 09/2019/NĐ-CP); "
                            "thêm --calendar để lấy quý dương lịch")
    p_rep.add_argument("--year", type=int, default=None, metavar="2026",
                       help="năm: kỳ báo cáo 15/12 năm trước – 14/12; thêm --calendar để lấy 01/01 – 31/12")
    p_rep.add_argument("--calendar", action="store_true", help="quý, năm dương lịch thay cho kỳ báo cáo chốt ngày 14")
    p_rep.add_argument("--today", type=date.fromisoformat, default=None,
                       help="ngày tính hồ sơ quá hạn hiện nay và ngày ghi trên báo cáo (mặc định $CCHC_TODAY hoặc hôm nay)")
    p_rep.add_argument("--unit", action="append", default=[], metavar="MÃ",
                       help="mã đơn vị (lặp lại được); mặc định toàn tỉnh")
    p_rep.add_argument("--out", type=Path, required=True,
                       help="tệp kết quả: form06 .xlsx (theo mẫu) hoặc .csv; briefing .docx hoặc .pdf")
    p_alt = sub.add_parser("alerts", help="cảnh báo «Cần xử lý» (quy tắc trong alerts.toml); --send gửi bản tin qua thư")
    p_alt.add_argument("--week", default=None, metavar="2026-W47",
                       help="tuần tính các tỷ lệ (mặc định tuần đã kết thúc gần nhất)")
    p_alt.add_argument("--today", type=date.fromisoformat, default=None,
                       help="ngày tính hồ sơ quá hạn, sắp đến hạn (mặc định $CCHC_TODAY hoặc hôm nay)")
    p_alt.add_argument("--unit", action="append", default=[], metavar="MÃ", help="mã đơn vị; mặc định toàn tỉnh")
    p_alt.add_argument("--send", action="store_true", help="gửi bản tin tới người nhận trong settings.toml [mail]")
    p_plan = sub.add_parser("plan", help="nhập kế hoạch CCHC của năm từ bảng tính (.xlsx); nhập lại thì thay cả năm")
    p_plan.add_argument("file", type=Path)
    p_plan.add_argument("--year", type=int, required=True, help="năm của kế hoạch, ví dụ 2026")
    p_app = sub.add_parser("appraisal", help="nhập điểm thẩm định thi đua CCHC từ bảng tính (.xlsx)")
    p_app.add_argument("file", type=Path)
    p_app.add_argument("--scheme", default="chi_so_cchc_xa_vi_du",
                       help="mã bộ tiêu chí (tệp scoring/schemes/<mã>.toml) hoặc đường dẫn tệp .toml")
    p_app.add_argument("--period", default=None,
                       help="kỳ: 2026 (năm), 2026-Q3 (quý), 2026-05 (tháng); mặc định lấy theo cột «Kỳ» của tệp")
    for p in sub.choices.values():
        p.add_argument("--db", default=None, help="đường dẫn tệp DuckDB (mặc định data/cchc.duckdb hoặc $CCHC_DB)")
    args = parser.parse_args(argv)
    db = db_path(args.db)
    use(db)  # the installation: the settings folder beside this database (core.installation)
    try:
        return COMMANDS[args.command](args, db)
    except (EtlError, ConfigError, SettingsError) as exc:
        print(str(exc), file=sys.stderr)
        return 2


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_load(args, db: Path) -> int:
    """Exit 1 when a file failed or loaded nothing (every row rejected); a file skipped as
    already loaded is not a failure."""
    from etl.upload import load_paths, loaded_nothing, nothing_loaded_message

    started = time.perf_counter()
    # The same size, type and content checks as an upload on the data desk page.
    reports = load_paths(list(args.files), db, progress=lambda share, msg: share < 1 and _progress(msg))
    for report in reports:
        print(report.summary())
        for warning in report.warnings:
            print(f"    cảnh báo: {warning}")
    _audit_loads(reports)
    failed = [r for r in reports if r.status == "failed"]
    empty = [r for r in reports if loaded_nothing(r)]
    for report in empty:
        print(nothing_loaded_message(report))
    print(f"Xong trong {time.perf_counter() - started:.1f} giây. Cơ sở dữ liệu: {db}")
    if any(r.rows_rejected for r in reports):
        print("Xem các dòng bị loại: python -m etl rejects")
    return 1 if failed or empty else 0


def _audit_loads(reports) -> None:
    """Who loaded which file, in the access audit log (the data is loaded either way)."""
    import getpass

    from access import audit

    try:
        for report in reports:
            audit.record("load_file", getpass.getuser(), "cli", None, audit.load_detail(report), "cli")
    except audit.AuditError as error:
        print(f"cảnh báo: {error}", file=sys.stderr)


def cmd_demo(args, db: Path) -> int:
    from etl.demo_build import build_demo

    if args.if_missing and db.exists():
        print(f"Đã có cơ sở dữ liệu {db}; bỏ qua dựng dữ liệu mẫu.")
        return 0
    reports = build_demo(db, today=args.today, seed=args.seed, scale=args.scale, progress=_progress)
    failed = [r for r in reports if r.status == "failed"]
    for r in failed:
        print(r.summary())
    return 1 if failed else 0


def cmd_status(args, db: Path) -> int:
    from queries.connection import open_database
    from queries.filters import Scope
    from queries.status import database_summary, unit_counts

    con = open_database(db)
    if con is None:
        print(f"Chưa có cơ sở dữ liệu tại {db}. Chạy: python -m etl demo  hoặc  python -m etl load TỆP…")
        return 1
    s = database_summary(con, Scope.province())  # IT staff on the server: the whole province
    print(f"Cơ sở dữ liệu: {db}")
    print(f"Hồ sơ: {s.dossiers:,} · phiếu khảo sát: {s.survey_responses:,} · dòng bị loại: {s.rejects:,}".replace(",", "."))
    if s.first_received:
        print(f"Ngày tiếp nhận từ {s.first_received:%d/%m/%Y} đến {s.last_received:%d/%m/%Y}")
    if s.last_load_at:
        print(f"Lần nạp gần nhất: {s.last_load_at:%d/%m/%Y %H:%M} ({s.loads} tệp đã nạp)")
    print()
    print(f"{'Mã':<12} {'Đơn vị':<42} {'Hồ sơ':>9} {'Tiếp nhận gần nhất':>19}")
    for row in unit_counts(con, Scope.province(), date.today()).iter_rows(named=True):
        last = row["last_received"].strftime("%d/%m/%Y") if row["last_received"] else "—"
        print(f"{row['unit_code']:<12} {row['unit_name'][:42]:<42} {row['dossiers']:>9,} {last:>19}".replace(",", "."))
    return 0


def cmd_rejects(args, db: Path) -> int:
    from queries.connection import open_database
    from queries.filters import Scope
    from queries.status import rejects

    con = open_database(db)
    if con is None:
        print(f"Chưa có cơ sở dữ liệu tại {db}.")
        return 1
    frame = rejects(con, Scope.province(), load_id=args.load, limit=args.limit)  # IT staff: every unit
    if frame.height == 0:
        print("Không có dòng nào bị loại.")
        return 0
    for r in frame.iter_rows(named=True):
        where = f"{r['file_name']}" + (f" [{r['sheet']}]" if r["sheet"] else "") + f" dòng {r['source_row']}"
        level = "LOẠI" if r["severity"] == "error" else "CẢNH BÁO"
        print(f"{level:<8} {where}: {r['message']}" + (f" (cột «{r['column_name']}»)" if r["column_name"] else ""))
    return 0


def cmd_init(args, db: Path) -> int:
    from core.units import all_provinces
    from etl.install import init

    if args.list or not args.province:
        for p in all_provinces():
            print(f"{p.code:>3}  {p.full_name}")
        return 0 if args.list else 2
    report = init(db, args.province)
    print(init_summary(report, db))
    return 0


def init_summary(report, db: Path) -> str:
    from core.installation import FILES

    p = report.province
    lines = [f"Bản cài đặt cho {p.full_name} (mã {p.code}): {report.communes} xã, phường, đặc khu theo danh mục "
             f"sau sắp xếp (01/7/2025) và {report.departments} sở, ngành, chi nhánh.",
             f"Thư mục thiết lập: {report.folder}"]
    for name in report.written:
        what = FILES[name].what if name in FILES else "hướng dẫn các tệp thiết lập"
        lines.append(f"  đã tạo      {name:<24} {what}")
    for name in report.kept:
        lines.append(f"  giữ nguyên  {name:<24} (đã có, không ghi đè)")
    lines += [
        "Việc tiếp theo:",
        f"  1. Xem lại {report.folder / 'departments.csv'}: đã điền sẵn các sở, ngành thường có sau sắp xếp; sửa tên,",
        "     thêm chi nhánh, cơ quan ngành dọc, ghi tên khác mà tệp xuất hay dùng ở cột «Tên khác» (cách nhau bởi |).",
        "  2. Ngày nghỉ bù, làm bù do tỉnh quyết định: calendar_overrides.csv; thủ tục riêng của tỉnh: procedures.csv;",
        "     thiết lập (giờ làm việc, ngưỡng, mục tiêu): settings.toml. Đọc README.txt trong thư mục này.",
        f"  3. Nạp tệp xuất:  python -m etl load --db {db} tệp_xuất/*.xlsx",
        f"  4. Mở bảng điều hành:  CCHC_DB={db} python3 dev.py app",
    ]
    return "\n".join(lines)


def cmd_export_parquet(args, db: Path) -> int:
    from etl.parquet import export_parquet

    started = time.perf_counter()
    report = export_parquet(db, args.folder, personal_data=args.personal_data)
    print(report.summary() + f" Xong trong {time.perf_counter() - started:.1f} giây.")
    return 0


def cmd_rebuild(args, db: Path) -> int:
    from etl.load import is_outdated, rebuild

    if args.if_outdated and not is_outdated(db):
        return 0
    rebuild(db)
    print(f"Đã dựng lại bảng tham chiếu và tổng hợp: {db}")
    return 0


def cmd_report(args, db: Path) -> int:
    """Biểu số 06 or the briefing document for the whole province (IT staff see every unit) or the units given."""
    from queries.filters import Filters, Scope

    suffixes = {"form06": (".xlsx", ".csv"), "briefing": (".docx", ".pdf")}[args.form]
    if args.out.suffix.lower() not in suffixes:
        print(f"Tệp kết quả «{args.out}» phải có đuôi {' hoặc '.join(suffixes)}.", file=sys.stderr)
        return 2
    try:
        period = report_period(args)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    con, failed = _report_database(db, args.unit)
    if con is None:
        return failed
    started = time.perf_counter()
    # Biểu số 06 of a running period judges in-progress dossiers at its end unless --today is given (as
    # before); the briefing's "overdue now" always needs a today.
    as_of = args.today or (_today() if args.form == "briefing" else None)
    filters = Filters(Scope.province(), period.start, period.end, unit_codes=frozenset(args.unit), as_of=as_of)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.form == "form06":
        from queries.form06 import form06
        from reports.form06 import write_form06

        report = form06(con, filters)
        path = write_form06(report, args.out)
        print(_form06_summary(report))
    else:
        from ui.briefing_document import make_document

        args.out.write_bytes(make_document(con, filters, period, args.out.suffix.lower()))
        path = args.out
        print(f"Báo cáo {period.label()} — {'toàn tỉnh' if not args.unit else ', '.join(args.unit)}; "
              f"hồ sơ quá hạn tính đến ngày {filters.as_of:%d/%m/%Y}.")
    print(f"Đã ghi {path.resolve()} trong {time.perf_counter() - started:.1f} giây.")
    return 0


def _today() -> date:
    """$CCHC_TODAY (ISO date, as the app reads it) or the real date."""
    import os

    pinned = os.environ.get("CCHC_TODAY")
    return date.fromisoformat(pinned) if pinned else date.today()


def report_period(args):
    """The period of --week, --quarter, --year or --from/--to (exactly one way); ValueError says what is wrong."""
    import re

    from queries.periods import Period, period_containing

    given = [name for name, value in (("--week", args.week), ("--quarter", args.quarter), ("--year", args.year),
                                      ("--from/--to", args.start or args.end)) if value]
    if len(given) != 1:
        raise ValueError("Chọn đúng một kỳ: --week 2026-W47, --quarter 2026-Q4, --year 2026 hoặc --from … --to …"
                         + (f" (đang có: {', '.join(given)})." if given else "."))
    if args.week:
        match = re.fullmatch(r"(\d{4})-?W(\d{1,2})", args.week.strip(), flags=re.IGNORECASE)
        try:
            monday = date.fromisocalendar(int(match[1]), int(match[2]), 1) if match else None
        except ValueError:
            monday = None
        if monday is None:
            raise ValueError(f"Tuần «{args.week}» không hợp lệ; ghi dạng 2026-W47 (tuần ISO, 1–53).")
        return period_containing("week", monday)
    if args.quarter:
        match = re.fullmatch(r"(\d{4})-?Q([1-4])", args.quarter.strip(), flags=re.IGNORECASE)
        if not match:
            raise ValueError(f"Quý «{args.quarter}» không hợp lệ; ghi dạng 2026-Q4.")
        year, quarter = int(match[1]), int(match[2])
        if args.calendar:
            return period_containing("quarter", date(year, 3 * quarter - 2, 1))
        return period_containing("report_quarter", date(year, 3 * quarter, 14))
    if args.year:
        return period_containing("year", date(args.year, 1, 1)) if args.calendar else \
            period_containing("report_year", date(args.year, 12, 14))
    if not (args.start and args.end):
        raise ValueError("Cần cả --from và --to (YYYY-MM-DD).")
    if args.end < args.start:
        raise ValueError(f"Ngày kết thúc {args.end:%d/%m/%Y} trước ngày bắt đầu {args.start:%d/%m/%Y}.")
    return Period("custom", args.start, args.end)


def _form06_summary(report) -> str:
    t = {key: f"{value:,}".replace(",", ".") for key, value in report.total.items() if isinstance(value, int)}
    scope = "toàn tỉnh" if report.whole_province else ", ".join(report.unit_names)
    bad = report.unbalanced
    return "\n".join([
        f"Biểu số 06 — từ {report.period.start:%d/%m/%Y} đến {report.period.end:%d/%m/%Y} — {scope}",
        f"  Nhận giải quyết: {t['received_total']} (trực tuyến {t['received_online']}, "
        f"trực tiếp/bưu chính {t['received_direct']}, từ kỳ trước {t['carried_over']})",
        f"  Đã giải quyết:   {t['resolved_total']} (trước hạn {t['resolved_early']}, "
        f"đúng hạn {t['resolved_on_time']}, quá hạn {t['resolved_late']})",
        f"  Đang giải quyết: {t['pending_total']} (trong hạn {t['pending_within']}, quá hạn {t['pending_overdue']})",
        f"  Rút, dừng xử lý, không tiếp nhận: {t['withdrawn_stopped_refused']}",
        "  Cân đối: đúng ở mọi dòng" if bad.height == 0
        else f"  Cân đối: LỆCH ở {bad.height} dòng: " + "; ".join(bad["field_name"].to_list()),
    ])


def _report_database(db: Path, units: list[str]):
    """(read-only connection, None), or (None, exit code) after saying why: no database yet (1), or a
    unit code not in the directory (2). IT staff on the server see every unit."""
    from queries.connection import open_database
    from queries.filters import Scope
    from queries.form06 import missing_unit_codes

    con = open_database(db)
    if con is None:
        print(f"Chưa có cơ sở dữ liệu tại {db}. Chạy: python -m etl demo  hoặc  python -m etl load TỆP…",
              file=sys.stderr)
        return None, 1
    unknown = missing_unit_codes(con, Scope.province(), units)
    if unknown:
        con.close()
        print(f"Không có đơn vị mã: {', '.join(unknown)}. Xem danh sách mã đơn vị: python -m etl status",
              file=sys.stderr)
        return None, 2
    return con, None


def cmd_appraisal(args, db: Path) -> int:
    """Appraised scores of the emulation contest; every rejected cell printed by row, unit, criterion."""
    from etl.appraisal import import_appraisal, period_of_file
    from etl.errors import EtlError
    from scoring.scheme import SchemeError, load_scheme

    try:
        scheme = load_scheme(args.scheme)
    except SchemeError as exc:
        print("\n".join([str(exc).split(":")[0] + ":", *("  - " + p for p in exc.problems)]), file=sys.stderr)
        return 2
    if not args.file.exists():
        print(f"Không có tệp «{args.file}».", file=sys.stderr)
        return 2
    try:
        period = args.period or period_of_file(args.file.read_bytes(), args.file.name)
        report = import_appraisal(args.file, db, scheme, period)
    except EtlError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(report.summary())
    for warning in report.warnings:
        print(f"    cảnh báo: {warning}")
    for reject in report.rejects:
        print(f"    LOẠI {reject.message}")
    return 0


def cmd_alerts(args, db: Path) -> int:
    """Evaluate the alert rules for the whole province (or the units given); print the digest, mail it with --send."""
    from core.settings import settings
    from queries.alerts import evaluate
    from queries.briefing_figures import briefing_figures
    from queries.filters import Filters, Scope
    from queries.periods import last_complete
    from reports.digest import MailError, digest_message, digest_text, send
    from ui.briefing_document import narrative

    today = args.today or _today()
    try:
        period = report_period(_only_week(args)) if args.week else last_complete("week", today)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    con, failed = _report_database(db, args.unit)
    if con is None:
        return failed
    filters = Filters(Scope.province(), period.start, period.end, unit_codes=frozenset(args.unit), as_of=today)
    alerts = evaluate(con, filters)
    fig = briefing_figures(con, filters, period)
    summary = narrative(fig)
    print(digest_text(alerts, period, today, fig.where, summary), end="")
    if not args.send:
        return 0
    conf = settings().mail
    try:
        send(conf, digest_message(conf, alerts, period, today, fig.where, summary))
    except MailError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"Đã gửi bản tin tới {', '.join(conf.recipient_list)}.")
    return 0


def _only_week(args):
    """The report_period arguments for a --week alone."""
    import argparse

    return argparse.Namespace(week=args.week, quarter=None, year=None, start=None, end=None, calendar=False)


def cmd_plan(args, db: Path) -> int:
    """The year's reform plan; every rejected row printed with its row, column and what to write."""
    from etl.plan import import_plan

    if not args.file.exists():
        print(f"Không có tệp «{args.file}».", file=sys.stderr)
        return 2
    report = import_plan(args.file, db, args.year)
    print(report.summary())
    for reject in report.rejects:
        print(f"    LOẠI {reject.message}")
    return 0


COMMANDS = {"init": cmd_init, "alerts": cmd_alerts, "plan": cmd_plan, "load": cmd_load,
            "export-parquet": cmd_export_parquet, "demo": cmd_demo, "status": cmd_status, "rejects": cmd_rejects, "rebuild": cmd_rebuild,
            "report": cmd_report,
            "appraisal": cmd_appraisal}

if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `python -m etl status | head` ends quietly
    sys.exit(main())
