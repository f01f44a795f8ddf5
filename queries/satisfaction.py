"""Query layer: citizen satisfaction (SIPAS surveys and portal ratings) — rates with their 95% Wilson
interval, by unit, field, factor, question and month; comments and complaint themes. Never imports
Streamlit; values are bound, never formatted into SQL.

Two sources, never mixed in one rate (DOMAIN.md, "Satisfaction"):
- survey: answers of 4 (hài lòng) or 5 (rất hài lòng) among all answers given (a skipped
  question is not an answer);
- ratings: Hài lòng + Rất hài lòng among ratings (the `ratings` view: rating exports, plus the
  rating column of dossier exports where no rating export covers the dossier).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from core import targets as core_targets
from core.installation import read_rows
from core.settings import settings
from queries.connection import frame, one_row
from queries.filters import SCOPE_SQL, SELECTION_SQL, VISIBLE_SQL, Filters, Scope
from queries.masking import MASKS, UNLESS_ALLOWED
from queries.standing import Standing, summarise

Z95 = 1.959963984540054  # two-sided 95% normal quantile
LEVELS = {3: "Rất hài lòng", 2: "Hài lòng", 1: "Không hài lòng"}
SOURCES = {"survey": "Khảo sát SIPAS", "rating": "Đánh giá trên Cổng DVC"}
VERDICTS = ("all", "unhappy", "happy")


@dataclass(frozen=True)
class Targets:
    target: float  # the year's satisfaction target (core.targets: targets.csv, else settings.toml)
    min_responses: int  # below this a rate is greyed and not ranked


def targets(year: int | None = None) -> Targets:
    """The satisfaction target of `year` (targets.csv, falling back to settings.toml [satisfaction] target)."""
    conf = settings().satisfaction
    goal = conf.target if year is None else core_targets.target("satisfaction", year).value
    return Targets(goal, conf.min_responses)


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """95% Wilson score interval of successes/n (None when n = 0):
    (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)."""
    if n <= 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _wilson_sql(k: str, n: str, name: str) -> str:
    """SQL columns {name}, {name}_low, {name}_high for k successes of n (null when n = 0)."""
    p, zz = f"({k})::DOUBLE / ({n})", f"{Z95 * Z95!r}"
    centre = f"(({p}) + {zz} / (2.0 * ({n})))"
    half = f"({Z95!r} * sqrt(({p}) * (1 - ({p})) / ({n}) + {zz} / (4.0 * ({n}) * ({n}))))"
    denom = f"(1 + {zz} / ({n}))"
    return (f"CASE WHEN ({n}) > 0 THEN {p} END AS {name}, "
            f"CASE WHEN ({n}) > 0 THEN greatest(0.0, ({centre} - {half}) / {denom}) END AS {name}_low, "
            f"CASE WHEN ({n}) > 0 THEN least(1.0, ({centre} + {half}) / {denom}) END AS {name}_high")


@dataclass(frozen=True)
class Rate:
    """`satisfied` of `total` (answers, or ratings); `responses` = respondents (survey) or ratings."""

    satisfied: int
    total: int
    responses: int

    @property
    def rate(self) -> float | None:
        return self.satisfied / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.satisfied, self.total)

    def ranked(self, min_responses: int) -> bool:
        return self.total >= min_responses


@dataclass(frozen=True)
class RatingMix:
    very: int
    satisfied: int
    unhappy: int
    unlinked: int  # ratings naming a dossier code not found in `dossiers`
    from_dossier_exports: int


# Rows of each source in the filters' period and scope (alias d, as SCOPE_SQL requires).
_SURVEY_WHERE = f"d.response_date BETWEEN $start AND $end AND {SCOPE_SQL} AND {SELECTION_SQL}"
_RATING_WHERE = f"d.rating_date BETWEEN $start AND $end AND {SCOPE_SQL} AND {SELECTION_SQL}"


def survey_rate(con: duckdb.DuckDBPyConnection, filters: Filters) -> Rate:
    """Answers 4–5 among answers given, in the period (respondents who answered at least one question)."""
    sql = f"""
        SELECT coalesce(sum(d.satisfied), 0), coalesce(sum(d.answered), 0), count(*)
        FROM survey_responses d WHERE d.answered > 0 AND {_SURVEY_WHERE}
    """
    satisfied, total, responses = one_row(con, sql, filters.params())
    return Rate(int(satisfied), int(total), int(responses))


def rating_rate(con: duckdb.DuckDBPyConnection, filters: Filters) -> Rate:
    """Ratings Hài lòng or Rất hài lòng among ratings in the period."""
    sql = f"SELECT count(*) FILTER (d.is_satisfied), count(*) FROM ratings d WHERE {_RATING_WHERE}"
    satisfied, total = one_row(con, sql, filters.params())
    return Rate(int(satisfied), int(total), int(total))


def rating_mix(con: duckdb.DuckDBPyConnection, filters: Filters) -> RatingMix:
    sql = f"""
        SELECT count(*) FILTER (d.rating_code = 3), count(*) FILTER (d.rating_code = 2),
               count(*) FILTER (d.rating_code = 1), count(*) FILTER (d.dossier_code IS NOT NULL AND NOT d.is_linked),
               count(*) FILTER (d.source = 'dossier_export')
        FROM ratings d WHERE {_RATING_WHERE}
    """
    return RatingMix(*(int(v) for v in one_row(con, sql, filters.params())))


def _by(con, filters: Filters, key: str, name_sql: str, join_sql: str) -> pl.DataFrame:
    """Both sources' rates per `key` (unit_code or field_code), side by side."""
    return frame(con, _by_sql(key, name_sql, join_sql), filters.params())


def _by_sql(key: str, name_sql: str, join_sql: str) -> str:
    return f"""
        WITH s AS (
            SELECT d.{key} AS k, sum(d.satisfied) AS survey_satisfied, sum(d.answered) AS survey_answers,
                   count(*) AS survey_responses
            FROM survey_responses d WHERE d.answered > 0 AND {_SURVEY_WHERE} GROUP BY ALL
        ), r AS (
            SELECT d.{key} AS k, count(*) FILTER (d.is_satisfied) AS ratings_satisfied, count(*) AS ratings,
                   count(*) FILTER (d.rating_code = 1) AS ratings_unhappy
            FROM ratings d WHERE {_RATING_WHERE} GROUP BY ALL
        ), both_ AS (
            SELECT coalesce(s.k, r.k) AS k,
                   coalesce(s.survey_satisfied, 0)::BIGINT AS survey_satisfied,
                   coalesce(s.survey_answers, 0)::BIGINT AS survey_answers,
                   coalesce(s.survey_responses, 0)::BIGINT AS survey_responses,
                   coalesce(r.ratings_satisfied, 0)::BIGINT AS ratings_satisfied,
                   coalesce(r.ratings, 0)::BIGINT AS ratings,
                   coalesce(r.ratings_unhappy, 0)::BIGINT AS ratings_unhappy
            FROM s FULL JOIN r ON s.k IS NOT DISTINCT FROM r.k
        )
        SELECT b.k AS {key}, {name_sql} AS name, b.survey_satisfied, b.survey_answers, b.survey_responses,
               {_wilson_sql('b.survey_satisfied', 'b.survey_answers', 'survey_rate')},
               b.ratings_satisfied, b.ratings, b.ratings_unhappy,
               {_wilson_sql('b.ratings_satisfied', 'b.ratings', 'rating_rate')}
        FROM both_ b {join_sql}
        ORDER BY name
    """


def by_unit(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Per unit of the viewer's scope and selection: survey and rating rates, each with n and its 95% interval."""
    return _by(con, filters, "unit_code", _UNIT_NAME_SQL, _UNIT_JOIN_SQL)


def by_field(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Per field; survey respondents and ratings without a field come under 'Chưa rõ lĩnh vực'."""
    return _by(con, filters, "field_code", "coalesce(f.field_name, 'Chưa rõ lĩnh vực')",
               "LEFT JOIN fields f ON f.field_code = b.k")


_UNIT_NAME_SQL, _UNIT_JOIN_SQL = "coalesce(u.unit_name, b.k)", "LEFT JOIN units u ON u.unit_code = b.k"


def unit_ranking(con: duckdb.DuckDBPyConnection, filters: Filters, source: str, min_responses: int) -> Standing:
    """Units by the rate of one source (survey or rating) in the period, ranked over every unit of the
    province (the same period and fields: `Filters.group()`), whatever the viewer's scope and unit
    selection: `unit_rank` 1 = the highest rate, ties share a rank (1, 2, 2, 4), only from
    `min_responses` answers (survey) or ratings; fewer: listed, unranked (`is_ranked` false).

    `rows` (unit_code, name, n, rate, rate_low, rate_high, is_ranked, unit_rank): the units the viewer
    may read by name (queries.filters.VISIBLE_SQL), highest rate first; `summary`: the ranked units'
    rates in percent, in 5-point bins, without names."""
    rate, n = RATE_COLUMNS[source]  # KeyError for anything outside the allowlist
    sql = f"""
        SELECT b.unit_code, b.name, b.{n} AS n, b.{rate} AS rate, b.{rate}_low AS rate_low,
               b.{rate}_high AS rate_high, b.{n} >= $min_n AS is_ranked,
               CASE WHEN b.{n} >= $min_n THEN rank() OVER (PARTITION BY b.{n} >= $min_n ORDER BY b.{rate} DESC)
                    END AS unit_rank,
               {VISIBLE_SQL.replace("{col}", "b.unit_code")} AS is_visible
        FROM ({_by_sql("unit_code", _UNIT_NAME_SQL, _UNIT_JOIN_SQL)}) b
        WHERE b.{n} > 0
        ORDER BY is_ranked DESC, rate DESC, n DESC, name
    """
    params = {**filters.group().params(), **filters.visible_params(), "min_n": min_responses}
    everyone = frame(con, sql, params)
    if everyone.height == 0:
        everyone = pl.DataFrame(schema=_RANKING_SCHEMA)
    everyone = everyone.with_columns(pl.col("n", "unit_rank").cast(pl.Int64))
    rates = [round(r * 100, 9) for r in everyone.filter(pl.col("is_ranked"))["rate"].to_list()]
    summary = summarise(rates, everyone.height, "max", 5.0, filters.scope.sees_peers, high=100.0)
    return Standing(everyone.filter(pl.col("is_visible")).drop("is_visible"), summary)


RATE_COLUMNS = {"survey": ("survey_rate", "survey_answers"), "rating": ("rating_rate", "ratings")}
_RANKING_SCHEMA = {"unit_code": pl.String, "name": pl.String, "n": pl.Int64, "rate": pl.Float64,
                   "rate_low": pl.Float64, "rate_high": pl.Float64, "is_ranked": pl.Boolean, "unit_rank": pl.Int64,
                   "is_visible": pl.Boolean}


def lowest_units(con: duckdb.DuckDBPyConnection, filters: Filters, source: str, min_responses: int,
                 limit: int = 5) -> pl.DataFrame:
    """The units with the lowest rate of one source among those the viewer may read and that have at
    least `min_responses`, lowest first; `unit_rank` is their rank in the whole province (1 = highest)."""
    ranked = unit_ranking(con, filters, source, min_responses).rows.filter(pl.col("is_ranked"))
    return ranked.sort(["rate", "n"], descending=[False, True]).head(limit).select(
        "unit_code", "name", "n", "rate", "rate_low", "rate_high", "unit_rank")


def by_factor(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """SIPAS factors (survey_factors.csv order): answers 4–5 among answers to that factor's questions."""
    sql = f"""
        WITH a AS (
            SELECT a.factor_code, count(*) FILTER (a.score >= 4) AS satisfied, count(*) AS answers
            FROM survey_answers a JOIN survey_responses d USING (response_key)
            WHERE a.factor_code IS NOT NULL AND {_SURVEY_WHERE} GROUP BY ALL
        )
        SELECT f.factor_code, f.factor_name, coalesce(a.satisfied, 0)::BIGINT AS satisfied,
               coalesce(a.answers, 0)::BIGINT AS answers,
               {_wilson_sql('coalesce(a.satisfied, 0)', 'coalesce(a.answers, 0)', 'rate')}
        FROM (SELECT *, row_number() OVER () AS ord FROM ref_survey_factors) f
        LEFT JOIN a USING (factor_code)
        ORDER BY f.ord
    """
    return frame(con, sql, filters.params())


def by_question(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Distribution of answers 1–5 per question. Mapped questions are grouped by code (their wording
    may vary between surveys) and named as in survey_questions.csv; unmapped ones by their wording,
    `is_mapped` false, listed last."""
    sql = f"""
        WITH a AS (
            SELECT coalesce(a.question_code, '?' || a.question_text) AS k, a.question_code,
                   any_value(a.question_text) AS written, any_value(a.factor_code) AS factor_code,
                   count(*) FILTER (a.score = 1) AS n1, count(*) FILTER (a.score = 2) AS n2,
                   count(*) FILTER (a.score = 3) AS n3, count(*) FILTER (a.score = 4) AS n4,
                   count(*) FILTER (a.score = 5) AS n5, count(*) AS answers
            FROM survey_answers a JOIN survey_responses d USING (response_key)
            WHERE {_SURVEY_WHERE} GROUP BY 1, 2
        ), q AS (  -- a question is named by its first wording in survey_questions.csv
            SELECT question_code, arg_min(question, rowid) AS question FROM ref_survey_questions GROUP BY ALL
        )
        SELECT a.question_code, coalesce(q.question, a.written) AS question_text, a.question_code IS NOT NULL AS is_mapped,
               a.factor_code, f.factor_name, a.n1, a.n2, a.n3, a.n4, a.n5, a.answers,
               {_wilson_sql('a.n4 + a.n5', 'a.answers', 'rate')}
        FROM a LEFT JOIN q USING (question_code) LEFT JOIN ref_survey_factors f USING (factor_code)
        ORDER BY a.question_code IS NULL, a.question_code, question_text
    """
    return frame(con, sql, filters.params())


def by_criterion(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Rating criteria scored 2/1/0: counts per score and the share scoring 2 (full marks)."""
    sql = f"""
        SELECT c.criterion_code, any_value(c.criterion_name) AS criterion_name,
               count(*) FILTER (c.score = 2) AS n2, count(*) FILTER (c.score = 1) AS n1,
               count(*) FILTER (c.score = 0) AS n0, count(*) AS answers, avg(c.score) AS mean_score,
               {_wilson_sql('count(*) FILTER (c.score = 2)', 'count(*)', 'rate')}
        FROM rating_criteria c JOIN ratings d USING (rating_key)
        WHERE {_RATING_WHERE}
        GROUP BY c.criterion_code ORDER BY c.criterion_code
    """
    return frame(con, sql, filters.params())


def trend(con: duckdb.DuckDBPyConnection, filters: Filters, months: int = 12) -> pl.DataFrame:
    """Both rates per calendar month, for the `months` months ending with the filters' end month
    (units and fields as filtered; the period itself is only the end point)."""
    end = filters.end
    first_month = (end.year * 12 + end.month - 1) - (months - 1)  # months counted from year 0
    first = date(first_month // 12, first_month % 12 + 1, 1)
    params = {**filters.params(), "start": first}
    sql = f"""
        WITH m AS (SELECT unnest(range($first_month, $first_month + $months)) AS mi),
        s AS (
            SELECT date_trunc('month', d.response_date) AS month, sum(d.satisfied) AS sat, sum(d.answered) AS n
            FROM survey_responses d WHERE d.answered > 0 AND {_SURVEY_WHERE} GROUP BY ALL
        ), r AS (
            SELECT date_trunc('month', d.rating_date) AS month, count(*) FILTER (d.is_satisfied) AS sat, count(*) AS n
            FROM ratings d WHERE {_RATING_WHERE} GROUP BY ALL
        ), months AS (SELECT make_date((mi // 12)::BIGINT, (mi % 12 + 1)::BIGINT, 1) AS month FROM m)
        SELECT months.month, coalesce(s.sat, 0)::BIGINT AS survey_satisfied, coalesce(s.n, 0)::BIGINT AS survey_answers,
               {_wilson_sql('coalesce(s.sat, 0)', 'coalesce(s.n, 0)', 'survey_rate')},
               coalesce(r.sat, 0)::BIGINT AS ratings_satisfied, coalesce(r.n, 0)::BIGINT AS ratings,
               {_wilson_sql('coalesce(r.sat, 0)', 'coalesce(r.n, 0)', 'rating_rate')}
        FROM months LEFT JOIN s USING (month) LEFT JOIN r USING (month)
        ORDER BY months.month
    """
    return frame(con, sql, {**params, "first_month": first_month, "months": months})


def dissatisfied_ratings(con: duckdb.DuckDBPyConnection, filters: Filters, limit: int = 200) -> pl.DataFrame:
    """Ratings 'Không hài lòng' in the period, newest first, with whether the dossier is known."""
    sql = f"""
        SELECT d.rated_at, d.unit_code, u.unit_name, d.dossier_code, d.is_linked, {_comment('d.comment')},
               d.source
        FROM ratings d LEFT JOIN units u USING (unit_code)
        WHERE d.rating_code = 1 AND {_RATING_WHERE}
        ORDER BY d.rated_at DESC, d.dossier_code
        LIMIT $limit
    """
    return frame(con, sql, {**filters.params(), "limit": limit, "personal_data": filters.scope.personal_data})


def _comment(col: str) -> str:
    """A comment as the viewer may read it: phone and ID numbers masked unless personal data is allowed."""
    return UNLESS_ALLOWED.replace("{mask}", MASKS["comment"]).replace("{col}", col) + " AS comment"


@dataclass(frozen=True)
class DataSpan:
    """First and last day with survey answers and with ratings, in the viewer's scope (any period)."""

    survey_first: date | None
    survey_last: date | None
    rating_first: date | None
    rating_last: date | None


def data_span(con: duckdb.DuckDBPyConnection, scope: Scope) -> DataSpan:
    sql = f"""
        SELECT (SELECT min(d.response_date) FROM survey_responses d WHERE d.answered > 0 AND {SCOPE_SQL}),
               (SELECT max(d.response_date) FROM survey_responses d WHERE d.answered > 0 AND {SCOPE_SQL}),
               (SELECT min(d.rating_date) FROM ratings d WHERE {SCOPE_SQL}),
               (SELECT max(d.rating_date) FROM ratings d WHERE {SCOPE_SQL})
    """
    return DataSpan(*one_row(con, sql, scope.params()))


# --- comments ------------------------------------------------------------------------------------

def _fold(expr: str) -> str:
    """Diacritic-insensitive form in SQL: đ → d, accents stripped, lower case, words separated by
    single spaces (so 'thai do' finds 'Thái độ,' and 'THÁI ĐỘ')."""
    plain = f"lower(strip_accents(replace(replace({expr}, 'Đ', 'D'), 'đ', 'd')))"
    return f"trim(regexp_replace({plain}, '[^a-z0-9]+', ' ', 'g'))"


def _comments_sql(filters: Filters) -> str:
    """Comments of both sources in scope and period, with a verdict and the folded text.
    A survey respondent is unhappy when fewer than half of their answers are 4–5; a rating when
    it is 'Không hài lòng'."""
    return f"""
        WITH c AS (
            SELECT 'survey' AS source, d.response_key AS comment_key, d.response_date AS comment_date,
                   d.unit_code, d.dossier_code, d.comment, NULL::TINYINT AS rating_code,
                   m.mean_score, d.answered > 0 AND d.satisfied * 2 < d.answered AS is_unhappy
            FROM survey_responses d
            LEFT JOIN (SELECT response_key, avg(score) AS mean_score FROM survey_answers GROUP BY ALL) m
                USING (response_key)
            WHERE d.comment IS NOT NULL AND {_SURVEY_WHERE}
            UNION ALL
            SELECT 'rating', d.rating_key, d.rating_date, d.unit_code, d.dossier_code, d.comment, d.rating_code,
                   NULL, d.rating_code = 1
            FROM ratings d
            WHERE d.comment IS NOT NULL AND {_RATING_WHERE}
        ), picked AS (
            SELECT c.*, {_fold('c.comment')} AS folded FROM c
            WHERE ($source = 'all' OR c.source = $source)
              AND ($verdict = 'all' OR ($verdict = 'unhappy') = c.is_unhappy)
        )
        SELECT * FROM picked
        WHERE {_fold('$search')} = '' OR contains(folded, {_fold('$search')})
    """


def _comment_params(filters: Filters, search: str, source: str, verdict: str) -> dict:
    if source not in ("all", *SOURCES) or verdict not in VERDICTS:
        raise ValueError("unknown source or verdict")
    return {**filters.params(), "search": search or "", "source": source, "verdict": verdict}


def comments(con: duckdb.DuckDBPyConnection, filters: Filters, search: str = "", source: str = "all",
             verdict: str = "all", limit: int = 300) -> pl.DataFrame:
    """Comments matching `search` (diacritic-insensitive, bound), newest first."""
    sql = f"""
        {_comments_sql(filters)}
        ORDER BY comment_date DESC, comment_key
        LIMIT $limit
    """
    sql = f"SELECT * REPLACE ({_comment('f.comment')}) FROM ({sql}) f"
    out = frame(con, sql, {**_comment_params(filters, search, source, verdict), "limit": limit,
                           "personal_data": filters.scope.personal_data})
    return out.join(frame(con, "SELECT unit_code, unit_name FROM units"), on="unit_code", how="left",
                    maintain_order="left").select(
        "source", "comment_date", "unit_code", "unit_name", "dossier_code", "rating_code", "mean_score",
        "is_unhappy", "comment")


def comment_count(con: duckdb.DuckDBPyConnection, filters: Filters, search: str = "", source: str = "all",
                  verdict: str = "all") -> int:
    sql = f"{_comments_sql(filters)}"
    return int(one_row(con, f"SELECT count(*) FROM ({sql})", _comment_params(filters, search, source, verdict))[0])


def themes() -> list[tuple[str, str]]:
    """(theme, keyword) from complaint_themes.csv (thư mục thiết lập), in file order."""
    return [(r["theme"], r["keyword"]) for r in read_rows("complaint_themes.csv") if r["theme"] and r["keyword"]]


def theme_counts(con: duckdb.DuckDBPyConnection, filters: Filters, search: str = "", source: str = "all",
                 verdict: str = "all") -> pl.DataFrame:
    """Comments mentioning each complaint theme (a keyword as whole words), and how many of those
    came from unhappy respondents; themes in configuration order, most mentioned first."""
    pairs = themes()
    sql = f"""
        WITH found AS ({_comments_sql(filters)}),
        k AS (SELECT unnest($theme_names::VARCHAR[]) AS theme, unnest($keywords::VARCHAR[]) AS keyword,
                     unnest(range(len($keywords::VARCHAR[]))) AS ord),
        t AS (SELECT theme, min(ord) AS ord FROM k GROUP BY ALL)
        SELECT t.theme, count(DISTINCT f.source || f.comment_key) AS comments,
               count(DISTINCT f.source || f.comment_key) FILTER (f.is_unhappy) AS unhappy
        FROM t
        LEFT JOIN k USING (theme)
        LEFT JOIN found f ON contains(' ' || f.folded || ' ', ' ' || {_fold('k.keyword')} || ' ')
        GROUP BY t.theme, t.ord
        ORDER BY comments DESC, t.ord
    """
    params = {**_comment_params(filters, search, source, verdict),
              "theme_names": [t for t, _ in pairs], "keywords": [k for _, k in pairs]}
    return frame(con, sql, params)
