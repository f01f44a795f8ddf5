"""ETL schema: every stored table declared once; the declarations make the DDL, the casts and the
column documentation (README, app help). No data access besides executing the DDL it makes."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    doc: str  # English, for analysts (README)
    label: str  # Vietnamese, for users (app)


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()

    def ddl(self) -> str:
        cols = ",\n  ".join(f"{c.name} {c.sql_type}" for c in self.columns)
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {cols}\n)"

    def names(self) -> list[str]:
        return [c.name for c in self.columns]


C = Column

DOSSIER_COLUMNS = (
    C("dossier_code", "VARCHAR", "Dossier code (Mã hồ sơ), text with leading zeros kept; unique", "Mã hồ sơ"),
    C("procedure_code", "VARCHAR", "Procedure code as exported (e.g. 1.001612.000.00.00.H48)", "Mã thủ tục"),
    C("procedure_name", "VARCHAR", "Procedure name", "Tên thủ tục"),
    C("field_code", "VARCHAR", "Field (lĩnh vực) after the synonym table; see `fields`", "Mã lĩnh vực"),
    C("field_name_raw", "VARCHAR", "Field as written in the export", "Lĩnh vực (theo tệp)"),
    C("receiving_unit_code", "VARCHAR", "Unit that received the dossier; see `units`", "Đơn vị tiếp nhận"),
    C("resolving_unit_code", "VARCHAR", "Unit responsible for resolving it; see `units`", "Đơn vị giải quyết"),
    C("applicant_name", "VARCHAR", "Applicant (personal data)", "Chủ hồ sơ"),
    C("applicant_address", "VARCHAR", "Applicant address (personal data)", "Địa chỉ"),
    C("applicant_phone", "VARCHAR", "Applicant phone (personal data)", "Số điện thoại"),
    C("applicant_id_number", "VARCHAR", "Applicant ID number (personal data)", "Số giấy tờ tùy thân"),
    C("submitted_at", "TIMESTAMP", "Submitted (ngày nộp)", "Ngày nộp"),
    C("received_at", "TIMESTAMP", "Received / accepted (ngày tiếp nhận)", "Ngày tiếp nhận"),
    C("due_at", "TIMESTAMP", "Due (ngày hẹn trả): from the export, or computed in working days", "Ngày hẹn trả"),
    C("due_source", "VARCHAR", "'export' when the export carried the due date, 'computed' otherwise", "Nguồn ngày hẹn"),
    C("extended_due_at", "TIMESTAMP", "Extension date (ngày gia hạn) as exported; not used for lateness", "Ngày gia hạn"),
    C("finished_at", "TIMESTAMP", "Finished processing (ngày có kết quả)", "Ngày có kết quả"),
    C("returned_at", "TIMESTAMP", "Result returned (ngày trả kết quả)", "Ngày trả kết quả"),
    C("status_code", "TINYINT", "National status code 1–10; see `status_codes`", "Mã trạng thái"),
    C("channel_code", "TINYINT", "1 in person, 2 online, 3 public postal service", "Kênh nộp"),
    C("online_level", "VARCHAR", "'toan_trinh' (fully online), 'mot_phan' (partly) or null", "Mức độ trực tuyến"),
    C("officer_name", "VARCHAR", "Officer handling the dossier", "Cán bộ xử lý"),
    C("note", "VARCHAR", "Free-text note", "Ghi chú"),
    C("supplement_requested_at", "TIMESTAMP", "Last supplement request", "Ngày yêu cầu bổ sung"),
    C("supplemented_at", "TIMESTAMP", "Citizen supplied the documents", "Ngày bổ sung"),
    C("supplement_count", "SMALLINT", "Number of supplement requests", "Số lần yêu cầu bổ sung"),
    C("apology_issued_at", "TIMESTAMP", "Apology slip issued (phiếu xin lỗi)", "Ngày phiếu xin lỗi"),
    C("apology_due_at", "TIMESTAMP", "New return date promised in the apology", "Ngày hẹn lại"),
    C("fee_amount", "DOUBLE", "Fee in VND", "Phí, lệ phí (đồng)"),
    C("paid_online", "BOOLEAN", "Fee paid online", "Thanh toán trực tuyến"),
    C("is_digitised", "BOOLEAN", "Documents digitised", "Đã số hóa"),
    C("has_e_result", "BOOLEAN", "Electronic result issued", "Có kết quả điện tử"),
    C("is_synced", "BOOLEAN", "Synchronised to the national portal", "Đã đồng bộ"),
    C("processing_days", "DOUBLE", "Legal processing time in days when known", "Thời hạn giải quyết (ngày)"),
    C("rating_code", "TINYINT", "Per-dossier rating: 3 very satisfied, 2 satisfied, 1 not satisfied", "Đánh giá"),
    C("load_id", "INTEGER", "Load that wrote this version; see `load_log`", "Lần nạp"),
    C("source_file", "VARCHAR", "File the version came from", "Tệp nguồn"),
    C("source_sheet", "VARCHAR", "Sheet in that file", "Trang tính"),
    C("source_row", "INTEGER", "Row number in that file (1-based, as Excel shows it)", "Dòng"),
)
# Citizens' personal data: masked on screen unless the role allows (queries/masking.py), left out of
# the Parquet copy unless asked for (etl/parquet.py).
PERSONAL_COLUMNS = frozenset({"applicant_name", "applicant_address", "applicant_phone", "applicant_id_number"})
BUSINESS_COLUMNS = tuple(c.name for c in DOSSIER_COLUMNS if c.name not in
                         {"load_id", "source_file", "source_sheet", "source_row"})

LOAD_LOG = Table("load_log", "One row per file loaded (or skipped as already loaded).", (
    C("load_id", "INTEGER", "Sequence number of the load", "Lần nạp"),
    C("loaded_at", "TIMESTAMP", "When it was loaded (local time)", "Thời điểm nạp"),
    C("loaded_by", "VARCHAR", "Who loaded it (OS user or app user)", "Người nạp"),
    C("file_name", "VARCHAR", "File name", "Tên tệp"),
    C("file_sha256", "VARCHAR", "SHA-256 of the file's bytes", "Mã băm tệp"),
    C("file_bytes", "BIGINT", "File size", "Dung lượng (byte)"),
    C("kind", "VARCHAR", "'dossier', 'survey', 'rating', 'appraisal' (emulation-contest scores) or 'plan' "
      "(reform plan)", "Loại"),
    C("sheets", "VARCHAR", "Sheets read", "Trang tính"),
    C("period_from", "DATE", "Period stated in the title rows, if any", "Từ ngày"),
    C("period_to", "DATE", "End of that period", "Đến ngày"),
    C("rows_read", "INTEGER", "Data rows read (after title, header, group and total rows)", "Dòng đọc"),
    C("rows_new", "INTEGER", "Rows that added a dossier/response", "Thêm mới"),
    C("rows_updated", "INTEGER", "Rows that changed an existing one", "Cập nhật"),
    C("rows_unchanged", "INTEGER", "Rows identical to what was stored", "Không đổi"),
    C("rows_rejected", "INTEGER", "Rows rejected; see `rejects`", "Bị loại"),
    C("rows_skipped", "INTEGER", "Blank, group-header and total rows", "Bỏ qua"),
    C("status", "VARCHAR", "'loaded' or 'already_loaded'", "Kết quả"),
    C("message", "VARCHAR", "Warnings for the file", "Ghi chú"),
    # Last, so that a database migrated by ALTER TABLE ADD COLUMN has the declared order.
    C("as_of_at", "TIMESTAMP", "The moment the file's data stands at; per dossier the version from the file with "
      "the latest as-of wins, whatever the load order (ties: the later load)", "Số liệu tính đến"),
    C("as_of_source", "VARCHAR", "Which rule gave as_of_at: 'title' (end of the day in the title's «đến ngày …»), "
      "'rows' (the latest event in the file's rows: receipt, finish, return, …, when later than the title or "
      "without one) or 'load_time' (neither)", "Căn cứ thời điểm"),
), key=("load_id",))

REJECTS = Table("rejects", "Rows not loaded (severity 'error') or loaded with a doubt (severity 'warning').", (
    C("load_id", "INTEGER", "Load; see `load_log`", "Lần nạp"),
    C("file_name", "VARCHAR", "File", "Tệp"),
    C("sheet", "VARCHAR", "Sheet", "Trang tính"),
    C("source_row", "INTEGER", "Row number in the file", "Dòng"),
    C("severity", "VARCHAR", "'error' (row not loaded) or 'warning' (row loaded, value dropped)", "Mức độ"),
    C("reason_code", "VARCHAR", "Machine-readable reason", "Mã lý do"),
    C("column_name", "VARCHAR", "Column as written in the file", "Cột"),
    C("raw_value", "VARCHAR", "The offending value", "Giá trị"),
    C("message", "VARCHAR", "What is wrong and what to do, in Vietnamese", "Lý do"),
    C("dossier_code", "VARCHAR", "Dossier code on that row, if any", "Mã hồ sơ"),
    C("raw_row", "VARCHAR", "The whole row as read, JSON", "Dữ liệu gốc"),
))

DOSSIER_SUPERSEDED = Table("stg_dossier_superseded", "Other versions of dossiers: replaced by a later export, "
                           "or loaded late from an export older than the current version. "
                           "The view stg_dossier_versions adds the current ones: every version ever loaded.",
                           DOSSIER_COLUMNS, key=("dossier_code", "load_id"))

SURVEY_RESPONSES = Table("stg_survey_responses", "One row per survey respondent.", (
    C("response_key", "VARCHAR", "unit_code + '/' + response id: unique", "Khóa phiếu"),
    C("response_id", "VARCHAR", "Response id as exported (Mã phiếu) or file#row", "Mã phiếu"),
    C("unit_code", "VARCHAR", "Unit surveyed; see `units`", "Đơn vị"),
    C("response_date", "DATE", "Date of the answer", "Ngày khảo sát"),
    C("dossier_code", "VARCHAR", "Dossier the respondent was served for, if given", "Mã hồ sơ"),
    C("field_code", "VARCHAR", "Field, if given", "Lĩnh vực"),
    C("comment", "VARCHAR", "Free-text comment", "Ý kiến"),
    C("answered", "SMALLINT", "Questions answered", "Số câu trả lời"),
    C("satisfied", "SMALLINT", "Answers of 4 or 5", "Số câu hài lòng"),
    C("row_hash", "VARCHAR", "md5 of the response", "Mã băm dòng"),
    C("load_id", "INTEGER", "Load; see `load_log`", "Lần nạp"),
    C("source_file", "VARCHAR", "File", "Tệp nguồn"),
    C("source_row", "INTEGER", "Row in file", "Dòng"),
), key=("response_key",))

SURVEY_ANSWERS = Table("stg_survey_answers", "One row per answered question (long form).", (
    C("response_key", "VARCHAR", "See `survey_responses`", "Khóa phiếu"),
    C("question_code", "VARCHAR", "Question code from survey_questions.csv, or null if unmapped", "Mã câu hỏi"),
    C("question_text", "VARCHAR", "Question as written in the file", "Câu hỏi"),
    C("factor_code", "VARCHAR", "SIPAS factor; null for an unmapped question", "Yếu tố"),
    C("score", "TINYINT", "Answer 1–5", "Điểm"),
), key=("response_key", "question_text"))

RATING_COLUMNS = (
    C("rating_key", "VARCHAR", "'hs:' + dossier code when the rating names one (a later rating of the same dossier "
      "replaces it), else 'id:' + unit + '/' + rating id, else 'row:' + md5 of unit, time, level, comment", "Khóa đánh giá"),
    C("rating_id", "VARCHAR", "Rating id as exported (Mã đánh giá), if any", "Mã đánh giá"),
    C("dossier_code", "VARCHAR", "Dossier rated, if given; see `dossiers`", "Mã hồ sơ"),
    C("unit_code", "VARCHAR", "Unit rated; see `units`", "Đơn vị"),
    C("rated_at", "TIMESTAMP", "When the citizen rated", "Thời điểm đánh giá"),
    C("rating_code", "TINYINT", "3 Rất hài lòng, 2 Hài lòng, 1 Không hài lòng (ratings.csv)", "Mức độ hài lòng"),
    C("comment", "VARCHAR", "Free-text comment", "Ý kiến"),
)
RATINGS = Table("stg_ratings", "Per-dossier ratings from rating exports of the public-service portal "
                "(one row per rating key; latest load wins).", RATING_COLUMNS + (
    C("row_hash", "VARCHAR", "md5 of the rating and its criteria", "Mã băm dòng"),
    C("load_id", "INTEGER", "Load; see `load_log`", "Lần nạp"),
    C("source_file", "VARCHAR", "File", "Tệp nguồn"),
    C("source_row", "INTEGER", "Row in file", "Dòng"),
), key=("rating_key",))

RATING_CRITERIA = Table("stg_rating_criteria", "Criteria scores of a rating, long form (2 good, 1 fair, 0 poor).", (
    C("rating_key", "VARCHAR", "See `ratings`", "Khóa đánh giá"),
    C("criterion_code", "VARCHAR", "Criterion code from rating_criteria.csv", "Mã tiêu chí"),
    C("criterion_text", "VARCHAR", "Criterion as written in the file", "Tiêu chí"),
    C("score", "TINYINT", "Score 2, 1 or 0", "Điểm"),
), key=("rating_key", "criterion_code"))

APPRAISAL_SCORES = Table("appraisal_scores", "Appraised scores of the emulation contest (thi đua CCHC), imported "
                         "from appraisers' spreadsheets: one row per scheme, period, unit and criterion (latest "
                         "import wins).", (
    C("scheme_code", "VARCHAR", "Scoring scheme (scoring/schemes/<code>.toml)", "Bộ tiêu chí"),
    C("period_key", "VARCHAR", "Period: '2026' (year), '2026-Q3' (quarter) or '2026-01-01_2026-06-30' (custom)", "Kỳ"),
    C("unit_code", "VARCHAR", "Unit appraised; see `units`", "Đơn vị"),
    C("criterion_code", "VARCHAR", "Appraised criterion of the scheme", "Tiêu chí"),
    C("score", "DOUBLE", "Points given, 0 to the criterion's maximum", "Điểm"),
    C("load_id", "INTEGER", "Import that wrote it; see `load_log`", "Lần nạp"),
    C("source_file", "VARCHAR", "Spreadsheet it came from", "Tệp nguồn"),
    C("source_row", "INTEGER", "Row in that spreadsheet (as Excel shows it)", "Dòng"),
), key=("scheme_code", "period_key", "unit_code", "criterion_code"))

PLAN_TASKS = Table("plan_tasks", "The year's administrative-reform plan (kế hoạch CCHC), imported from a spreadsheet "
                   "by `python -m etl plan`: one row per task (đầu công việc); a re-import replaces that year.", (
    C("plan_year", "INTEGER", "Year of the plan", "Năm"),
    C("task_no", "VARCHAR", "Task number as written (STT)", "STT"),
    C("area", "VARCHAR", "Area of the reform (lĩnh vực CCHC) as written or from its group row", "Lĩnh vực"),
    C("task", "VARCHAR", "Task (nhiệm vụ)", "Nhiệm vụ"),
    C("lead_unit_name", "VARCHAR", "Lead unit (đơn vị chủ trì) as written", "Đơn vị chủ trì"),
    C("unit_code", "VARCHAR", "Lead unit in `units`, when the name matches one (scope applies to it)", "Mã đơn vị"),
    C("deadline", "DATE", "Deadline; 'Quý II' → 30/6, 'Tháng 9' → 30/9, 'Thường xuyên' → 31/12", "Thời hạn"),
    C("status", "VARCHAR", "'done', 'in_progress' or 'not_started'", "Tình trạng"),
    C("done_date", "DATE", "Date done (status 'done' only)", "Ngày hoàn thành"),
    C("load_id", "INTEGER", "Import that wrote it; see `load_log`", "Lần nạp"),
    C("source_file", "VARCHAR", "Spreadsheet it came from", "Tệp nguồn"),
    C("source_row", "INTEGER", "Row in that spreadsheet (as Excel shows it)", "Dòng"),
), key=("plan_year", "source_row"))


# The analyst-facing views (README documents them from these declarations).
VIEW_DOCS = {
    "dossiers": "Current dossiers with derived columns (one row per dossier).",
    "survey_responses": "Survey respondents.",
    "survey_answers": "Survey answers, one per question.",
    "ratings": "Satisfaction ratings, one per rating: rating exports plus the ratings dossier exports carry "
               "(a rating export wins for the same dossier).",
    "rating_criteria": "Criteria scores of ratings (2/1/0), one row per rating and criterion.",
    "units": "Unit directory (communes, wards, special zone, departments).",
    "fields": "Fields (lĩnh vực).",
    "calendar": "Days with working-day flags and the running working-day number.",
    "status_codes": "National status codes and their groups.",
    "procedures": "Procedure catalogue with legal processing times.",
}

DERIVED_COLUMNS = (
    C("unit_code", "VARCHAR", "Responsible unit: resolving unit, else receiving unit", "Đơn vị"),
    C("status_group", "VARCHAR", "not_received | refused | in_progress | paused | withdrawn | stopped | resolved", "Nhóm trạng thái"),
    C("received_date", "DATE", "received_at as a date", "Ngày tiếp nhận"),
    C("due_date", "DATE", "due_at as a date; moved to the next working day when it is a day off and "
                       "settings.toml [timeliness] due_on_day_off = 'next_working_day'", "Ngày hẹn trả"),
    C("finished_date", "DATE", "Date that decides timeliness (finished, or returned per setting)", "Ngày hoàn thành"),
    C("is_resolved", "BOOLEAN", "Status 9 or 10 with a finish date", "Đã giải quyết"),
    C("is_received", "BOOLEAN", "Accepted to handle: status group other than not_received (Biểu số 06 counts it)",
      "Đã tiếp nhận"),
    C("is_closed_other", "BOOLEAN", "Refused, withdrawn or stopped (status groups refused, withdrawn, stopped)",
      "Không tiếp nhận, rút, dừng"),
    C("is_open", "BOOLEAN", "Received, not resolved, not closed otherwise (waiting for a supplement included)",
      "Đang giải quyết"),
    C("timeliness", "VARCHAR", "'early' | 'on_time' | 'late' for resolved dossiers", "Tiến độ"),
    C("late_working_days", "INTEGER", "Working days from due to finish, resolved late only", "Số ngày trễ"),
    C("due_wd_seq", "INTEGER", "Working-day number of the due date (see `calendar`)", ""),
    C("is_online", "BOOLEAN", "channel_code = 2", "Trực tuyến"),
)

# The current version of each dossier is stored once, with its derived columns: a load writes a
# dossier's row (stored and derived columns together) only when that dossier changes, so a small
# load costs what it adds, and the data is not kept twice. The view stg_dossier_current shows the
# stored columns only (what the exports said), stg_dossier_versions adds the superseded versions.
MART_DOSSIERS = Table("mart_dossiers", "The current version of each dossier: the one from the file with the latest "
                      "as-of (`load_log.as_of_at`), whatever the load order; stored columns as loaded, derived "
                      "columns computed from them by etl/sql/marts.sql when the row is written (all rows again "
                      "after a change of calendar, status groups or [timeliness] settings).",
                      DOSSIER_COLUMNS + DERIVED_COLUMNS, key=("dossier_code",))

# What a load changed, for the app's caches (ui/cache.py): figures of a period that ends before the
# first day a load's dossiers have stay cached across that load.
LOAD_TOUCHED = Table("load_touched", "Per dossier load, the earliest day among the dossier versions it wrote or "
                     "replaced (received, submitted, due, finished, returned); null when it changed none.", (
    C("load_id", "INTEGER", "Load; see `load_log`", "Lần nạp"),
    C("first_date", "DATE", "Earliest day of a dossier version the load wrote or replaced", "Ngày sớm nhất"),
), key=("load_id",))

TABLES = (LOAD_LOG, REJECTS, DOSSIER_SUPERSEDED, MART_DOSSIERS, SURVEY_RESPONSES, SURVEY_ANSWERS, RATINGS,
          RATING_CRITERIA, APPRAISAL_SCORES, PLAN_TASKS, LOAD_TOUCHED)

RATINGS_VIEW_COLUMNS = (
    C("rating_key", "VARCHAR", "Unique key: the stored key for a rating export, 'hs:' + dossier code for a dossier "
      "export's rating", "Khóa đánh giá"),
    C("source", "VARCHAR", "'rating_export' (a rating export) or 'dossier_export' (the rating column of a dossier "
      "export)", "Nguồn"),
    C("rating_id", "VARCHAR", "Rating id as exported, if any", "Mã đánh giá"),
    C("dossier_code", "VARCHAR", "Dossier rated, if given", "Mã hồ sơ"),
    C("is_linked", "BOOLEAN", "The dossier code is found in `dossiers`", "Khớp hồ sơ"),
    C("unit_code", "VARCHAR", "Unit rated (the export's unit, else the dossier's unit)", "Đơn vị"),
    C("field_code", "VARCHAR", "Field of the linked dossier; null when not linked", "Lĩnh vực"),
    C("rated_at", "TIMESTAMP", "When rated; for a dossier export's rating, when the result was returned "
      "(else finished)", "Thời điểm đánh giá"),
    C("rating_date", "DATE", "rated_at as a date", "Ngày đánh giá"),
    C("rating_code", "TINYINT", "3 Rất hài lòng, 2 Hài lòng, 1 Không hài lòng", "Mức độ hài lòng"),
    C("is_satisfied", "BOOLEAN", "rating_code 2 or 3", "Hài lòng"),
    C("comment", "VARCHAR", "Free-text comment", "Ý kiến"),
    C("load_id", "INTEGER", "Load; see `load_log`", "Lần nạp"),
    C("source_file", "VARCHAR", "File", "Tệp nguồn"),
    C("source_row", "INTEGER", "Row in file", "Dòng"),
)
RATING_CRITERIA_VIEW_COLUMNS = (
    C("rating_key", "VARCHAR", "See `ratings`", "Khóa đánh giá"),
    C("criterion_code", "VARCHAR", "Criterion code from rating_criteria.csv", "Mã tiêu chí"),
    C("criterion_name", "VARCHAR", "Criterion name from rating_criteria.csv", "Tiêu chí"),
    C("criterion_text", "VARCHAR", "Criterion as written in the file", "Tiêu chí (theo tệp)"),
    C("score", "TINYINT", "Score 2, 1 or 0", "Điểm"),
)

# Reference views: built from config and packages; declared here for the docs and checked by a test.
REFERENCE_VIEWS = (
    Table("units", VIEW_DOCS["units"], (
        C("unit_code", "VARCHAR", "Official ward code (5 digits, vietnam-provinces) or department code", "Mã đơn vị"),
        C("unit_name", "VARCHAR", "Official name", "Tên đơn vị"),
        C("unit_type", "VARCHAR", "xa | phuong | dac_khu | so_nganh | chi_nhanh", "Loại đơn vị"),
        C("unit_level", "VARCHAR", "'xa' (commune level) or 'tinh' (provincial)", "Cấp"),
        C("short_names", "VARCHAR", "Other spellings, '|'-separated", "Tên viết tắt"),
        C("province_name", "VARCHAR", "Province", "Tỉnh, thành phố"),
    )),
    Table("fields", VIEW_DOCS["fields"], (
        C("field_code", "VARCHAR", "Field code", "Mã lĩnh vực"),
        C("field_name", "VARCHAR", "Field name", "Lĩnh vực"),
        C("in_catalogue", "BOOLEAN", "False for a field first seen in an export (not in fields.csv)", "Có trong danh mục"),
    )),
    Table("calendar", VIEW_DOCS["calendar"], (
        C("cal_date", "DATE", "Day", "Ngày"),
        C("is_working_day", "BOOLEAN", "Mon–Fri minus holidays, plus make-up Saturdays", "Ngày làm việc"),
        C("holiday_name", "VARCHAR", "Holiday name (Vietnamese)", "Ngày lễ"),
        C("is_makeup_workday", "BOOLEAN", "A weekend day worked in exchange for a bridge holiday", "Ngày làm bù"),
        C("wd_seq", "INTEGER", "Working days on or before this day (differences give working days)", ""),
    )),
    Table("status_codes", VIEW_DOCS["status_codes"], (
        C("status_code", "TINYINT", "National status code", "Mã trạng thái"),
        C("status_name", "VARCHAR", "Status name", "Trạng thái"),
        C("status_group", "VARCHAR", "not_received | refused | in_progress | paused | withdrawn | stopped | resolved", "Nhóm"),
    )),
)


def documented_columns() -> dict[str, tuple[Column, ...]]:
    """View/table name → its declared columns, in the order the database shows them."""
    out = {"dossiers": DOSSIER_COLUMNS + DERIVED_COLUMNS}
    out["survey_responses"] = tuple(c for c in SURVEY_RESPONSES.columns if c.name != "row_hash")
    out["survey_answers"] = SURVEY_ANSWERS.columns
    out["ratings"] = RATINGS_VIEW_COLUMNS
    out["rating_criteria"] = RATING_CRITERIA_VIEW_COLUMNS
    for table in REFERENCE_VIEWS:
        out[table.name] = table.columns
    out["load_log"] = LOAD_LOG.columns
    out["rejects"] = REJECTS.columns
    out["appraisal_scores"] = APPRAISAL_SCORES.columns
    out["plan_tasks"] = PLAN_TASKS.columns
    return out


def markdown() -> str:
    """The README's 'SQL surface' section, generated from the declarations."""
    docs = {**VIEW_DOCS, "load_log": LOAD_LOG.doc, "rejects": REJECTS.doc, "appraisal_scores": APPRAISAL_SCORES.doc,
            "plan_tasks": PLAN_TASKS.doc}
    parts = []
    for name, columns in documented_columns().items():
        parts.append(f"#### `{name}`\n{docs[name]}\n")
        parts.extend(f"- `{c.name}` ({c.sql_type.lower()}): {c.doc}" for c in columns)
        parts.append("")
    return "\n".join(parts)
