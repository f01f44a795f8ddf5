"""Page: citizen satisfaction (Mức độ hài lòng) — survey and portal-rating rates against the target,
by unit, factor, field and month, each with n and its 95% interval; answers per question; the
lowest units; dissatisfied ratings linked to their dossier; what people said."""
from dataclasses import replace

import streamlit as st

from core import format as fmt
from queries import satisfaction as sat
from queries.reference import units as unit_list
from reports.satisfaction import SatisfactionReport, satisfaction_xlsx_bytes
from ui import satisfaction_view as ui
from ui.auth import download
from ui.cache import cached
from ui.data import connection
from ui.hints import admin_only
from ui.layout import open_page, view_context

page = open_page("Mức độ hài lòng")
con, view, period, filters = page.con, page.view, page.period, page.filters
t = sat.targets(period.end.year)  # the year's target (targets.csv), drawn on every chart

survey = cached(sat.survey_rate, filters)
ratings = cached(sat.rating_rate, filters)
if survey.total == 0 and ratings.total == 0:
    span = cached(sat.data_span, filters.scope)
    have = []
    if span.survey_first:
        have.append(f"phiếu khảo sát từ {fmt.day(span.survey_first)} đến {fmt.day(span.survey_last)}")
    if span.rating_first:
        have.append(f"lượt đánh giá từ {fmt.day(span.rating_first)} đến {fmt.day(span.rating_last)}")
    st.info(f"Kỳ đang xem ({period.label()}) không có phiếu khảo sát hay lượt đánh giá nào với đơn vị, lĩnh vực đang "
            "chọn. " + (f"Dữ liệu hiện có {' và '.join(have)}: hãy chọn một kỳ trong khoảng đó (ví dụ quý hoặc năm) "
                        "ở thanh bên, hoặc bỏ bớt đơn vị, lĩnh vực đang lọc." if have else
                        "Chưa nạp tệp khảo sát hay tệp đánh giá nào: nạp tệp kết quả khảo sát SIPAS hoặc tệp đánh giá "
                        "xuất từ Cổng dịch vụ công ở trang Dữ liệu."), icon=":material/info:")
    st.stop()

ui.kpi_cards(survey, ratings, cached(sat.rating_mix, filters), t)
st.caption(f"Hai nguồn tính riêng, không cộng gộp. Tỷ lệ dựa trên ít hơn {t.min_responses} câu trả lời (khảo sát) "
           f"hoặc {t.min_responses} lượt đánh giá bị tô xám và không xếp hạng"
           + admin_only(" (đặt trong settings.toml (thư mục thiết lập), mục [satisfaction])") + ". KTC 95%: khoảng "
           "tin cậy Wilson; với khảo sát, mỗi người trả lời nhiều câu nên khoảng tin cậy thực tế rộng hơn khoảng hiển "
           "thị. Số điện thoại, số giấy tờ trong ý kiến được che.")

sources = list(sat.SOURCES)
source = st.segmented_control("Nguồn dữ liệu cho biểu đồ theo đơn vị và lĩnh vực", sources,
                              default="survey" if survey.total >= ratings.total else "rating",
                              format_func=sat.SOURCES.get, key="sat_source") or "survey"
by_unit = cached(sat.by_unit, filters)
st.plotly_chart(ui.unit_chart(by_unit, source, t), width="stretch")
with st.expander(f"Bảng đầy đủ {by_unit.height} đơn vị (cả hai nguồn)"):
    ui.rates_table(by_unit, "Đơn vị", t)

left, right = st.columns(2)
with left:
    factors = cached(sat.by_factor, filters)
    st.plotly_chart(ui.rate_bars(factors, "factor_name", "rate", "answers", t, "Theo yếu tố SIPAS (khảo sát)",
                                 "Câu trả lời 4–5 trên số câu trả lời của các câu hỏi thuộc yếu tố", "câu trả lời",
                                 sort=False), width="stretch")
criteria = cached(sat.by_criterion, filters)
with right:
    if criteria.height:
        st.plotly_chart(ui.criteria_chart(criteria), width="stretch")
    else:
        st.caption("Chưa có tệp đánh giá nào chấm chín tiêu chí (2/1/0) trong kỳ.")

fields = cached(sat.by_field, filters)
rate, n = ui.RATE_COLUMNS[source]
st.plotly_chart(ui.rate_bars(fields.filter(fields[n] > 0), "name", rate, n, t,
                             f"Tỷ lệ hài lòng theo lĩnh vực — {sat.SOURCES[source]}",
                             "Lượt đánh giá không khớp hồ sơ thì không biết lĩnh vực (Chưa rõ lĩnh vực)",
                             ui.N_WORDS[source]), width="stretch")
months = cached(sat.trend, filters)
st.plotly_chart(ui.trend_chart(months, t, filters.end), width="stretch")

questions = cached(sat.by_question, filters)
if questions.height:
    st.plotly_chart(ui.question_chart(questions), width="stretch")
    unmapped = questions.filter(~questions["is_mapped"])
    if unmapped.height:
        st.warning("Câu hỏi chưa gắn với yếu tố SIPAS (vẫn tính vào tỷ lệ chung, không thuộc yếu tố nào): "
                   + "; ".join(f"«{q}» ({fmt.number(k)} câu trả lời)" for q, k in
                               zip(unmapped["question_text"].to_list(), unmapped["answers"].to_list()))
                   + admin_only(". Thêm vào survey_questions.csv (thư mục thiết lập) rồi chạy «python -m etl rebuild».",
                                ". Quản trị dữ liệu cần gắn các câu hỏi này với yếu tố SIPAS."), icon=":material/warning:")

left, right = st.columns(2)
with left:
    # Ranked over the whole province, cut to what the viewer may read (queries.standing).
    standing = cached(sat.unit_ranking, filters, source, t.min_responses)
    if standing.summary.peers_named:
        st.markdown("#### Đơn vị có tỷ lệ thấp nhất")
        st.caption(f"{sat.SOURCES[source]}; chỉ xếp đơn vị có từ {t.min_responses} {ui.N_WORDS[source]} trở lên.")
        ui.lowest_table(cached(sat.lowest_units, filters, source, t.min_responses), source, t, standing.summary)
    else:
        st.markdown("#### Vị trí của đơn vị trong tỉnh")
        st.caption(f"{sat.SOURCES[source]}; xếp hạng trong toàn tỉnh các đơn vị có từ {t.min_responses} "
                   f"{ui.N_WORDS[source]} trở lên. Theo phân quyền, tên và tỷ lệ của các đơn vị khác không hiển thị.")
        ui.standing_block(standing, source, t)
with right:
    st.markdown("#### Đánh giá «Không hài lòng»")
    st.caption("Mới nhất trước. Bấm mã hồ sơ để xem chi tiết hồ sơ trên trang Trễ hạn.")
    ui.dissatisfied_table(cached(sat.dissatisfied_ratings, filters), view)

st.markdown("#### Ý kiến người dân")
search = st.text_input("Tìm trong ý kiến (không cần gõ dấu)", key="sat_search",
                       placeholder="ví dụ: thai do, chờ lâu, lệ phí, trực tuyến…")
c1, c2, c3, c4 = st.columns([1, 1, 2, 2])
pick_source = c1.selectbox("Nguồn", ["all", *sources], key="sat_c_source",
                           format_func=lambda s: "Tất cả" if s == "all" else sat.SOURCES[s])
verdicts = {"all": "Tất cả", "unhappy": "Chưa hài lòng", "happy": "Hài lòng"}
verdict = c2.selectbox("Mức độ", list(verdicts), key="sat_c_verdict", format_func=verdicts.get,
                       help="Chưa hài lòng: đánh giá «Không hài lòng», hoặc phiếu khảo sát có dưới một nửa số câu "
                            "trả lời đạt 4–5 điểm.")
unit_rows = cached(unit_list, filters.scope)
names = dict(zip(unit_rows["unit_code"].to_list(), unit_rows["unit_name"].to_list()))
options = sorted(filters.unit_codes) if filters.unit_codes else list(names)
picked_units = c3.multiselect("Đơn vị", options, format_func=names.get, key="sat_c_units",
                              placeholder="Các đơn vị đang lọc")
days = c4.date_input("Từ ngày – đến ngày", (period.start, period.end), format="DD/MM/YYYY", key="sat_c_days")
start, end = (days[0], days[-1]) if isinstance(days, (tuple, list)) and days else (period.start, period.end)
narrowed = replace(filters, start=start, end=end, unit_codes=frozenset(picked_units) or filters.unit_codes)

found = cached(sat.comment_count, narrowed, search, pick_source, verdict)
st.plotly_chart(ui.theme_chart(cached(sat.theme_counts, narrowed, search, pick_source, verdict)), width="stretch")
st.caption("Đếm ý kiến có từ khóa của chủ đề" + admin_only(" (complaint_themes.csv (thư mục thiết lập))")
           + ", trong các ý kiến đang lọc ở trên; một ý kiến có thể thuộc nhiều chủ đề. Màu đỏ: ý kiến của người chưa "
           "hài lòng.")
rows = cached(sat.comments, narrowed, search, pick_source, verdict)
if rows.height == 0:
    st.info(("Không có ý kiến nào chứa «" + search + "». Thử ít từ hơn hoặc từ khác (không cần gõ dấu), "
             if search.strip() else "Không có ý kiến nào ") +
            "trong khoảng ngày, đơn vị và mức độ đang chọn: mở rộng khoảng ngày hoặc chọn «Tất cả».", icon=":material/info:")
else:
    st.markdown(f"**{fmt.number(found)} ý kiến**" + (f" chứa «{search.strip()}»" if search.strip() else "")
                + (f" · hiện {fmt.number(rows.height)} ý kiến mới nhất" if found > rows.height else ""))
    ui.comments_table(rows)


def xlsx() -> bytes:
    """The page's tables for the period and selection, and every comment matching the search (made on click)."""
    return satisfaction_xlsx_bytes(SatisfactionReport(
        view_context(view), t.min_responses, by_unit, fields, factors, questions, months,
        sat.comments(connection(), narrowed, search, pick_source, verdict, limit=max(found, 1))))


# The file is made, and the export audited, when the viewer clicks (ui.auth.download).
download("Tải bảng số liệu (.xlsx)", xlsx, f"muc-do-hai-long_{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:",
         unit_codes=filters.unit_codes, key="sat_download")
