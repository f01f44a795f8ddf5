"""Scoring layer: scores, totals, grades and ranks of a unit group under a scheme; reads through
the query layer only, never writes, never imports Streamlit.

The rules (see scoring/scheme.py for the formulas): each criterion's points are rounded to 2
decimals; the total is their sum (rescaled to the scheme's total when criteria without data are
excluded), rounded to 2 decimals *before* ranking; equal rounded totals share a rank and the next
rank skips (1, 2, 2, 4). A unit with no criterion scored at all is not ranked.

A ranking is always computed over the whole group (every unit of its types in the province), whatever
the viewer's scope: a commune's rank is its place among its peers, not among the units its chairman
may see. What `ranking` and `history` return is cut to the viewer (queries.standing): his own units'
rows, plus the group's anonymous figures, unless his role may see peers (Scope.peer_names).
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import polars as pl
from babel.numbers import format_decimal

from core import (
    format as fmt,  # pure babel formatting, no Streamlit (checked by tests/test_scoring.py)
)
from queries.emulation import first_received, period_appraisal_scores, period_metrics
from queries.filters import Filters, Scope
from queries.periods import Period, quarter_of
from queries.standing import GroupSummary, summarise
from scoring.metrics import METRICS, Metric
from scoring.scheme import GROUPS, MISSING, Criterion, Scheme

# Status of one unit's criterion.
OK, SHRUNK, NO_DATA, SMALL_EXCLUDED, APPRAISED, NOT_APPRAISED = (
    "ok", "shrunk", "no_data", "small_excluded", "appraised", "not_appraised")
SCORED = (OK, SHRUNK, APPRAISED)  # points from the unit's own data or appraisal
HISTORY_STEPS = {"quarter": 8, "year": 5, "custom": 6, "month": 12}
# Every unit of the province: the group a ranking is computed over, before it is cut to the viewer.
GROUP_SCOPE = Scope.province()
DISTRIBUTION_WIDTH = 2.0  # points per bin of the distribution of totals

CRITERION_SCHEMA = {
    "unit_code": pl.String, "criterion_code": pl.String, "status": pl.String, "points": pl.Float64,
    "counted": pl.Boolean, "rate": pl.Float64, "scored_rate": pl.Float64, "sentence": pl.String,
}


def round2(value: float) -> float:
    """Half-up to 2 decimals (not Python's round-half-even on binary floats)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def competition_ranks(totals: list[float | None]) -> list[int | None]:
    """1, 2, 2, 4: a rank is 1 + the number of strictly higher totals; None stays unranked."""
    ranked = [t for t in totals if t is not None]
    return [None if t is None else 1 + sum(1 for other in ranked if other > t) for t in totals]


def period_key(period: Period) -> str:
    """How appraisals name a period: '2026', '2026-Q3', '2026-05' or '2026-01-01_2026-06-30'."""
    s = period.start
    if period.kind == "year":
        return f"{s.year}"
    if period.kind == "quarter":
        return f"{s.year}-Q{quarter_of(s)}"
    if period.kind == "month":
        return f"{s.year}-{s.month:02d}"
    return f"{period.start.isoformat()}_{period.end.isoformat()}"


def period_title(period: Period) -> str:
    """'Năm 2026', 'Quý 3/2026', 'Từ 01/01/2026 đến 30/06/2026': the period's own label (Period.label)."""
    return period.label()


# --- scoring (pure) ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Scores:
    """`units`: one row per unit (unit_code, unit_name, unit_type, raw_points, available_max, total,
    rescaled, grade, rank, small, no_data and one column per area code);
    `criteria`: one row per unit and criterion (CRITERION_SCHEMA plus the metric counts);
    `group_rates`: pooled rate of each count pair over the group (for shrinking)."""

    units: pl.DataFrame
    criteria: pl.DataFrame
    group_rates: dict[tuple[str, str], float | None]


def score_units(scheme: Scheme, metrics: pl.DataFrame, appraisals: pl.DataFrame) -> Scores:
    """Score every unit of `metrics` (unit_metrics' columns) under `scheme`, with appraised scores
    from `appraisals` (unit_code, criterion_code, score). Pure: no database.

    A unit is ranked only when at least one criterion is scored on its own data or appraisal:
    points given by the missing-data rule alone ("full") never make a total."""
    pooled = _pooled_rates(scheme, metrics)
    given = {(r["unit_code"], r["criterion_code"]): r["score"] for r in appraisals.iter_rows(named=True)}
    unit_rows, crit_rows = [], []
    for unit in metrics.iter_rows(named=True):
        scored = [_criterion_score(scheme, c, unit, given, pooled) for c in scheme.criteria]
        crit_rows.extend({"unit_code": unit["unit_code"], "criterion_code": c.code, **s}
                         for c, s in zip(scheme.criteria, scored))
        unit_rows.append(_unit_total(scheme, unit, scored))
    ranks = competition_ranks([u["total"] if not u["too_few"] else None for u in unit_rows])
    for row, rank in zip(unit_rows, ranks):
        row["rank"] = rank
    units = pl.DataFrame(unit_rows, schema=_unit_schema(scheme)) if unit_rows else \
        pl.DataFrame(schema=_unit_schema(scheme))
    criteria = pl.DataFrame(crit_rows, schema={**CRITERION_SCHEMA, "parts": pl.List(pl.Int64)}) \
        if crit_rows else pl.DataFrame(schema={**CRITERION_SCHEMA, "parts": pl.List(pl.Int64)})
    return Scores(units.sort(["rank", "unit_name"], nulls_last=True), criteria, pooled)


def _pooled_rates(scheme: Scheme, metrics: pl.DataFrame) -> dict:
    out = {}
    for c in scheme.criteria:
        if not c.is_data:
            continue
        for part in METRICS[c.metric].parts:
            den = int(metrics[part.den].sum()) if metrics.height else 0
            out[(part.num, part.den)] = (int(metrics[part.num].sum()) / den) if den else None
    return out


def _criterion_score(scheme: Scheme, c: Criterion, unit: dict, given: dict, pooled: dict) -> dict:
    if not c.is_data:
        score = given.get((unit["unit_code"], c.code))
        if score is None:
            return _missing(scheme, c, NOT_APPRAISED, None, None, [], "chưa nhập điểm thẩm định")
        points = round2(float(score))
        return _row(APPRAISED, points, True, None, None, [],
                    f"{c.name}: {points_text(points)}/{points_text(c.max_points)} — điểm thẩm định")
    metric = METRICS[c.metric]
    counts = [(int(unit[p.num]), int(unit[p.den])) for p in metric.parts]
    flat = [v for pair in counts for v in pair]
    if any(den == 0 for _, den in counts):
        return _missing(scheme, c, NO_DATA, None, None, flat, metric.no_data)
    rates = [num / den for num, den in counts]
    rate = _combine(metric, rates)
    minimum = scheme.minimum(c)
    small = [(p, den) for p, (_, den) in zip(metric.parts, counts) if den < minimum]
    if small and scheme.small_unit == "exclude":
        fewest = min(den for _, den in small)
        why = f"đơn vị nhỏ: chỉ {fmt.number(fewest)} {small[0][0].den_words} (dưới {minimum})"
        return _missing(scheme, c, SMALL_EXCLUDED, rate, None, flat, why)
    scored_rates = list(rates)
    if small:
        for i, (part, (num, den)) in enumerate(zip(metric.parts, counts)):
            group = pooled.get((part.num, part.den))
            if den < minimum and group is not None:
                scored_rates[i] = (num + scheme.shrink_m * group) / (den + scheme.shrink_m)
    scored = _combine(metric, scored_rates)
    points = round2(c.max_points * _scale(c, scored))
    sentence = f"{c.name}: {points_text(points)}/{points_text(c.max_points)} — {_counts_text(metric, counts, rate)}"
    if small:
        group_rate = _combine(metric, [pooled.get((p.num, p.den)) or 0.0 for p in metric.parts])
        few = ", ".join(f"{fmt.number(den)} {part.den_words}" for part, den in small)
        sentence += (f"; đơn vị nhỏ (chỉ {few}, dưới {minimum}): tỷ lệ {fmt.percent(rate)} được co về "
                     f"tỷ lệ chung của nhóm {fmt.percent(group_rate)} thành {fmt.percent(scored)}")
    return _row(SHRUNK if small else OK, points, True, rate, scored, flat, sentence)


def _missing(scheme: Scheme, c: Criterion, status: str, rate, scored, flat, why: str) -> dict:
    rule = scheme.missing_rule(c)
    label = "không chấm" if status == SMALL_EXCLUDED else "không có dữ liệu"
    if rule == "exclude_rescale":
        points, counted, outcome = None, False, "không tính, tổng điểm được quy đổi"
    elif rule == "zero":
        points, counted, outcome = 0.0, True, "tính 0 điểm"
    else:
        points, counted, outcome = c.max_points, True, f"tính điểm tối đa {points_text(c.max_points)}"
    return _row(status, points, counted, rate, scored, flat, f"{c.name}: {label} ({why}) — {outcome}")


def _row(status, points, counted, rate, scored, flat, sentence) -> dict:
    return {"status": status, "points": points, "counted": counted, "rate": rate, "scored_rate": scored,
            "sentence": sentence, "parts": flat}


def _combine(metric: Metric, rates: list[float]) -> float:
    if metric.combine == "one_minus_sum":
        return 1.0 - sum(rates)
    return rates[0]


def _scale(c: Criterion, rate: float) -> float:
    """clamp((v − floor) / (full − floor), 0, 1), rates in percent."""
    share = (rate * 100 - c.floor) / (c.full_at - c.floor)
    return min(1.0, max(0.0, share))


def _counts_text(metric: Metric, counts: list[tuple[int, int]], rate: float) -> str:
    if metric.combine == "one_minus_sum":
        parts = " + ".join(f"{fmt.percent(num / den)} {p.num_words} ({fmt.number(num)} trên {fmt.number(den)} "
                           f"{p.den_words})" for p, (num, den) in zip(metric.parts, counts))
        return f"100% − ({parts}) = {fmt.percent(rate)}"
    [(num, den)], [part] = counts, metric.parts
    return f"{fmt.number(num)} {part.num_words} trên {fmt.number(den)} {part.den_words} ({fmt.percent(rate)})"


def _unit_total(scheme: Scheme, unit: dict, scored: list[dict]) -> dict:
    counted = [(c, s) for c, s in zip(scheme.criteria, scored) if s["counted"]]
    raw = round2(sum(s["points"] for _, s in counted)) if counted else None
    available = sum(c.max_points for c, _ in counted)
    total = None
    own = any(s["status"] in SCORED for s in scored)  # points by rule alone never rank a unit
    if own and counted and available > 0:
        total = round2(raw * scheme.total / available) if available < scheme.total else raw
    areas = {}
    for area in scheme.areas:
        mine = [s for c, s in zip(scheme.criteria, scored) if c.area_code == area.code and s["counted"]]
        areas[f"area_{area.code}"] = round2(sum(s["points"] for s in mine)) if mine else None
    return {
        "unit_code": unit["unit_code"], "unit_name": unit["unit_name"], "unit_type": unit["unit_type"],
        "raw_points": raw, "available_max": available, "total": total,
        "rescaled": total is not None and available < scheme.total,
        "too_few": int(unit.get("handled") or 0) < scheme.rank_min_dossiers,
        "grade": scheme.grade(total),
        "small": [c.code for c, s in zip(scheme.criteria, scored) if s["status"] in (SHRUNK, SMALL_EXCLUDED)],
        "no_data": [c.code for c, s in zip(scheme.criteria, scored) if s["status"] in (NO_DATA, NOT_APPRAISED)],
        **areas,
    }


def _unit_schema(scheme: Scheme) -> dict:
    return {
        "unit_code": pl.String, "unit_name": pl.String, "unit_type": pl.String, "raw_points": pl.Float64,
        "available_max": pl.Float64, "total": pl.Float64, "rescaled": pl.Boolean, "too_few": pl.Boolean,
        "grade": pl.String,
        "small": pl.List(pl.String), "no_data": pl.List(pl.String),
        **{f"area_{a.code}": pl.Float64 for a in scheme.areas}, "rank": pl.Int64,
    }


def points_text(value: float | None) -> str:
    """18.4 → '18,4'; 20 → '20'; 7.25 → '7,25' (Vietnamese decimal comma)."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0.##", locale=fmt.LOCALE)


# --- ranking over the database ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Ranking:
    """A scheme applied to a unit group for a period, with the previous period's ranks, as the viewer
    may read it.

    `units` (the viewer's units, or every unit of the group when he may see peers) adds prev_rank,
    rank_change (previous rank − rank: positive = up) and change_text ('▲2', '▼1', 'giữ hạng', 'mới')
    to Scores.units; `criteria`: the same units' criteria; `stats`: criterion_code, median and best
    points among the group's units scored on their own data or appraisal; `summary`: the group's
    ranked count, median and best total and the distribution of totals, without names; `grades`:
    how many ranked units of the group got each grade."""

    scheme: Scheme
    period: Period
    group: str
    units: pl.DataFrame
    criteria: pl.DataFrame
    stats: pl.DataFrame
    previous: Period
    rating_source: str  # 'ratings' view or 'dossiers' column
    appraisals_loaded: int  # appraised scores found for this scheme and period (whole group)
    summary: GroupSummary
    grades: dict[str, int]

    @property
    def peers_named(self) -> bool:
        return self.summary.peers_named

    @property
    def group_label(self) -> str:
        return GROUPS[self.group][0]

    @property
    def ranked(self) -> pl.DataFrame:
        """The viewer's units given a rank (scored on their own data and not below the rank minimum);
        the group's count is `summary.ranked`."""
        return self.units.filter(pl.col("rank").is_not_null())

    def unit(self, unit_code: str) -> dict:
        return self.units.filter(pl.col("unit_code") == unit_code).to_dicts()[0]

    def components(self, unit_code: str) -> pl.DataFrame:
        """The unit's criteria with the group's median and best, in scheme order."""
        mine = self.criteria.filter(pl.col("unit_code") == unit_code)
        order = pl.DataFrame({"criterion_code": [c.code for c in self.scheme.criteria],
                              "criterion_name": [c.name for c in self.scheme.criteria],
                              "area_code": [c.area_code for c in self.scheme.criteria],
                              "max_points": [c.max_points for c in self.scheme.criteria],
                              "position": list(range(len(self.scheme.criteria)))})
        return order.join(mine, on="criterion_code", how="left").join(self.stats, on="criterion_code", how="left") \
            .sort("position")


def ranking(con: duckdb.DuckDBPyConnection, scope: Scope, scheme: Scheme, period: Period, group: str,
            as_of: date | None = None) -> Ranking:
    """Score and rank the whole group for `period`, with the rank change against the previous period;
    returned as `scope` may read it (see the module docstring)."""
    previous_period = period.previous()
    both = _scores(con, scheme, (previous_period, period), group, as_of)
    return _ranking_of(scope, scheme, period, group, both)


def ranking_with_history(con: duckdb.DuckDBPyConnection, scope: Scope, scheme: Scheme, period: Period, group: str,
                         as_of: date | None = None) -> tuple[Ranking, pl.DataFrame]:
    """`ranking` and `history` of the same arguments from one count: the history's periods hold this
    period and the previous one, which the ranking needs (the ranking page shows both)."""
    first = first_received(con, GROUP_SCOPE)
    periods = _history_periods(period, HISTORY_STEPS.get(period.kind, 6), first)
    needed = sorted(set(periods) | {period, period.previous()}, key=lambda p: p.start)
    scored = _scores(con, scheme, tuple(needed), group, as_of)
    return _ranking_of(scope, scheme, period, group, scored), _history_of(scope, periods, first, scored)


def _ranking_of(scope: Scope, scheme: Scheme, period: Period, group: str,
                scored: dict[Period, tuple[Scores, pl.DataFrame, int]]) -> Ranking:
    previous_period = period.previous()
    (current, metrics, loaded), (previous, _, _) = scored[period], scored[previous_period]
    prev = previous.units.select("unit_code", pl.col("rank").alias("prev_rank"))
    units = current.units.join(prev, on="unit_code", how="left").with_columns(
        rank_change=pl.col("prev_rank") - pl.col("rank"))
    units = units.with_columns(change_text=pl.struct("rank", "prev_rank", "rank_change").map_elements(
        _change_text, return_dtype=pl.String))
    source = metrics["rating_source"][0] if metrics.height else "dossiers"
    ranked = units.filter(pl.col("rank").is_not_null())
    grades = {band.name: ranked.filter(pl.col("grade") == band.name).height for band in scheme.bands}
    mine = _visible(scope)
    return Ranking(scheme, period, group, units.filter(mine), current.criteria.filter(mine),
                   _stats(current.criteria), previous_period, source, loaded,
                   _summary(ranked["total"].to_list(), units.height, scheme, scope.sees_peers), grades)


def _visible(scope: Scope) -> pl.Expr:
    """The rows of a group-wide ranking the viewer reads: all when he may see peers, else his units."""
    return pl.lit(True) if scope.sees_peers else pl.col("unit_code").is_in(sorted(scope.unit_codes or ()))


def _summary(totals: list[float], units: int, scheme: Scheme, peers_named: bool) -> GroupSummary:
    """The group's ranked totals without names; the distribution in 2-point bins from 5 points under
    the lowest total (rounded down to 10, so bins start on even points) to the scheme's maximum."""
    low = float(int(max(0.0, min(totals) - 5) // 10 * 10)) if totals else 0.0
    return summarise(totals, units, "max", DISTRIBUTION_WIDTH, peers_named, low=low, high=float(scheme.total))


def _scores(con, scheme: Scheme, periods: tuple[Period, ...], group: str,
            as_of: date | None) -> dict[Period, tuple[Scores, pl.DataFrame, int]]:
    """Scores, metrics and the number of appraised scores of every unit of the group (GROUP_SCOPE)
    for each period, its metrics counted in one statement for all: callers cut them to the viewer."""
    first = min(periods, key=lambda p: p.start)
    filters = Filters(GROUP_SCOPE, first.start, first.end, as_of=as_of)
    metrics = period_metrics(con, filters, [(p.start, p.end) for p in periods], GROUPS[group][1])
    known = [c.code for c in scheme.appraised]
    given = period_appraisal_scores(con, GROUP_SCOPE, scheme.code, [period_key(p) for p in periods]) \
        .filter(pl.col("criterion_code").is_in(known))
    out = {}
    for p in periods:
        mine = metrics.filter(pl.col("period_start") == p.start).drop("period_start", "period_end")
        appraisals = given.filter(pl.col("period_key") == period_key(p)).drop("period_key")
        out[p] = (score_units(scheme, mine, appraisals), mine, appraisals.height)
    return out


def _change_text(row: dict) -> str:
    if row["rank"] is None:
        return ""
    if row["prev_rank"] is None:
        return "mới"
    change = row["rank_change"]
    return "giữ hạng" if change == 0 else (f"▲{change}" if change > 0 else f"▼{-change}")


def _stats(criteria: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for code, part in criteria.group_by("criterion_code", maintain_order=True):
        values = part.filter(pl.col("status").is_in(SCORED))["points"].to_list()
        rows.append({"criterion_code": code[0], "median": round2(statistics.median(values)) if values else None,
                     "best": max(values) if values else None, "scored_units": len(values)})
    return pl.DataFrame(rows, schema={"criterion_code": pl.String, "median": pl.Float64, "best": pl.Float64,
                                      "scored_units": pl.Int64})


def history(con: duckdb.DuckDBPyConnection, scope: Scope, scheme: Scheme, period: Period, group: str,
            as_of: date | None = None, steps: int | None = None) -> pl.DataFrame:
    """Rank, total and grade of the viewer's units (every unit, when he may see peers) over this and
    the past periods of the same kind, oldest first: period_key, period_label, period_start, unit_code,
    unit_name, rank, total, grade, and the group's group_ranked (units ranked that period), group_median
    and group_best totals. Periods in which no unit of the group has any dossier are left out."""
    steps = steps or HISTORY_STEPS.get(period.kind, 6)
    first = first_received(con, GROUP_SCOPE)  # a period that began before the data is partial
    periods = _history_periods(period, steps, first)
    scored = _scores(con, scheme, periods, group, as_of) if periods else {}
    return _history_of(scope, periods, first, scored)


def _history_periods(period: Period, steps: int, first: date | None) -> tuple[Period, ...]:
    """This and the `steps - 1` past periods of its kind, oldest first. A period that ended before the
    first dossier was received has none received, resolved (Biểu số 06 counts only received ones) or in
    progress: it would be left out of the history, so it is not counted."""
    return tuple(p for p in (period.shifted(back) for back in range(steps - 1, -1, -1))
                 if first is not None and p.end >= first)


def _history_of(scope: Scope, periods: tuple[Period, ...], first: date | None,
                scored: dict[Period, tuple[Scores, pl.DataFrame, int]]) -> pl.DataFrame:
    mine = _visible(scope)
    frames = []
    for p in periods:
        scores, metrics, _ = scored[p]
        if metrics.height == 0 or int(metrics["handled"].sum()) + int(metrics["received_in_period"].sum()) == 0:
            continue
        label = period_title(p) + (f" (từ {fmt.day(first)})" if first and first > p.start else "")
        totals = scores.units.filter(pl.col("rank").is_not_null())["total"].to_list()
        frames.append(scores.units.filter(mine).select(
            pl.lit(period_key(p)).alias("period_key"), pl.lit(label).alias("period_label"),
            pl.lit(p.start).alias("period_start"), "unit_code", "unit_name", "rank", "total", "grade",
            pl.lit(len(totals), pl.Int64).alias("group_ranked"),
            pl.lit(statistics.median(totals) if totals else None, pl.Float64).alias("group_median"),
            pl.lit(max(totals) if totals else None, pl.Float64).alias("group_best")))
    schema = {"period_key": pl.String, "period_label": pl.String, "period_start": pl.Date, "unit_code": pl.String,
              "unit_name": pl.String, "rank": pl.Int64, "total": pl.Float64, "grade": pl.String,
              "group_ranked": pl.Int64, "group_median": pl.Float64, "group_best": pl.Float64}
    return pl.concat(frames) if frames else pl.DataFrame(schema=schema)


def first_place_streak(history_frame: pl.DataFrame, unit_code: str) -> int:
    """How many periods in a row, ending with the latest, the unit ranked first."""
    ranks = history_frame.filter(pl.col("unit_code") == unit_code).sort("period_start")["rank"].to_list()
    streak = 0
    for rank in reversed(ranks):
        if rank != 1:
            break
        streak += 1
    return streak


def movers(rank: Ranking, n: int = 5) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The n units that rose most and the n that fell most since the previous period."""
    moved = rank.units.filter(pl.col("rank_change").is_not_null() & (pl.col("rank_change") != 0))
    cols = ("unit_name", "prev_rank", "rank", "rank_change", "change_text", "total")
    up = moved.filter(pl.col("rank_change") > 0).sort(["rank_change", "rank"], descending=[True, False]).head(n)
    down = moved.filter(pl.col("rank_change") < 0).sort(["rank_change", "rank"]).head(n)
    return up.select(cols), down.select(cols)


def missing_rule_text(scheme: Scheme, criterion: Criterion) -> str:
    return MISSING[scheme.missing_rule(criterion)]
