"""UI pieces of the Trễ hạn page: KPI cards, charts, the late list and one dossier's detail.

Builders only shape what the query layer returned (labels, formats, figures); they never count.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from core import format as fmt
from core.settings import settings
from queries.late import DossierDetail, LateSummary
from queries.periods import Period
from queries.standing import Standing
from ui.charts import (
    BOTTOM_LEGEND,
    COLORS,
    base_layout,
    count_axis,
    rate_distribution_chart,
    titled,
)
from ui.tables import count_column

OVERDUE_COLOR = "#e07b00"  # open and past due: orange next to the red of "resolved late"
SOON_COLOR = "#f0b429"
STATE_LABELS = {"resolved_late": "Đã xong, trễ hạn", "overdue": "Đang quá hạn", "due_soon": "Sắp đến hạn",
                "other": ""}
APOLOGY_LABELS = {"on_time": "Có", "too_late": "Có, nhưng muộn", "none": "Không"}
NOT_FINISHED = "chưa xong"


def rows_shown() -> int:
    """How many rows of the late list the page draws (settings.toml [late]); the download holds all."""
    return settings().late.list_rows_shown


def soon_days() -> int:
    """The due-soon window in working days (settings.toml [late], as queries.late counts it)."""
    return settings().late.due_soon_working_days


def rank_threshold(ranking: Standing) -> int:
    """The minimum resolved volume the ranking used (queries.late.unit_ranking carries it; settings.toml
    [late] when no row is shown)."""
    rows = ranking.rows
    return int(rows["min_resolved"][0]) if rows.height else settings().late.min_resolved_to_rank


# --- cards ----------------------------------------------------------------------------------------


def kpi_cards(s: LateSummary, period: Period) -> None:
    cards = st.columns(5)
    cards[0].metric("Giải quyết trễ hạn", fmt.number(s.resolved_late),
                    help=f"Hồ sơ có kết quả trong kỳ ({period.label()}) sau ngày hẹn trả, trên "
                         f"{fmt.number(s.resolved)} hồ sơ đã giải quyết.")
    cards[1].metric("Tỷ lệ trễ hạn", fmt.percent(s.late_rate),
                    help="Số giải quyết trễ hạn / số đã giải quyết trong kỳ.")
    cards[2].metric("Đang quá hạn", fmt.number(s.overdue),
                    help=f"Hồ sơ chưa có kết quả mà ngày hẹn trả đã qua, tính đến {fmt.day(s.as_of)} "
                         "(không phụ thuộc kỳ đang xem).")
    cards[3].metric("Sắp đến hạn", fmt.number(s.due_soon),
                    help=f"Hồ sơ chưa có kết quả, hạn trả trong hôm nay ({fmt.day(s.as_of)}) hoặc {soon_days()} ngày "
                         "làm việc tới: cảnh báo sớm để kịp giải quyết hoặc gửi phiếu xin lỗi.")
    cards[4].metric("Trễ hạn không xin lỗi", fmt.number(s.without_apology),
                    help=f"{fmt.number(s.resolved_late_without_apology)} hồ sơ giải quyết trễ trong kỳ và "
                         f"{fmt.number(s.overdue_without_apology)} hồ sơ đang quá hạn không có phiếu xin lỗi và hẹn "
                         "lại ngày trả phát hành trước ngày hẹn trả ít nhất một ngày (phiếu phát hành vào hoặc sau "
                         f"ngày hẹn trả bị tính là không xin lỗi: {fmt.number(s.apology_too_late)} hồ sơ). "
                         "Lãnh đạo coi đây là lỗi kỷ luật hành chính.")


# --- charts ---------------------------------------------------------------------------------------


def buckets_chart(b: pl.DataFrame) -> go.Figure:
    fig = go.Figure()
    for col, name, color in (("resolved_late", "Giải quyết trễ trong kỳ", COLORS["late"]),
                             ("overdue", "Đang quá hạn", OVERDUE_COLOR)):
        fig.add_bar(x=b["bucket"].to_list(), y=b[col].to_list(), name=name, marker_color=color,
                    texttemplate="%{y:,d}", textposition="outside", cliponaxis=False,
                    hovertemplate="%{x}: %{y:,d} hồ sơ")
    top = max(b["resolved_late"].max() or 0, b["overdue"].max() or 0, 1)
    fig.update_layout(barmode="group", height=380, hovermode="x unified")
    fig.update_yaxes(title="Số hồ sơ", range=[0, top * 1.2])
    count_axis(fig, top * 1.2, "y")
    return titled(fig, "Trễ bao nhiêu ngày làm việc?",
                  "Từ ngày hẹn trả đến ngày có kết quả; hồ sơ đang quá hạn tính đến hôm nay", legend_below=True)


def trend_chart(t: pl.DataFrame, period: Period) -> go.Figure:
    # Periods before the first resolved dossier are before the data began: leave them out rather
    # than draw empty bars that read as "no late dossiers".
    first = next((i for i, n in enumerate(t["resolved"].to_list()) if n), t.height)
    t = t.slice(first) if first < t.height else t
    labels = [Period(period.kind, s, e).short_label() for s, e in zip(t["period_start"], t["period_end"])]
    fig = go.Figure()
    fig.add_bar(x=labels, y=t["resolved_late"].to_list(), name="Giải quyết trễ hạn", marker_color=COLORS["late"],
                customdata=list(zip(t["label"].to_list(), t["resolved"].to_list())),
                hovertemplate="%{customdata[0]}<br>Trễ hạn: %{y:,d} / %{customdata[1]:,d} hồ sơ<extra></extra>")
    rate = [None if r is None else r * 100 for r in t["late_rate"].to_list()]
    fig.add_scatter(x=labels, y=rate, name="Tỷ lệ trễ hạn (%)", yaxis="y2", mode="lines+markers",
                    line={"color": COLORS["received"], "width": 2},
                    hovertemplate="%{y:.1f}%<extra>Tỷ lệ trễ hạn</extra>")
    top = max((r for r in rate if r is not None), default=10)
    fig.update_layout(height=380, hovermode="x unified",
                      yaxis2={"overlaying": "y", "side": "right", "range": [0, max(top * 1.25, 5)],
                              "ticksuffix": "%", "showgrid": False})  # ",.0f" printed 1,7 % steps as 2%, 3%
    fig.update_layout(yaxis={"title": {"text": "Số hồ sơ trễ hạn"}})
    count_axis(fig, max([*t["resolved_late"].to_list(), 1]), "y")
    fig.update_xaxes(type="category")
    unit = {"week": "tuần", "month": "tháng", "quarter": "quý", "year": "năm"}.get(period.kind, "kỳ")
    return titled(fig, f"Tỷ lệ trễ hạn trong {t.height} {unit} gần nhất" if t.height > 1 else "Tỷ lệ trễ hạn",
                  "Cột: số hồ sơ giải quyết trễ hạn; đường: tỷ lệ trên số đã giải quyết (trục phải)",
                  legend_below=True)


def ranking_chart(ranking: Standing, min_resolved: int, top: int = 15) -> go.Figure:
    """The ranked units the viewer may read, highest late rate first, with their province-wide rank."""
    ranked = ranking.rows.filter(pl.col("is_ranked")).head(top)
    full = ranked["unit_name"].to_list()
    names = [f"{r}. {_cut(n, 40)}" for r, n in zip(ranked["late_rank"].to_list(), full)]
    rates = [r * 100 for r in ranked["late_rate"].to_list()]
    fig = go.Figure()
    fig.add_bar(y=names, x=rates, orientation="h", marker_color=COLORS["late"], name="Tỷ lệ trễ hạn",
                customdata=list(zip(ranked["resolved_late"].to_list(), ranked["resolved"].to_list(),
                                    ranked["overdue"].to_list(), full)),
                texttemplate="%{x:.1f}% (%{customdata[0]:,d}/%{customdata[1]:,d})", textposition="outside",
                cliponaxis=False, constraintext="none",
                hovertemplate="%{customdata[3]}<br>Trễ hạn: %{customdata[0]:,d} / %{customdata[1]:,d} hồ sơ đã giải "
                              "quyết<br>Đang quá hạn: %{customdata[2]:,d}<extra></extra>")
    widest = max(rates, default=1)
    fig.update_layout(height=max(320, 150 + 32 * len(names)), showlegend=False, hovermode="closest")
    fig.update_yaxes(autorange="reversed", gridcolor="white", title=None)
    fig.update_xaxes(title="Tỷ lệ trễ hạn (%)", range=[0, max(widest * 1.7, 1)], showgrid=True,
                     gridcolor="#e6e8eb", tickformat=",.0f")
    group = ranking.summary
    fig = titled(fig, "Đơn vị nào có tỷ lệ trễ hạn cao nhất?",
                 f"Hạng trong {fmt.number(group.ranked)} đơn vị toàn tỉnh đã giải quyết từ {min_resolved} hồ sơ "
                 "trong kỳ<br>(1: tỷ lệ trễ cao nhất); trong ngoặc: trễ/đã giải quyết")
    return fig.update_layout(margin={"t": 95})


def ranking_block(ranking: Standing, can_compare: bool = True) -> None:
    """The ranking chart (two ranked units or more shown by name), or for each of the viewer's units
    its rank in the province with the group's median and best and the distribution; then the small
    units, unranked, as a table. `can_compare`: the viewer's scope holds more than one unit."""
    minimum = rank_threshold(ranking)
    group = ranking.summary
    ranked = ranking.rows.filter(pl.col("is_ranked"))
    if ranked.height > 1 and group.peers_named:
        st.plotly_chart(ranking_chart(ranking, minimum), width="stretch")
    elif ranked.height:
        for r in ranked.iter_rows(named=True):
            st.markdown(f"**Tỷ lệ trễ hạn của {r['unit_name']}:** {fmt.percent(r['late_rate'])} "
                        f"({fmt.number(r['resolved_late'])} trễ trên {fmt.number(r['resolved'])} hồ sơ đã giải quyết "
                        f"trong kỳ) — **hạng {r['late_rank']}/{fmt.number(group.ranked)}** trong toàn tỉnh (hạng 1: "
                        f"tỷ lệ trễ cao nhất). Trung vị toàn tỉnh {fmt.number(group.median, 1)}%, thấp nhất "
                        f"{fmt.number(group.best, 1)}%.")
        if group.ranked > 1:
            marks = [(r["unit_name"], r["late_rate"] * 100) for r in ranked.iter_rows(named=True)]
            st.plotly_chart(rate_distribution_chart(
                group, marks, "Tỷ lệ trễ hạn của các đơn vị trong tỉnh",
                f"Số đơn vị theo tỷ lệ trễ hạn, {fmt.number(group.ranked)} đơn vị được xếp hạng; vạch đen: đơn vị "
                "của bạn", COLORS["late"]), width="stretch")
        if can_compare and group.peers_named:
            st.caption("Chọn nhiều đơn vị hoặc toàn tỉnh ở thanh bên để so sánh giữa các đơn vị.")
    else:
        st.caption(f"Chưa đơn vị nào giải quyết đủ {minimum} hồ sơ trong kỳ để xếp hạng theo tỷ lệ trễ hạn."
                   if group.ranked == 0 else
                   f"{fmt.number(group.ranked)} đơn vị trong tỉnh được xếp hạng theo tỷ lệ trễ hạn; đơn vị đang chọn "
                   f"giải quyết dưới {minimum} hồ sơ trong kỳ nên không xếp hạng.")
    small = ranking.rows.filter(~pl.col("is_ranked") & ((pl.col("resolved_late") > 0) | (pl.col("overdue") > 0)))
    if small.height:
        st.markdown(f"**Không xếp hạng** (giải quyết dưới {minimum} hồ sơ trong kỳ, tỷ lệ dễ gây hiểu lầm): "
                    f"{fmt.number(small.height)} đơn vị")
        small_units_table(small)


def small_units_table(small: pl.DataFrame) -> None:
    """The units too small to rank, with their counts (a table: sortable, never a run-on paragraph)."""
    shown = small.select(pl.col("unit_name").alias("Đơn vị"), pl.col("resolved").alias("Đã giải quyết"),
                         pl.col("resolved_late").alias("Trễ hạn"), pl.col("overdue").alias("Đang quá hạn"))
    st.dataframe(shown, hide_index=True, width="stretch", height=min(38 + 35 * shown.height, 300),
                 column_config={"Đơn vị": st.column_config.TextColumn(width="medium"),
                                **{c: count_column() for c in ("Đã giải quyết", "Trễ hạn", "Đang quá hạn")}})


def breakdown_chart(b: pl.DataFrame, title: str) -> go.Figure:
    """Stacked bars per group; a name cut on the axis is shown whole in the hover."""
    full = [n or "" for n in b["group_name"].to_list()]
    names = [_cut(n) for n in full]
    fig = go.Figure()
    fig.add_bar(y=names, x=b["resolved_late"].to_list(), orientation="h", name="Giải quyết trễ trong kỳ",
                marker_color=COLORS["late"], customdata=full,
                hovertemplate="%{customdata}<br>Giải quyết trễ trong kỳ: %{x:,d} hồ sơ<extra></extra>")
    fig.add_bar(y=names, x=b["overdue"].to_list(), orientation="h", name="Đang quá hạn",
                marker_color=OVERDUE_COLOR, customdata=full,
                hovertemplate="%{customdata}<br>Đang quá hạn: %{x:,d} hồ sơ<extra></extra>")
    fig.update_layout(barmode="stack", height=max(340, 170 + 30 * len(names)), hovermode="closest",
                      legend={"traceorder": "normal"})
    fig.update_yaxes(autorange="reversed", gridcolor="white", title=None)
    fig.update_xaxes(title="Số hồ sơ", showgrid=True, gridcolor="#e6e8eb")
    widest = max((a + o for a, o in zip(b["resolved_late"].to_list(), b["overdue"].to_list())), default=0)
    return count_axis(titled(fig, title, f"{b.height} nhóm nhiều hồ sơ trễ nhất (trễ trong kỳ + đang quá hạn)",
                             legend_below=True), widest, "x")


def _cut(text: str, limit: int = 48) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,;") + "…"


# --- the list -------------------------------------------------------------------------------------


def list_table(rows: pl.DataFrame, personal: bool, key: str):
    """The list as st.dataframe with single-row selection; returns the selection event."""
    shown = rows.select(
        pl.col("dossier_code").alias("Mã hồ sơ"),
        pl.col("state").replace_strict(STATE_LABELS, default="").alias("Tình trạng"),
        pl.col("days_late").alias("Ngày trễ"),
        pl.when(pl.col("is_without_apology")).then(pl.lit("⚠ Không xin lỗi")).otherwise(pl.lit(""))
        .alias("Cảnh báo"),
        pl.col("unit_name").alias("Đơn vị"),
        pl.col("procedure_name").alias("Thủ tục"),
        pl.col("field_name").fill_null("").alias("Lĩnh vực"),
        pl.col("officer_name").fill_null("").alias("Cán bộ xử lý"),
        pl.col("received_at").cast(pl.Date).alias("Tiếp nhận"),
        pl.col("due_at").cast(pl.Date).alias("Hẹn trả"),
        pl.when(pl.col("is_open")).then(pl.lit(NOT_FINISHED))
        .otherwise(pl.col("finished_at").dt.strftime("%d/%m/%Y")).alias("Có kết quả"),
        pl.col("supplement_count").alias("Bổ sung"),
        pl.col("apology_state").replace_strict(APOLOGY_LABELS, default="").alias("Xin lỗi"),
        _day_text("apology_due_at").alias("Hẹn lại"),
        pl.col("applicant_name").fill_null("").alias("Người nộp"),
    )
    day_col = st.column_config.DateColumn(format="DD/MM/YYYY")
    return st.dataframe(
        shown, hide_index=True, width="stretch", height=420, key=key,
        on_select="rerun", selection_mode="single-row",
        column_config={
            # Long names: the procedure and unit columns are wide; double-click a cell to read it all.
            "Thủ tục": st.column_config.TextColumn(width="large"),
            "Đơn vị": st.column_config.TextColumn(width="medium"),
            "Cảnh báo": st.column_config.TextColumn(
                width="medium", help="Trễ hạn mà không có phiếu xin lỗi phát hành trước ngày hẹn trả ít nhất một ngày."),
            "Tiếp nhận": day_col, "Hẹn trả": day_col,
            "Hẹn lại": st.column_config.TextColumn(help="Ngày hẹn trả mới ghi trên phiếu xin lỗi."),
            "Ngày trễ": st.column_config.NumberColumn(
                format="%d", help="Số ngày làm việc từ ngày hẹn trả đến ngày có kết quả (hồ sơ chưa xong: đến hôm nay)."),
            "Bổ sung": st.column_config.NumberColumn(format="%d", help="Số lần yêu cầu bổ sung hồ sơ."),
            "Xin lỗi": st.column_config.TextColumn(
                help="Có: phiếu xin lỗi phát hành trước ngày hẹn trả ít nhất một ngày. Có, nhưng muộn: phát hành "
                     "vào hoặc sau ngày hẹn trả, bị tính là không xin lỗi."),
            "Người nộp": st.column_config.TextColumn(
                help="Họ tên đầy đủ." if personal else "Đã che bớt để bảo vệ dữ liệu cá nhân."),
        },
    )


# --- one dossier ----------------------------------------------------------------------------------


def _d(value) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def rule_text(detail: DossierDetail) -> str:
    """'Hạn theo quy định: 05/02/2026 (3 ngày làm việc từ 02/02/2026) …' and whether the export agrees."""
    r = detail.rule
    if r is None:
        return f"Hạn theo quy định: không tính được. {detail.rule_problem}"
    unit = "ngày làm việc" if r.day_kind == "working" else "ngày"
    text = (f"Hạn theo quy định: **{fmt.day(r.due_at)}** ({fmt.number(r.processing_days, 0 if r.processing_days == int(r.processing_days) else 1)} "
            f"{unit} từ {fmt.day(r.received_at)}")
    if r.pause_working_days:
        text += f", cộng {r.pause_working_days} ngày làm việc chờ công dân bổ sung hồ sơ"
    text += ")."
    if r.agrees is None:
        text += " Tệp xuất không ghi ngày hẹn trả: hạn trên được dùng."
    elif r.agrees:
        text += " Ngày hẹn trả trong tệp xuất khớp với quy định."
    else:
        diff = r.difference_working_days or 0
        way = "muộn hơn" if diff > 0 else "sớm hơn"
        text += (f" :orange[Ngày hẹn trả trong tệp xuất ({fmt.day(r.export_due_at)}) {way} quy định "
                 f"{abs(diff)} ngày làm việc]")
        requests = int(detail.row.get("supplement_count") or 0)
        if requests > 1 and diff > 0:
            # Exports carry only the last supplement request and answer: earlier waits are unknown here.
            text += (f" — hồ sơ có {requests} lần yêu cầu bổ sung nhưng tệp xuất chỉ ghi lần gần nhất, nên thời "
                     "gian chờ các lần trước chưa được cộng vào hạn tính lại; đối chiếu trong phần mềm một cửa.")
        else:
            text += " — kiểm tra lại thời hạn đã khai báo trong phần mềm một cửa."
    return text


def late_text(detail: DossierDetail) -> str:
    row = detail.row
    days = row["days_late"]
    if row["is_open"]:
        if days:
            return f"Chưa có kết quả, đã quá hạn **{days} ngày làm việc** tính đến {fmt.day(detail.as_of)}."
        return f"Chưa có kết quả, còn trong hạn (hẹn trả {fmt.day(row['due_at'])})."
    if row["timeliness"] == "late":
        return f"Có kết quả trễ **{days} ngày làm việc** so với ngày hẹn trả."
    if row["timeliness"] in ("early", "on_time"):
        return "Có kết quả " + ("trước hạn." if row["timeliness"] == "early" else "đúng hạn.")
    return f"Trạng thái: {row['status_name'] or '—'}."


EVENTS = (  # (column, label, colour)
    ("received_at", "Tiếp nhận", COLORS["received"]),
    ("supplement_requested_at", "Yêu cầu bổ sung", "#8e6bbf"),
    ("supplemented_at", "Công dân bổ sung", "#8e6bbf"),
    ("due_at", "Hẹn trả", "#333333"),
    ("apology_issued_at", "Phiếu xin lỗi", SOON_COLOR),
    ("apology_due_at", "Hẹn lại", SOON_COLOR),
    ("finished_at", "Có kết quả", COLORS["resolved"]),
    ("returned_at", "Trả kết quả", COLORS["resolved"]),
)


def timeline_chart(detail: DossierDetail) -> go.Figure:
    """The dossier's dates on a date axis; weekends shaded grey, holidays red with their names."""
    row, days = detail.row, detail.days
    fig = go.Figure()
    _shade_days_off(fig, days)
    events = [(row[c], label, color) for c, label, color in EVENTS if row.get(c)]
    if detail.rule and detail.rule.agrees is False:
        events.append((detail.rule.due_at, "Hạn theo quy định", "#6b7280"))
    if row["is_open"]:
        events.append((datetime.combine(detail.as_of, datetime.min.time()), "Hôm nay", OVERDUE_COLOR))
    events.sort(key=lambda e: e[0])
    due = row["due_at"]
    end = row["finished_at"] if not row["is_open"] else datetime.combine(detail.as_of, datetime.min.time())
    received = row["received_at"]
    if received and due:
        fig.add_scatter(x=[received, due], y=[0, 0], mode="lines", line={"color": COLORS["resolved"], "width": 6},
                        name="Trong hạn", hoverinfo="skip")
    if due and end and _d(end) > _d(due):
        fig.add_scatter(x=[due, end], y=[0, 0], mode="lines", line={"color": COLORS["late"], "width": 6},
                        name=f"Trễ {row['days_late'] or 0} ngày làm việc", hoverinfo="skip")
    levels = [1, 2, 3]
    for i, (when, label, color) in enumerate(events):
        y = levels[i % len(levels)] * (1 if i % 2 == 0 else -1) * 0.5
        fig.add_scatter(x=[when, when], y=[0, y], mode="lines", line={"color": color, "width": 1},
                        showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=[when], y=[y], mode="markers+text", marker={"color": color, "size": 10},
                        text=[f"{label}<br>{when:%d/%m/%Y}"], textposition="top center" if y > 0 else "bottom center",
                        showlegend=False, hovertemplate=f"{label}: {when:%H:%M %d/%m/%Y}<extra></extra>")
    span = (max(e[0] for e in events) - min(e[0] for e in events)).days if events else 0
    fig.update_layout(height=380, hovermode="closest", legend=BOTTOM_LEGEND, margin={"b": 60})
    fig.update_yaxes(visible=False, range=[-2.2, 2.2])
    fig.update_xaxes(type="date", tickformat="%d/%m/%Y" if span > 20 else "%a %d/%m", showgrid=True,
                     gridcolor="#eef0f2", dtick=None if span > 20 else 86_400_000)
    base_layout(fig, "Diễn biến hồ sơ")
    fig.update_layout(title={"subtitle": {"text": "Nền xám: thứ Bảy, Chủ nhật; nền đỏ: ngày lễ, Tết — không tính "
                                                  "vào ngày làm việc", "font": {"size": 12, "color": COLORS["muted"]}}},
                      margin={"t": 78}, hovermode="closest")
    fig.update_yaxes(visible=False, range=[-2.2, 2.2], showgrid=False)
    return fig


def _shade_days_off(fig: go.Figure, days: pl.DataFrame) -> None:
    """One shaded band per run of consecutive days off; holiday runs carry their names (staggered
    on three lines so that close holidays, such as 30/4 and 1/5, do not print over each other)."""
    runs: list[list[dict]] = []
    for d in days.filter(~pl.col("is_working_day")).iter_rows(named=True):
        if runs and d["cal_date"] == runs[-1][-1]["cal_date"] + timedelta(days=1):
            runs[-1].append(d)
        else:
            runs.append([d])
    labelled = 0
    for run in runs:
        names = list(dict.fromkeys(d["holiday_name"] for d in run if d["holiday_name"]))
        start = datetime.combine(run[0]["cal_date"], datetime.min.time())
        stop = datetime.combine(run[-1]["cal_date"] + timedelta(days=1), datetime.min.time())
        fig.add_vrect(x0=start, x1=stop, fillcolor="#f4c7c3" if names else "#e5e7eb", opacity=0.55,
                      line_width=0, layer="below")
        if names:
            fig.add_annotation(x=start + (stop - start) / 2, y=2.15 - 0.22 * (labelled % 3), showarrow=False,
                               text=_holiday_label(names), font={"size": 10, "color": "#9b2c2c"},
                               hovertext="<br>".join(f"{d['cal_date']:%d/%m/%Y}: {d['holiday_name']}"
                                                     for d in run if d["holiday_name"]))
            labelled += 1


def _holiday_label(names: list[str]) -> str:
    """'Tết Nguyên Đán' for the five Tết days; otherwise the distinct names."""
    if any("Tết" in n for n in names):
        return "Tết Nguyên Đán"
    return names[0] + (" …" if len(names) > 1 else "")


def versions_table(versions: pl.DataFrame) -> None:
    if versions.height <= 1:
        st.caption("Hồ sơ mới được nạp một lần, chưa có phiên bản nào khác.")
        return
    shown = versions.select(
        pl.col("loaded_at").alias("Nạp lúc"), pl.col("file_name").alias("Tệp"), pl.col("source_row").alias("Dòng"),
        pl.col("status_name").alias("Trạng thái"), _day_text("due_at").alias("Hẹn trả"),
        _day_text("finished_at").alias("Có kết quả"), _day_text("apology_issued_at").alias("Xin lỗi"),
    )
    st.dataframe(shown, hide_index=True, width="stretch", placeholder="",
                 column_config={"Nạp lúc": st.column_config.DatetimeColumn(format="HH:mm DD/MM/YYYY"),
                                "Dòng": st.column_config.NumberColumn(format="%d")})


def _day_text(column: str) -> pl.Expr:
    """dd/mm/yyyy, or an empty cell (st.dataframe prints a missing date as "None")."""
    return pl.col(column).dt.strftime("%d/%m/%Y").fill_null("")


def show_detail(detail: DossierDetail, personal: bool) -> None:
    """The dossier's header, rule, lateness, timeline, applicant (masked) and loaded versions."""
    row = detail.row
    st.markdown(f"#### Hồ sơ {row['dossier_code']}")
    st.caption(f"{row['procedure_name']} · {row['field_name'] or 'Chưa rõ lĩnh vực'} · {row['unit_name']}"
               + (f" · Cán bộ xử lý: {row['officer_name']}" if row["officer_name"] else ""))
    cards = st.columns(4)
    cards[0].metric("Trạng thái", row["status_name"] or "—")
    cards[1].metric("Ngày trễ (ngày làm việc)", fmt.number(row["days_late"]) if row["days_late"] else "0")
    cards[2].metric("Số lần bổ sung", fmt.number(row["supplement_count"]))
    cards[3].metric("Phiếu xin lỗi", APOLOGY_LABELS.get(row["apology_state"], "—"),
                    help="Có: phát hành trước ngày hẹn trả ít nhất một ngày (phiếu xin lỗi và hẹn lại ngày trả).")
    st.markdown(late_text(detail))
    st.markdown(rule_text(detail))
    if row["is_without_apology"]:
        st.error("Trễ hạn mà không có phiếu xin lỗi phát hành trước ngày hẹn trả ít nhất một ngày.", icon=":material/warning:")
    st.plotly_chart(timeline_chart(detail), width="stretch", key="late_timeline")
    left, right = st.columns([2, 3])
    with left:
        st.markdown("**Các mốc thời gian**")
        lines = [f"- {label}: {fmt.moment(row[c]) if row.get(c) else '—'}" for c, label, _ in EVENTS]
        st.markdown("\n".join(lines))
    with right:
        st.markdown("**Người nộp**" + ("" if personal else " (đã che bớt để bảo vệ dữ liệu cá nhân)"))
        st.markdown("\n".join(f"- {label}: {row[c] or '—'}" for c, label in (
            ("applicant_name", "Họ tên"), ("applicant_phone", "Điện thoại"),
            ("applicant_id_number", "Số giấy tờ"), ("applicant_address", "Địa chỉ"))))
    st.markdown("**Các lần nạp dữ liệu của hồ sơ**")
    versions_table(detail.versions)
