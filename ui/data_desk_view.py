"""UI: the data desk's four tabs (upload, load history, rejected rows, data-quality flags); draws
what the query layer and the ETL upload gate return, no SQL here."""
from __future__ import annotations

import json
import time
from dataclasses import asdict

import polars as pl
import streamlit as st

from access.audit import load_detail
from core import format as fmt
from etl.upload import UploadLimits, load_uploads
from queries.filters import Filters, Scope
from queries.periods import KINDS, Period, last_complete, period_containing
from queries.quality import FLAG_CODES, QualityRules, quality_flags
from queries.reference import units as unit_list
from queries.status import load_history, reject_summary, rejects
from reports.rejects import (
    KIND_LABELS,
    REASON_LABELS,
    SEVERITY_LABELS,
    loads_csv_bytes,
    loads_xlsx_bytes,
    raw_label,
    rejects_csv_bytes,
    rejects_xlsx_bytes,
)
from ui.auth import audit, download, may
from ui.cache import cached
from ui.data import database_file
from ui.filters import today
from ui.session import Viewer
from ui.tables import WRAP_ROW_HEIGHT, count_column

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_REJECTS = 1000  # rows on screen; the download holds every row of the filter
ALL_REJECTS = 1_000_000
STATUS_LABELS = {"loaded": "Đã nạp", "already_loaded": "Bỏ qua: đã nạp trước đó", "failed": "Không nạp"}
# Row counts of a load (report key or load_history column → column heading); numbers, sortable.
RESULT_COUNTS = (("rows_read", "Đọc"), ("rows_new", "Thêm mới"), ("rows_updated", "Cập nhật"),
                 ("rows_unchanged", "Không đổi"), ("rows_rejected", "Bị loại"), ("rows_skipped", "Bỏ qua"))


# --- Nạp tệp --------------------------------------------------------------------------------------


def upload_tab(viewer: Viewer) -> None:
    limits = UploadLimits.from_settings()
    if not may(viewer, "load"):
        st.info("Vai trò của bạn không được nạp dữ liệu. Liên hệ quản trị dữ liệu để nạp tệp.", icon=":material/info:")
        return
    st.markdown(
        "Chọn một hoặc nhiều tệp xuất từ phần mềm một cửa: danh sách hồ sơ hoặc kết quả khảo sát, dạng "
        "**.xlsx, .xls, .csv** hoặc **.txt** («Văn bản Unicode» của Excel), tối đa "
        f"**{fmt.number(limits.max_file_mb)} MB** mỗi tệp. Tệp đi qua đúng quy trình nạp như lệnh "
        "`python -m etl load`: dòng lỗi được giữ lại kèm lý do, dòng tốt vẫn được nạp, tệp đã nạp rồi được bỏ "
        "qua, tệp hỏng không làm thay đổi dữ liệu.")
    round_ = st.session_state.setdefault("dd_round", 0)
    files = st.file_uploader("Tệp xuất", accept_multiple_files=True, key=f"dd_files_{round_}",
                             help="Kéo thả tệp vào đây hoặc bấm để chọn. Các tệp được kiểm tra (dung lượng, "
                                  "định dạng, nội dung) trước khi nạp.")
    if st.button("Nạp vào cơ sở dữ liệu", type="primary", icon=":material/upload:", disabled=not files,
                 key="dd_load"):
        _load(viewer, files, limits)
    _show_results(st.session_state.get("dd_results"))


def _load(viewer: Viewer, files, limits: UploadLimits) -> None:
    bar = st.progress(0.0, text="Đang kiểm tra tệp…")
    started = time.perf_counter()
    reports = load_uploads([(f.name, f.getvalue()) for f in files], database_file(), loaded_by=viewer.username,
                           progress=lambda share, message: bar.progress(min(max(share, 0.0), 1.0), text=message),
                           limits=limits)
    for report in reports:  # who loaded which file, in the access audit trail
        audit("load_file", **load_detail(report))
    st.session_state["dd_results"] = {"reports": [asdict(r) for r in reports],
                                      "seconds": time.perf_counter() - started}
    st.session_state["dd_round"] += 1  # a fresh, empty uploader
    st.rerun()


def _show_results(results: dict | None) -> None:
    if not results:
        return
    reports = results["reports"]
    loaded = [r for r in reports if r["status"] == "loaded"]
    failed = [r for r in reports if r["status"] == "failed"]
    text = (f"Đã xử lý {fmt.number(len(reports))} tệp trong {fmt.number(results['seconds'], 1)} giây: "
            f"{fmt.number(len(loaded))} tệp nạp, "
            f"{fmt.number(len(reports) - len(loaded) - len(failed))} tệp bỏ qua, {fmt.number(len(failed))} tệp lỗi.")
    if failed:
        st.error(text + " Tệp lỗi không làm thay đổi dữ liệu; sửa theo hướng dẫn rồi nạp lại:\n\n"
                 + "\n".join(f"- {r['error']}" for r in failed), icon=":material/warning:")
    elif any(r["rows_rejected"] for r in reports):
        st.warning(text + " Có dòng bị loại: xem thẻ «Dòng bị loại» để tải danh sách gửi đơn vị sửa.", icon=":material/warning:")
    else:
        st.success(text, icon=":material/check_circle:")
    table = pl.DataFrame({
        "Tệp": [r["file"] for r in reports],
        "Trạng thái": [STATUS_LABELS[r["status"]] for r in reports],
        **{label: pl.Series([r[key] if r["status"] == "loaded" else None for r in reports], dtype=pl.Int64)
           for key, label in RESULT_COUNTS},
        "Thông báo": [_message(r) for r in reports],
    })
    st.dataframe(table, hide_index=True, width="stretch", key="dd_results_table", placeholder="",
                 row_height=WRAP_ROW_HEIGHT,
                 column_config={"Thông báo": st.column_config.TextColumn(width="large"),
                                **{label: count_column() for _, label in RESULT_COUNTS}})


def _message(report: dict) -> str:
    if report["status"] == "failed":
        return report["error"] or ""
    if report["status"] == "already_loaded":
        return f"Tệp này đã được nạp (lần nạp {report['load_id']}); không có gì thay đổi."
    kind = KIND_LABELS.get(report["kind"], "")
    parts = [f"Lần nạp {report['load_id']} ({kind.lower()})."]
    if report["rows_rejected"]:
        parts.append(f"{fmt.number(report['rows_rejected'])} dòng bị loại: xem thẻ «Dòng bị loại».")
    return " ".join(parts + list(report["warnings"]))


# --- Lịch sử nạp ----------------------------------------------------------------------------------


def history_tab(scope: Scope) -> None:
    everything = cached(load_history, scope, 100_000)
    if everything.height == 0:
        st.info("Chưa có lần nạp nào. Nạp tệp ở thẻ «Nạp tệp» hoặc bằng lệnh `python -m etl load TỆP…`.", icon=":material/info:")
        return
    left, middle, right = st.columns([3, 2, 2])
    files = left.multiselect("Tệp", sorted(set(everything["file_name"].to_list())), key="dd_h_files",
                             placeholder="Tất cả tệp (gõ để tìm)")
    users = middle.multiselect("Người nạp", sorted(set(everything["loaded_by"].drop_nulls().to_list())),
                               key="dd_h_users", placeholder="Tất cả")
    first, last = everything["loaded_at"].min().date(), everything["loaded_at"].max().date()
    picked = right.date_input("Nạp trong khoảng", (first, last), key="dd_h_dates", format="DD/MM/YYYY")
    since, until = (picked[0], picked[-1]) if isinstance(picked, (tuple, list)) and picked else (None, None)
    loads = cached(load_history, scope, 100_000, frozenset(files), frozenset(users), since, until)
    if loads.height == 0:
        st.info("Không có lần nạp nào khớp bộ lọc. Hãy bỏ bớt tệp, người nạp hoặc mở rộng khoảng ngày.", icon=":material/info:")
        return
    totals = loads.select(pl.col("rows_new", "rows_updated", "rows_rejected").sum()).row(0)
    st.caption(f"{fmt.number(loads.height)} lần nạp · thêm mới {fmt.number(totals[0])} · cập nhật "
               f"{fmt.number(totals[1])} · bị loại {fmt.number(totals[2])} dòng.")
    shown = loads.select(
        pl.col("load_id").alias("Lần"),
        pl.col("loaded_at").alias("Thời điểm"),
        pl.col("loaded_by").alias("Người nạp"),
        pl.col("file_name").alias("Tệp"),
        pl.col("kind").replace_strict(KIND_LABELS, default="").alias("Loại"),
        *(pl.col(c).alias(label) for c, label in RESULT_COUNTS),
        pl.col("file_sha256").str.slice(0, 12).alias("Mã băm (SHA-256)"),
        pl.col("message").alias("Ghi chú"),
    )
    st.dataframe(shown, hide_index=True, width="stretch", height=min(38 + 35 * shown.height, 560),
                 column_config={"Thời điểm": st.column_config.DatetimeColumn(format="HH:mm DD/MM/YYYY"),
                                "Tệp": st.column_config.TextColumn(width="large"),
                                "Lần": st.column_config.NumberColumn(format="%d", width="small"),
                                "Loại": st.column_config.TextColumn(width="small"),
                                **{label: count_column(width="small") for _, label in RESULT_COUNTS},
                                "Mã băm (SHA-256)": st.column_config.TextColumn(
                                    help="12 ký tự đầu của mã băm tệp; bản tải về có đủ 64 ký tự.")})
    name = f"lich_su_nap_{today():%Y%m%d}"
    a, b, _ = st.columns([1, 1, 4])
    with a:
        download("Tải Excel (.xlsx)", lambda: loads_xlsx_bytes(loads), f"{name}.xlsx", XLSX,
                 icon=":material/download:", key="dd_h_xlsx")
    with b:
        download("Tải CSV", lambda: loads_csv_bytes(loads), f"{name}.csv", "text/csv", icon=":material/download:",
                 key="dd_h_csv")


# --- Dòng bị loại ---------------------------------------------------------------------------------


def rejects_tab(scope: Scope) -> None:
    summary = cached(reject_summary, scope)
    if summary.height == 0:
        st.success("Không có dòng nào bị loại hay cảnh báo trong dữ liệu đã nạp.", icon=":material/check_circle:")
        return
    names = _unit_names(scope)
    c1, c2, c3, c4 = st.columns([3, 2, 3, 2])
    files = c1.multiselect("Tệp", list(dict.fromkeys(summary["file_name"].to_list())), key="dd_r_files",
                           placeholder="Tất cả tệp (gõ để tìm)")
    severity = c2.selectbox("Mức độ", ["", "error", "warning"], key="dd_r_severity",
                            format_func=lambda s: SEVERITY_LABELS.get(s, "Tất cả")) or None
    reasons = c3.multiselect("Lý do", sorted(set(summary["reason_code"].to_list())), key="dd_r_reasons",
                             format_func=lambda r: REASON_LABELS.get(r, r), placeholder="Tất cả lý do")
    unit_codes = sorted(set(summary["unit_code"].drop_nulls().to_list()), key=lambda c: names.get(c, c))
    unit = c4.selectbox("Đơn vị", ["", *unit_codes], key="dd_r_unit",
                        format_func=lambda c: names.get(c, c) if c else "Tất cả") or None
    args = (None, ALL_REJECTS, frozenset(files), severity, frozenset(reasons), unit)
    found = cached(rejects, scope, *args)
    if found.height == 0:
        st.info("Không có dòng nào khớp bộ lọc. Hãy bỏ bớt tệp, lý do hoặc chọn «Tất cả».", icon=":material/info:")
        return
    key = pl.struct("load_id", "file_name", "source_row")
    rows = found.select(key.n_unique()).item()
    errors = found.filter(pl.col("severity") == "error").select(key.n_unique()).item()
    st.caption(f"{fmt.number(errors)} dòng bị loại (không nạp) · {fmt.number(rows - errors)} dòng chỉ có cảnh báo "
               f"(đã nạp, bỏ một giá trị) · {fmt.number(found.height)} lỗi ghi nhận"
               + (f" · đang hiện {fmt.number(SHOWN_REJECTS)} lỗi đầu, bản tải về có đủ." if found.height > SHOWN_REJECTS
                  else "."))
    shown = found.head(SHOWN_REJECTS)
    table = shown.select(
        pl.col("file_name").alias("Tệp"),
        pl.col("source_row").alias("Dòng"),
        pl.col("reason_code").replace_strict(REASON_LABELS, default=pl.col("reason_code")).alias("Lý do"),
        pl.col("message").alias("Cách sửa"),
        pl.col("column_name").fill_null("").alias("Cột"),
        pl.col("raw_value").fill_null("").alias("Giá trị"),
        pl.col("severity").replace_strict(SEVERITY_LABELS, default="").alias("Mức độ"),
        pl.col("dossier_code").fill_null("").alias("Mã hồ sơ"),
        pl.col("unit_code").replace_strict(names, default=None).alias("Đơn vị"),
        pl.col("raw_row").map_elements(_raw_text, return_dtype=pl.String).alias("Dòng gốc"),
    )
    event = st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * table.height, 460),
                         on_select="rerun", selection_mode="single-row", key="dd_r_table",
                         column_config={"Dòng": st.column_config.NumberColumn(format="%d", width="small"),
                                        "Tệp": st.column_config.TextColumn(width="medium"),
                                        "Cách sửa": st.column_config.TextColumn(width="large"),
                                        "Dòng gốc": st.column_config.TextColumn(width="large")})
    selected = event.selection.rows if event is not None and hasattr(event, "selection") else []
    _raw_detail(shown.row(selected[0], named=True) if selected else None)
    name = f"dong_bi_loai_{today():%Y%m%d}"
    a, b, _ = st.columns([1, 1, 4])
    with a:
        download("Tải Excel (.xlsx)", lambda: rejects_xlsx_bytes(found), f"{name}.xlsx", XLSX, type="primary",
                 icon=":material/download:", key="dd_r_xlsx")
    with b:
        download("Tải CSV", lambda: rejects_csv_bytes(found), f"{name}.csv", "text/csv", icon=":material/download:",
                 key="dd_r_csv")
    st.caption("Tệp tải về có mọi dòng khớp bộ lọc, kèm toàn bộ dòng gốc (mỗi cột một ô) để đơn vị sửa trong phần "
               "mềm một cửa rồi xuất lại.")


def _raw_text(raw: str | None) -> str:
    if not raw:
        return ""
    return " · ".join(f"{raw_label(k)}: {v}" for k, v in json.loads(raw).items() if v not in (None, ""))


def _raw_detail(row: dict | None) -> None:
    if row is None:
        st.caption("Chọn một dòng ở bảng trên để xem toàn bộ dòng gốc như trong tệp.")
        return
    raw = json.loads(row["raw_row"]) if row["raw_row"] else {}
    st.markdown(f"**Dòng {row['source_row']} của tệp «{row['file_name']}»** — {row['message']}")
    st.dataframe(pl.DataFrame({"Cột": [raw_label(k) for k in raw], "Giá trị trong tệp": [
        "" if v is None else str(v) for v in raw.values()]}), hide_index=True, width="stretch", key="dd_r_raw")


def _unit_names(scope: Scope) -> dict[str, str]:
    units = cached(unit_list, scope)
    return dict(zip(units["unit_code"].to_list(), units["unit_name"].to_list()))


# --- Chất lượng dữ liệu ---------------------------------------------------------------------------

# Flag → (title, why it matters, how it is counted). Texts only; numbers come from queries/quality.py.
FLAGS = {
    "balance": (
        "Số liệu không cân đối",
        ("Biểu số 06 yêu cầu: nhận giải quyết = đã giải quyết + đang giải quyết + rút, dừng, không tiếp nhận. "
         "Đơn vị lệch thì báo cáo gửi lên sẽ bị trả lại và các tỷ lệ đúng hạn của đơn vị không đáng tin."),
        ("Đếm đúng như Biểu số 06 của kỳ, từng hồ sơ: hồ sơ được tính vào «nhận giải quyết» mà không nằm ở cột "
         "nào còn lại (thường là ngày có kết quả trước kỳ trong khi ngày tiếp nhận trong kỳ)."),
    ),
    "finish_before_receipt": (
        "Ngày có kết quả trước ngày tiếp nhận",
        "Không thể có kết quả trước khi nhận hồ sơ: ngày bị nhập sai, làm sai số đúng hạn, trễ hạn và cân đối.",
        ("Hồ sơ tiếp nhận hoặc có kết quả trong kỳ mà ngày có kết quả (ngày dùng để xét đúng hạn) sớm hơn ngày "
         "tiếp nhận."),
    ),
    "due_on_day_off": (
        "Ngày hẹn trả rơi vào ngày nghỉ",
        ("Thời hạn tính theo ngày làm việc không bao giờ kết thúc vào thứ Bảy, Chủ nhật hay ngày lễ: phần mềm "
         "đã cộng ngày lịch, nên hồ sơ bị tính trễ hạn oan hoặc hẹn sai với người dân."),
        ("Hồ sơ tiếp nhận trong kỳ có ngày hẹn trả lấy từ tệp xuất rơi vào ngày nghỉ theo lịch làm việc "
         "(lịch nghỉ lễ Việt Nam và calendar_overrides.csv trong thư mục thiết lập)."),
    ),
    "due_too_early": (
        "Ngày hẹn trả sớm hơn thời hạn theo ngày làm việc",
        ("Hẹn trả sớm hơn quy định nghĩa là phần mềm bỏ qua ngày nghỉ, lễ, Tết khi tính hạn: đơn vị bị tính "
         "trễ hạn oan."),
        ("So với hạn sớm nhất hợp lệ: ngày tiếp nhận + thời hạn giải quyết (ngày làm việc) của thủ tục, nhận "
         "sau {close} hoặc ngày nghỉ thì tính từ sáng ngày làm việc kế tiếp. Chỉ xét thủ tục tính theo ngày làm "
         "việc trong danh mục (procedures.csv trong thư mục thiết lập); tạm dừng chờ bổ sung chỉ làm hạn muộn hơn nên không "
         "giải thích được hạn sớm."),
    ),
    "silent_unit": (
        "Đơn vị ngừng gửi dữ liệu",
        ("Đơn vị vẫn làm việc nhưng không có hồ sơ mới thường là do chưa nạp tệp xuất mới: số liệu của đơn vị "
         "và của toàn tỉnh bị thiếu, tỷ lệ tính ra sai."),
        ("Không có hồ sơ nào tiếp nhận trong {silent} ngày tính đến cuối kỳ (hoặc hôm nay), trong khi {baseline} "
         "ngày trước đó đơn vị nhận đủ nhiều để lẽ ra có ít nhất {expected} hồ sơ trong {silent} ngày."),
    ),
    "month_end_burst": (
        "Cán bộ cập nhật kết quả dồn cuối tháng",
        ("Kết quả được nhập dồn vào vài ngày cuối tháng thường là nhập muộn vào phần mềm một cửa: phần mềm tính "
         "trễ hạn nhiều hơn thực tế (hoặc hồ sơ thật sự bị giữ lại). Cần hỏi lại cán bộ trước khi kết luận."),
        ("Trong các hồ sơ cán bộ có kết quả trong kỳ (ít nhất {minimum}), ít nhất {share} có kết quả vào {days} "
         "ngày làm việc cuối tháng (hoặc ngày nghỉ sau đó); nếu rải đều thì chỉ khoảng 10%."),
    ),
}


def quality_tab(scope: Scope) -> None:
    period, units = _quality_pickers(scope)
    rules = QualityRules.from_settings()
    filters = Filters(scope, period.start, period.end, frozenset(units), as_of=today())
    flags = cached(quality_flags, filters, rules)
    names = _unit_names(scope)
    where = ", ".join(names.get(c, c) for c in units) if units else (
        "toàn tỉnh" if scope.unit_codes is None else "các đơn vị được xem")
    st.caption(f"{period.label()} · {fmt.sentence(where)} · các dấu hiệu giải thích những con số bất thường; "
               "ngưỡng ở settings.toml (thư mục thiết lập), mục [quality].")
    found = [code for code in FLAG_CODES if flags.filter(pl.col("flag") == code).height]
    if found:
        st.warning("Phát hiện: " + "; ".join(
            f"{FLAGS[code][0].lower()} ({_count_label(code, flags.filter(pl.col('flag') == code).height)})"
            for code in found) + ". Xem chi tiết và ví dụ mã hồ sơ bên dưới.", icon=":material/search:")
    else:
        st.success("Không phát hiện dấu hiệu nào trong kỳ này. Có thể chọn kỳ dài hơn (quý, năm) để soát lại.",
                   icon=":material/check_circle:")
    for code in found + [c for c in FLAG_CODES if c not in found]:  # what was found first
        part = flags.filter(pl.col("flag") == code)
        title, why, how = FLAGS[code]
        how = how.format(silent=rules.silent_days, baseline=rules.silent_baseline_days,
                         expected=fmt.number(rules.silent_min_expected), minimum=rules.burst_min_finishes,
                         share=fmt.percent(rules.burst_share, 0), days=rules.burst_last_working_days,
                         close=rules.office_end.strftime("%H:%M"))
        with st.expander(f"{title} — {_count_label(code, part.height)}", expanded=part.height > 0):
            st.markdown(f"**Vì sao quan trọng:** {why}  \n**Cách xác định:** {how}")
            if part.height:
                _flag_table(code, part)


def _count_label(code: str, n: int) -> str:
    if n == 0:
        return "không có"
    return f"{fmt.number(n)} {'cán bộ' if code == 'month_end_burst' else 'đơn vị'}"


def _flag_table(code: str, part: pl.DataFrame) -> None:
    rows = part.to_dicts()
    table = {"Đơn vị": [r["unit_name"] or r["unit_code"] for r in rows]}
    if code == "month_end_burst":
        table["Cán bộ"] = [r["officer_name"] for r in rows]
    table["Số lượng"] = [_how_many(code, r) for r in rows]
    table["Chi tiết"] = [_what(code, r) for r in rows]
    table["Ví dụ mã hồ sơ"] = [", ".join(r["examples"] or []) for r in rows]
    st.table(pl.DataFrame(table))  # a static table wraps the sentences; flags are few


def _how_many(code: str, r: dict) -> str:
    n = fmt.number(r["count"])
    return {"balance": f"lệch {n} hồ sơ", "silent_unit": f"{n} ngày", "month_end_burst": f"{n} hồ sơ"}.get(
        code, f"{n} hồ sơ")


def _what(code: str, r: dict) -> str:
    n, base = fmt.number(r["count"]), fmt.number(r["base"])
    if code == "balance":
        return (f"Nhận giải quyết {base} hồ sơ nhưng {n} hồ sơ không nằm ở «đã giải quyết», «đang giải quyết» "
                "hay «rút, dừng, không tiếp nhận».")
    if code == "finish_before_receipt":
        return f"{n} hồ sơ có ngày có kết quả trước ngày tiếp nhận."
    if code == "due_on_day_off":
        return f"{n} trong {base} hồ sơ tiếp nhận trong kỳ có ngày hẹn trả vào thứ Bảy, Chủ nhật hoặc ngày lễ."
    if code == "due_too_early":
        return f"{n} trong {base} hồ sơ có ngày hẹn trả sớm hơn hạn tính theo ngày làm việc."
    if code == "silent_unit":
        return (f"Hồ sơ tiếp nhận gần nhất ngày {fmt.day(r['last_date'])}; {r['count']} ngày nay không có hồ sơ "
                f"mới, trong khi trước đó nhận {base} hồ sơ. Hãy nạp tệp xuất mới nhất của đơn vị.")
    return (f"{n} trong {base} hồ sơ ({fmt.percent(r['share'], 0)}) có kết quả vào những ngày làm việc cuối "
            "tháng.")


def _quality_pickers(scope: Scope) -> tuple[Period, list[str]]:
    kinds = [k for k in KINDS if k != "custom"]
    c1, c2, c3 = st.columns([2, 3, 4])
    kind = c1.selectbox("Kỳ", kinds, format_func=KINDS.get, key="dd_q_kind", index=kinds.index("month"))
    options = [period_containing(kind, today())]
    while len(options) < 24:
        options.append(options[-1].previous())
    by_start = {p.start.isoformat(): p for p in options}
    if st.session_state.get("dd_q_period") not in by_start:  # first view: the last complete period
        st.session_state["dd_q_period"] = last_complete(kind, today()).start.isoformat()
    chosen = c2.selectbox("Chọn kỳ", list(by_start), key="dd_q_period",
                          format_func=lambda s: by_start[s].label() + (" (đang diễn ra)" if by_start[s].end >= today()
                                                                        else ""))
    names = _unit_names(scope)
    units = c3.multiselect("Đơn vị", list(names), format_func=names.get, key="dd_q_units",
                           placeholder="Toàn tỉnh (gõ để tìm xã, phường, sở…)")
    return by_start[chosen], units


def no_database() -> None:
    st.info("Chưa có dữ liệu. Nạp tệp xuất ở thẻ «Nạp tệp»; các thẻ khác sẽ có nội dung sau lần nạp đầu tiên.",
            icon=":material/info:")

