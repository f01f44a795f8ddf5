"""Query layer: the reform plan's progress (kế hoạch CCHC: "hoàn thành 49/53 đầu công việc, đạt 92,5%");
read-only, scope applied to the task's lead unit, never imports Streamlit.

A task is done when its status is 'done' (it then has a done date); done late when that date is
after its deadline; overdue when not done and its deadline is before `as_of`. A province-wide viewer
sees every task, including those led by a body outside the unit directory ("UBND các xã"); a unit
viewer sees the tasks its unit leads.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from queries.connection import frame, one_row
from queries.filters import SCOPE_SQL, Scope

STATUS_LABELS = {"done": "Hoàn thành", "in_progress": "Đang thực hiện", "not_started": "Chưa thực hiện"}
_COUNTS = """
    count(*) AS total,
    count(*) FILTER (d.status = 'done') AS done,
    count(*) FILTER (d.status = 'done' AND d.done_date > d.deadline) AS done_late,
    count(*) FILTER (d.status <> 'done' AND d.deadline < $as_of) AS overdue
"""


@dataclass(frozen=True)
class PlanSummary:
    year: int
    total: int
    done: int
    done_late: int
    overdue: int
    as_of: date

    @property
    def rate(self) -> float | None:
        return self.done / self.total if self.total else None


def _has_plan_table(con: duckdb.DuckDBPyConnection) -> bool:
    return one_row(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'plan_tasks'")[0] > 0


def plan_years(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[int]:
    """Years with tasks the viewer may see, newest first."""
    if not _has_plan_table(con):
        return []
    sql = f"SELECT DISTINCT plan_year FROM plan_tasks d WHERE {SCOPE_SQL} ORDER BY plan_year DESC"
    return frame(con, sql, scope.params())["plan_year"].to_list()


def plan_summary(con: duckdb.DuckDBPyConnection, scope: Scope, year: int, as_of: date) -> PlanSummary | None:
    """Tasks, done, done late and overdue of the year's plan; None when the year has no task in scope."""
    if not _has_plan_table(con):
        return None
    sql = f"SELECT {_COUNTS} FROM plan_tasks d WHERE d.plan_year = $year AND {SCOPE_SQL}"
    total, done, late, overdue = one_row(con, sql, {**scope.params(), "year": year, "as_of": as_of})
    return PlanSummary(year, int(total), int(done), int(late), int(overdue), as_of) if total else None


def by_area(con: duckdb.DuckDBPyConnection, scope: Scope, year: int, as_of: date) -> pl.DataFrame:
    """Per area, in the plan's own order: total, done, done late, overdue, completion rate."""
    sql = f"""
        SELECT d.area, {_COUNTS}, min(d.source_row) AS first_row
        FROM plan_tasks d WHERE d.plan_year = $year AND {SCOPE_SQL}
        GROUP BY d.area ORDER BY first_row
    """
    return _rated(frame(con, sql, {**scope.params(), "year": year, "as_of": as_of}).drop("first_row"))


def by_unit(con: duckdb.DuckDBPyConnection, scope: Scope, year: int, as_of: date) -> pl.DataFrame:
    """Per lead unit (as the directory names it, else as written): the same counts, most overdue first."""
    sql = f"""
        SELECT coalesce(u.unit_name, d.lead_unit_name) AS unit_name, d.unit_code, {_COUNTS}
        FROM plan_tasks d LEFT JOIN units u ON u.unit_code = d.unit_code
        WHERE d.plan_year = $year AND {SCOPE_SQL}
        GROUP BY ALL ORDER BY overdue DESC, total - done DESC, unit_name
    """
    return _rated(frame(con, sql, {**scope.params(), "year": year, "as_of": as_of}))


def overdue_tasks(con: duckdb.DuckDBPyConnection, scope: Scope, year: int, as_of: date) -> pl.DataFrame:
    """Tasks not done whose deadline has passed, the longest overdue first."""
    sql = f"""
        SELECT d.task_no, d.area, d.task, coalesce(u.unit_name, d.lead_unit_name) AS unit_name, d.deadline,
               d.status, date_diff('day', d.deadline, $as_of::DATE) AS days_overdue
        FROM plan_tasks d LEFT JOIN units u ON u.unit_code = d.unit_code
        WHERE d.plan_year = $year AND d.status <> 'done' AND d.deadline < $as_of AND {SCOPE_SQL}
        ORDER BY d.deadline, d.source_row
    """
    return frame(con, sql, {**scope.params(), "year": year, "as_of": as_of})


def _rated(df: pl.DataFrame) -> pl.DataFrame:
    counts = ("total", "done", "done_late", "overdue")
    return df.with_columns(*(pl.col(c).cast(pl.Int64) for c in counts),
                           rate=pl.when(pl.col("total") > 0).then(pl.col("done") / pl.col("total")))
