"""UI pieces of the Mức độ hài lòng page: KPI cards against the target, rate charts with their 95%
intervals (greyed below the minimum number of responses), answer distributions, the lowest units,
dissatisfied ratings linked to their dossier, and the comments table.

Builders only shape what the query layer returned (labels, formats, figures); they never count.
"""
from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from core import format as fmt
from queries.satisfaction import LEVELS, SOURCES, Rate, RatingMix, Targets
from queries.standing import GroupSummary, Standing
from ui.charts import BOTTOM_LEGEND, COLORS, rate_distribution_chart, titled
from ui.filters import View, clicked_row, go_to
from ui.tables import PLACEHOLDER, WRAP_ROW_HEIGHT, count_column, numbers

LATE_PAGE = "pages/late.py"  # the late-dossiers page opens a dossier's detail from ?hs=<code>
DOSSIER_CLICK = "sat_dossier_open"
GOOD, BELOW, GREY = COLORS["resolved"], "#e07b00", "#c9ccd1"
SCORE_COLORS = {1: "#c8372d", 2: "#ec8f5e", 3: "#d9d9d9", 4: "#8cc39b", 5: "#2e9d5b"}
MAX_BARS = 35  # the unit chart shows this many; the full list is in the table under it
RATE_COLUMNS = {"survey": ("survey_rate", "survey_answers"), "rating": ("rating_rate", "ratings")}
N_WORDS = {"survey": "câu trả lời", "rating": "lượt đánh giá"}


def interval_text(rate: Rate) -> str:
    span = rate.interval
    return "—" if span is None else f"{fmt.percent(span[0])} – {fmt.percent(span[1])}"


def points(delta: float) -> str:
    """A difference of rates in percentage points, signed: '+2,5 điểm %', '-3,0 điểm %' (an ASCII
    minus: st.metric reads it to draw the arrow down and red)."""
    sign = "+" if delta >= 0 else "-"
    return f"{sign}{fmt.number(abs(delta) * 100, 1)} điểm %"


# --- cards ----------------------------------------------------------------------------------------


def kpi_cards(survey: Rate, ratings: Rate, mix: RatingMix, t: Targets) -> None:
    cards = st.columns(4)
    for card, rate, source, what in ((cards[0], survey, "survey", f"{fmt.number(survey.responses)} phiếu"),
                                     (cards[1], ratings, "rating", "")):
        value = fmt.percent(rate.rate)
        few = rate.total < t.min_responses
        delta = None if rate.rate is None or few else f"{points(rate.rate - t.target)} so với mục tiêu"
        rule = ("Tỷ lệ câu trả lời 4 (hài lòng) hoặc 5 (rất hài lòng) trên tổng số câu trả lời (câu bỏ trống "
                "không tính)." if source == "survey" else
                "Tỷ lệ lượt đánh giá «Hài lòng» hoặc «Rất hài lòng» trên tổng số lượt đánh giá (gồm tệp đánh giá "
                "và cột đánh giá trong tệp hồ sơ).")
        card.metric(
            SOURCES[source], value + (" *" if few and rate.rate is not None else ""), delta,
            help=f"{rule} n = {fmt.number(rate.total)} {N_WORDS[source]}" + (f" ({what})" if what else "")
                 + f"; khoảng tin cậy 95% (Wilson): {interval_text(rate)}. Mục tiêu: {fmt.percent(t.target, 0)}."
                 + (f" * Dưới {t.min_responses} {N_WORDS[source]}: chưa đủ để đánh giá." if few else ""))
        card.caption(f"n = {fmt.number(rate.total)} {N_WORDS[source]}" + (f", {what}" if what else "")
                     + f" · KTC 95%: {interval_text(rate)}")
    cards[2].metric("Đánh giá «Không hài lòng»", fmt.number(mix.unhappy),
                    help=f"Trong {fmt.number(ratings.total)} lượt đánh giá của kỳ: {fmt.number(mix.very)} rất hài "
                         f"lòng, {fmt.number(mix.satisfied)} hài lòng, {fmt.number(mix.unhappy)} không hài lòng.")
    cards[2].caption(f"{fmt.number(mix.very)} rất hài lòng · {fmt.number(mix.satisfied)} hài lòng")
    cards[3].metric("Đánh giá chưa khớp hồ sơ", fmt.number(mix.unlinked),
                    help="Lượt đánh giá ghi mã hồ sơ không có trong dữ liệu hồ sơ đã nạp: vẫn tính cho đơn vị, "
                         "nhưng không mở được hồ sơ. Kiểm tra mã, hoặc nạp tệp hồ sơ còn thiếu.")
    cards[3].caption(f"{fmt.number(mix.from_dossier_exports)} lượt lấy từ cột đánh giá của tệp hồ sơ")


# --- rate charts ----------------------------------------------------------------------------------


def _colors(rates: list, ns: list, t: Targets) -> list[str]:
    return [GREY if n < t.min_responses or r is None else GOOD if r >= t.target else BELOW for r, n in zip(rates, ns)]


def rate_bars(frame: pl.DataFrame, label: str, rate: str, n: str, t: Targets, title: str, subtitle: str,
              n_word: str, sort: bool = True) -> go.Figure:
    """Horizontal bars with the 95% interval as error bars; ranked rows sorted best to worst, rows
    under the minimum greyed at the bottom (unranked)."""
    data = frame.filter(pl.col(rate).is_not_null())
    if sort:
        data = data.with_columns((pl.col(n) >= t.min_responses).alias("_ranked")).sort(
            ["_ranked", rate, n], descending=[False, False, False])
    else:
        data = data.reverse()  # plotly draws the first row at the bottom
    rates, ns = data[rate].to_list(), data[n].to_list()
    low, high = data[rate + "_low"].to_list(), data[rate + "_high"].to_list()
    names = [f"{name} · {fmt.number(k)}" for name, k in zip(data[label].to_list(), ns)]
    hover = [f"{name}: {fmt.percent(r)} (n = {fmt.number(k)} {n_word}; KTC 95%: {fmt.percent(lo)} – "
             f"{fmt.percent(hi)})" + (" — ít dữ liệu, không xếp hạng" if k < t.min_responses else "")
             for name, r, k, lo, hi in zip(data[label].to_list(), rates, ns, low, high)]
    fig = go.Figure()
    fig.add_bar(
        y=names, x=[r * 100 for r in rates], orientation="h", marker_color=_colors(rates, ns, t),
        error_x={"type": "data", "symmetric": False, "array": [(h - r) * 100 for h, r in zip(high, rates)],
                 "arrayminus": [(r - lo) * 100 for r, lo in zip(rates, low)], "color": "#555b65", "thickness": 1.2,
                 "width": 3},
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", showlegend=False,
        text=[fmt.percent(r) for r in rates], textposition="inside", insidetextanchor="start",
        textfont={"color": ["#3d434c" if c == GREY else "white" for c in _colors(rates, ns, t)], "size": 11},
    )
    fig.add_vline(x=t.target * 100, line_dash="dash", line_color=COLORS["late"],
                  annotation_text=f"Mục tiêu {fmt.percent(t.target, 0)}", annotation_position="top")
    fig.update_layout(height=max(260, 90 + 24 * len(names)), hovermode="closest", bargap=0.3)
    fig.update_xaxes(range=[0, 101], ticksuffix="%", showgrid=True, gridcolor="#e6e8eb")
    fig.update_yaxes(tickformat=None, automargin=True, gridcolor="rgba(0,0,0,0)")
    return titled(fig, title, subtitle)


def unit_chart(units: pl.DataFrame, source: str, t: Targets) -> go.Figure:
    rate, n = RATE_COLUMNS[source]
    with_data = units.filter(pl.col(n) > 0)
    ranked = with_data.filter(pl.col(n) >= t.min_responses).sort(rate)
    greyed = with_data.filter(pl.col(n) < t.min_responses).sort(n, descending=True)
    shown = pl.concat([ranked.head(MAX_BARS), greyed.head(max(0, MAX_BARS - ranked.height))])
    more = with_data.height - shown.height
    sub = (f"{ranked.height} đơn vị đủ {t.min_responses} {N_WORDS[source]} được xếp từ cao xuống thấp; "
           f"{greyed.height} đơn vị ít dữ liệu tô xám, không xếp hạng. Vạch đen: khoảng tin cậy 95%."
           + (f" {more} đơn vị khác xem ở bảng bên dưới." if more > 0 else ""))
    return rate_bars(shown, "name", rate, n, t, f"Tỷ lệ hài lòng theo đơn vị — {SOURCES[source]}", sub,
                     N_WORDS[source])


def _interval(rate: str) -> pl.Expr:
    """'80,1% – 92,3%' from the rate's _low and _high columns (text: an interval does not sort)."""
    return pl.struct(rate + "_low", rate + "_high").map_elements(
        lambda s: "" if s[rate + "_low"] is None else f"{fmt.percent(s[rate + '_low'])} – {fmt.percent(s[rate + '_high'])}",
        return_dtype=pl.String)


def rates_table(frame: pl.DataFrame, label: str, t: Targets) -> None:
    """Every row with both sources: n, rate and interval; rates below the minimum marked. Counts and
    rates stay numbers (they sort as numbers)."""
    few = []
    for source, n in (("khảo sát", "survey_answers"), ("đánh giá", "ratings")):
        few.append(pl.when((pl.col(n) > 0) & (pl.col(n) < t.min_responses)).then(pl.lit(f"ít dữ liệu {source}")))
    shown = frame.sort("name").select(
        pl.col("name").alias(label),
        pl.col("survey_answers").alias("Câu trả lời khảo sát"),
        pl.col("survey_rate").alias("Hài lòng (khảo sát)"),
        _interval("survey_rate").alias("KTC 95% (khảo sát)"),
        pl.col("ratings").alias("Lượt đánh giá"),
        pl.col("rating_rate").alias("Hài lòng (đánh giá)"),
        _interval("rating_rate").alias("KTC 95% (đánh giá)"),
        pl.col("ratings_unhappy").alias("Không hài lòng"),
        pl.concat_str(few, separator="; ", ignore_nulls=True).fill_null("").alias("Lưu ý"),
    )
    st.dataframe(numbers(shown, percents={"Hài lòng (khảo sát)": 1, "Hài lòng (đánh giá)": 1}),
                 hide_index=True, width="stretch", height=min(420, 38 + 35 * shown.height), placeholder=PLACEHOLDER,
                 column_config={label: st.column_config.TextColumn(width="medium"),
                                **{c: count_column() for c in ("Câu trả lời khảo sát", "Lượt đánh giá",
                                                               "Không hài lòng")},
                                "Lưu ý": st.column_config.TextColumn(
                                    help=f"Dưới {t.min_responses} câu trả lời hoặc lượt đánh giá: tỷ lệ chưa đủ để "
                                         "đánh giá, không xếp hạng.")})


def trend_chart(trend: pl.DataFrame, t: Targets, end: date) -> go.Figure:
    months = [f"{m:%m/%Y}" for m in trend["month"].to_list()]
    fig = go.Figure()
    for source, color in (("survey", COLORS["received"]), ("rating", GOOD)):
        rate, n = RATE_COLUMNS[source]
        rates, ns = trend[rate].to_list(), trend[n].to_list()
        low, high = trend[rate + "_low"].to_list(), trend[rate + "_high"].to_list()
        hover = [("không có dữ liệu" if r is None else
                  f"{fmt.percent(r)} (n = {fmt.number(k)}; KTC 95%: {fmt.percent(lo)} – {fmt.percent(hi)})"
                  + (" — ít dữ liệu" if k < t.min_responses else "")) for r, k, lo, hi in zip(rates, ns, low, high)]
        fig.add_scatter(
            x=months, y=[None if r is None else r * 100 for r in rates], name=SOURCES[source], mode="lines+markers",
            line={"color": color, "width": 2}, connectgaps=False,
            marker={"size": [9 if k >= t.min_responses else 6 for k in ns],
                    "color": [color if k >= t.min_responses else GREY for k in ns],
                    "line": {"color": color, "width": 1}},
            error_y={"type": "data", "symmetric": False, "color": color, "thickness": 1, "width": 3,
                     "array": [None if r is None else (h - r) * 100 for r, h in zip(rates, high)],
                     "arrayminus": [None if r is None else (r - lo) * 100 for r, lo in zip(rates, low)]},
            hovertext=hover, hovertemplate="%{hovertext}<extra>" + SOURCES[source] + "</extra>")
    fig.add_hline(y=t.target * 100, line_dash="dash", line_color=COLORS["late"],
                  annotation_text=f"Mục tiêu {fmt.percent(t.target, 0)}", annotation_position="bottom right")
    fig.update_layout(hovermode="x unified", legend=BOTTOM_LEGEND, margin={"b": 60}, height=380)
    lows = [lo for lo in trend["survey_rate_low"].to_list() + trend["rating_rate_low"].to_list() if lo is not None]
    bottom = min([t.target, *lows]) * 100
    fig.update_yaxes(range=[max(0, (bottom // 10) * 10 - 5), 101], ticksuffix="%", tickformat=None)
    return titled(fig, "Tỷ lệ hài lòng 12 tháng gần nhất",
                   f"Theo tháng đến ngày {fmt.day(end)} (cuối kỳ đang xem), với đơn vị và lĩnh vực đang lọc; "
                   "điểm xám: ít hơn mức tối thiểu để đánh giá")


def question_chart(questions: pl.DataFrame) -> go.Figure:
    """Answers 1–5 per question as 100% stacked bars (mapped questions in code order)."""
    data = questions.filter(pl.col("answers") > 0).reverse()
    labels = [f"{code or '?'} · {_short(text)}" for code, text in
              zip(data["question_code"].to_list(), data["question_text"].to_list())]
    words = {1: "1 – Rất không hài lòng", 2: "2 – Không hài lòng", 3: "3 – Bình thường", 4: "4 – Hài lòng",
             5: "5 – Rất hài lòng"}
    bars = [(data[f"n{score}"].to_list(), words[score], SCORE_COLORS[score]) for score in range(1, 6)]
    full = [f"{code or '?'} · {text}" for code, text in zip(data["question_code"].to_list(),
                                                           data["question_text"].to_list())]
    fig = _share_bars(labels, data["answers"].to_list(), bars, min_height=280, hover_names=full)
    return titled(fig, "Phân bố câu trả lời theo câu hỏi", "Tỷ lệ mỗi mức điểm 1–5 trên số người trả lời câu đó")


def _short(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"


def criteria_chart(criteria: pl.DataFrame) -> go.Figure:
    data = criteria.reverse()
    labels = [f"{c} · {name}" for c, name in zip(data["criterion_code"].to_list(), data["criterion_name"].to_list())]
    bars = [(data[col].to_list(), name, color) for col, name, color in
            (("n0", "0 điểm", SCORE_COLORS[1]), ("n1", "1 điểm", SCORE_COLORS[3]), ("n2", "2 điểm", SCORE_COLORS[5]))]
    fig = _share_bars(labels, data["answers"].to_list(), bars, min_height=260)
    return titled(fig, "Chín tiêu chí đánh giá trên Cổng DVC", "Tỷ lệ lượt chấm 2, 1, 0 điểm cho mỗi tiêu chí")


def _share_bars(labels: list[str], total: list[int], bars: list[tuple[list[int], str, str]],
                min_height: int, hover_names: list[str] | None = None) -> go.Figure:
    """100% stacked horizontal bars: each of `bars` (counts per label, name, colour) as a share of `total`;
    `hover_names`: the labels in full, when the axis shows them cut."""
    names = hover_names or labels
    fig = go.Figure()
    for counts, name, color in bars:
        fig.add_bar(y=labels, x=[c / n * 100 if n else 0 for c, n in zip(counts, total)], orientation="h",
                    name=name, marker_color=color, customdata=[[c, n, t] for c, n, t in zip(counts, total, names)],
                    hovertemplate="%{customdata[2]}<br>" + name + ": %{x:.1f}% (%{customdata[0]:,d} / "
                                  "%{customdata[1]:,d})<extra></extra>")
    fig.update_layout(barmode="stack", height=max(min_height, 110 + 30 * len(labels)), hovermode="closest",
                      legend=BOTTOM_LEGEND, margin={"b": 60})
    fig.update_xaxes(range=[0, 100], ticksuffix="%")
    fig.update_yaxes(tickformat=None, automargin=True)
    return fig


# --- tables ---------------------------------------------------------------------------------------


def lowest_table(lowest: pl.DataFrame, source: str, t: Targets, group: GroupSummary) -> None:
    if lowest.height == 0:
        st.caption(f"Chưa đơn vị nào có đủ {t.min_responses} {N_WORDS[source]} trong kỳ để xếp hạng. Chọn kỳ dài "
                   "hơn (quý, năm) ở thanh bên.")
        return
    shown = lowest.select(
        pl.col("name").alias("Đơn vị"),
        pl.col("rate").alias("Tỷ lệ"),
        _interval("rate").alias("KTC 95%"),
        pl.col("n").alias("n"),
        pl.col("unit_rank").alias("Hạng"),
    )
    st.dataframe(numbers(shown, percents={"Tỷ lệ": 1}), hide_index=True, width="stretch",
                 column_config={"Đơn vị": st.column_config.TextColumn(width="medium"),
                                "Tỷ lệ": st.column_config.NumberColumn(width="small"),
                                "n": count_column(width="small", help=f"Số {N_WORDS[source]} của đơn vị trong kỳ"),
                                "Hạng": st.column_config.NumberColumn(
                                    format="%d", width="small",
                                    help=f"Trong {fmt.number(group.ranked)} đơn vị toàn tỉnh được xếp hạng "
                                         "(1: tỷ lệ cao nhất)")})


def standing_block(standing: Standing, source: str, t: Targets) -> None:
    """For a viewer who may not see other units: where each of his units stands in the province —
    rank, the province's median and best, and the distribution (no other unit named)."""
    group = standing.summary
    ranked = standing.rows.filter(pl.col("is_ranked"))
    for r in standing.rows.iter_rows(named=True):
        if r["is_ranked"]:
            st.markdown(f"**{r['name']}:** {fmt.percent(r['rate'])} (n = {fmt.number(r['n'])} {N_WORDS[source]}) — "
                        f"**hạng {r['unit_rank']}/{fmt.number(group.ranked)}** trong toàn tỉnh (hạng 1: tỷ lệ cao "
                        f"nhất). Trung vị toàn tỉnh {fmt.number(group.median, 1)}%, cao nhất "
                        f"{fmt.number(group.best, 1)}%.")
        else:
            st.markdown(f"**{r['name']}:** {fmt.percent(r['rate'])} từ {fmt.number(r['n'])} {N_WORDS[source]}, dưới "
                        f"{t.min_responses} nên chưa xếp hạng.")
    if standing.rows.height == 0:
        st.caption(f"Đơn vị của bạn chưa có {N_WORDS[source]} nào trong kỳ.")
    if group.ranked > 1:
        marks = [(r["name"], r["rate"] * 100) for r in ranked.iter_rows(named=True)]
        st.plotly_chart(rate_distribution_chart(
            group, marks, f"Tỷ lệ hài lòng của các đơn vị trong tỉnh — {SOURCES[source]}",
            f"Số đơn vị theo tỷ lệ (mỗi cột 5 điểm %), {fmt.number(group.ranked)} đơn vị có từ {t.min_responses} "
            f"{N_WORDS[source]}; vạch đen: đơn vị của bạn", GOOD), width="stretch")


def dissatisfied_table(rows: pl.DataFrame, view: View) -> None:
    """Ratings «Không hài lòng»; a click on a dossier code opens it on the late page in this tab."""
    if rows.height == 0:
        st.success("Không có lượt đánh giá «Không hài lòng» nào trong kỳ với bộ lọc đang chọn.", icon=":material/check_circle:")
        return
    shown = rows.select(
        pl.col("rated_at").alias("Ngày"),
        pl.col("unit_name").alias("Đơn vị"),
        pl.when(pl.col("is_linked")).then(pl.col("dossier_code")).alias("Hồ sơ"),
        pl.when(pl.col("dossier_code").is_null()).then(pl.lit("Không ghi mã hồ sơ"))
        .when(~pl.col("is_linked")).then(pl.format("Mã {} chưa có trong dữ liệu", pl.col("dossier_code")))
        .otherwise(pl.col("comment").fill_null("")).alias("Ý kiến / ghi chú"),
    )
    st.dataframe(shown, hide_index=True, width="stretch", height=min(400, 38 + WRAP_ROW_HEIGHT * shown.height),
                 row_height=WRAP_ROW_HEIGHT, placeholder="",
                 column_config={
                     "Ngày": st.column_config.DatetimeColumn(format="DD/MM/YYYY", width="small"),
                     "Hồ sơ": st.column_config.ButtonColumn(
                         "Hồ sơ", type="tertiary", key=DOSSIER_CLICK,
                         help="Bấm mã để mở chi tiết hồ sơ trên trang Trễ hạn"),
                     "Ý kiến / ghi chú": st.column_config.TextColumn(width="large"),
                 })
    row = clicked_row(DOSSIER_CLICK)
    if row is not None and rows["is_linked"][row]:
        go_to(LATE_PAGE, view, hs=rows["dossier_code"][row])


def theme_chart(themes: pl.DataFrame) -> go.Figure:
    """Comments per complaint theme (most mentioned on top), split by whether the person was unhappy."""
    data = themes.reverse()
    names = data["theme"].to_list()
    unhappy, total = data["unhappy"].to_list(), data["comments"].to_list()
    fig = go.Figure()
    fig.add_bar(y=names, x=unhappy, orientation="h", name="Chưa hài lòng", marker_color=SCORE_COLORS[1],
                hovertemplate="%{y}: %{x:,d} ý kiến của người chưa hài lòng<extra></extra>")
    fig.add_bar(y=names, x=[a - b for a, b in zip(total, unhappy)], orientation="h", name="Khác",
                marker_color="#9db4cc", hovertemplate="%{y}: %{x:,d} ý kiến khác<extra></extra>",
                text=[fmt.number(v) for v in total], textposition="outside", cliponaxis=False)
    fig.update_layout(barmode="stack", height=110 + 34 * len(names), hovermode="closest", legend=BOTTOM_LEGEND,
                      margin={"b": 60, "r": 30})
    fig.update_xaxes(showticklabels=False, showgrid=False, range=[0, max(total + [1]) * 1.15])
    fig.update_yaxes(tickformat=None, automargin=True, gridcolor="rgba(0,0,0,0)")
    return titled(fig, "Chủ đề được nhắc nhiều nhất", "Số ý kiến có từ khóa của chủ đề")


def comments_table(rows: pl.DataFrame) -> None:
    shown = rows.select(
        pl.col("comment_date").alias("Ngày"),
        pl.col("comment").alias("Ý kiến"),
        pl.when(pl.col("source") == "rating")
        .then(pl.col("rating_code").replace_strict(LEVELS, default="", return_dtype=pl.String))
        .otherwise(pl.format("Khảo sát, điểm TB {}", pl.col("mean_score").map_elements(
            lambda v: fmt.number(v, 1), return_dtype=pl.String))).alias("Đánh giá / điểm"),
        pl.col("unit_name").alias("Đơn vị"),
    )
    st.dataframe(shown, hide_index=True, width="stretch", height=min(460, 38 + WRAP_ROW_HEIGHT * shown.height),
                 row_height=WRAP_ROW_HEIGHT,  # long comments wrap, read in full
                 column_config={"Ngày": st.column_config.DateColumn(format="DD/MM/YYYY", width="small"),
                                "Ý kiến": st.column_config.TextColumn(width="large"),
                                "Đánh giá / điểm": st.column_config.TextColumn(width="medium"),
                                "Đơn vị": st.column_config.TextColumn(width="medium")})
