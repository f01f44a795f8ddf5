"""The emulation ranking counts all its periods in one statement (queries.emulation.period_metrics):
a period's counts, and the ranks, totals and grades `history` shows for it, must be those of the
period counted alone (`unit_metrics`, `ranking`), whatever periods are counted with it.

Hand-made export, Phường Hải Châu (20242), months of 2026, nothing returned late of its own:

    code  received  due    finished  status      channel   month by month
    A     20/06     30/06  02/07     returned    direct    in progress end of June (within: due 30/06 is
                                                           not before 30/06), resolved late in July
    B     01/07     20/07  10/07     returned    online    resolved early in July
    C     03/07     10/07  15/08     returned    direct    in progress end of July (overdue), resolved late
                                                           in August
    D     20/09     15/10  —         processing  direct    in progress end of September (within) and end
                                                           of October (overdue)
    E     01/09     20/09  —         processing  direct    in progress, overdue, end of September and October
    F     05/08     10/08  —         withdrawn   direct    received in August, never in progress

so, month by month (received online, in person; resolved early, late; in progress within, overdue):

    June       0 1   0 0   1 0
    July       1 1   1 1   0 1
    August     0 1   0 1   0 0
    September  0 2   0 0   1 1
    October    0 0   0 0   0 2

Phường Thanh Khê (20209) has two online dossiers in August (one early, one late) and one received on
31/10 and finished on 03/11 (in progress at the end of October, within its due date 05/11).
"""
import dataclasses
from datetime import date

import polars as pl
import pytest

from queries.connection import open_database
from queries.emulation import period_metrics, unit_metrics
from queries.filters import Filters, Scope
from queries.periods import Period, period_containing
from scoring.rank import history, period_key, ranking, ranking_with_history
from scoring.scheme import load_scheme
from tests.fixtures_exports import load_text_exports

HAI_CHAU, THANH_KHE = "20242", "20209"
ROWS = (
    ("HC-A", "Phường Hải Châu", "20/06/2026", "30/06/2026", "02/07/2026", "Đã trả kết quả", "Trực tiếp"),
    ("HC-B", "Phường Hải Châu", "01/07/2026", "20/07/2026", "10/07/2026", "Đã trả kết quả", "Trực tuyến"),
    ("HC-C", "Phường Hải Châu", "03/07/2026", "10/07/2026", "15/08/2026", "Đã trả kết quả", "Trực tiếp"),
    ("HC-D", "Phường Hải Châu", "20/09/2026", "15/10/2026", "", "Đang xử lý", "Trực tiếp"),
    ("HC-E", "Phường Hải Châu", "01/09/2026", "20/09/2026", "", "Đang xử lý", "Trực tiếp"),
    ("HC-F", "Phường Hải Châu", "05/08/2026", "10/08/2026", "", "Công dân yêu cầu rút hồ sơ", "Trực tiếp"),
    ("TK-1", "Phường Thanh Khê", "01/08/2026", "05/08/2026", "04/08/2026", "Đã trả kết quả", "Trực tuyến"),
    ("TK-2", "Phường Thanh Khê", "02/08/2026", "05/08/2026", "06/08/2026", "Đã trả kết quả", "Trực tuyến"),
    ("TK-3", "Phường Thanh Khê", "31/10/2026", "05/11/2026", "03/11/2026", "Đã trả kết quả", "Trực tiếp"),
)
COUNTS = ("received_online", "received_direct", "resolved_early", "resolved_late", "pending_within",
          "pending_overdue")
HAI_CHAU_BY_MONTH = {
    6: (0, 1, 0, 0, 1, 0),
    7: (1, 1, 1, 1, 0, 1),
    8: (0, 1, 0, 1, 0, 0),
    9: (0, 2, 0, 0, 1, 1),
    10: (0, 0, 0, 0, 0, 2),
}
OCTOBER = Period("month", date(2026, 10, 1), date(2026, 10, 31))


def export() -> str:
    lines = ["Mã hồ sơ,Lĩnh vực,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái,Hình thức nộp"]
    lines += [f"{code},Hộ tịch,{unit},{received},{due},{finished},{status},{channel}"
              for code, unit, received, due, finished, status, channel in ROWS]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    connection = open_database(load_text_exports(tmp_path_factory.mktemp("rank_periods"), {"m.csv": export()}))
    yield connection
    connection.close()


def months() -> list[Period]:
    return [OCTOBER.shifted(back) for back in range(4, -1, -1)]  # June … October 2026


def test_months_counted_together_match_the_hand_worked_counts(con):
    together = period_metrics(con, Filters(Scope.province(), OCTOBER.start, OCTOBER.end),
                              [(p.start, p.end) for p in months()], ("phuong",))
    mine = together.filter(pl.col("unit_code") == HAI_CHAU).sort("period_start")
    assert {r["period_start"].month: tuple(r[c] for c in COUNTS) for r in mine.iter_rows(named=True)} \
        == HAI_CHAU_BY_MONTH
    tk = together.filter(pl.col("unit_code") == THANH_KHE).sort("period_start")
    assert tk["pending_within"].to_list() == [0, 0, 0, 0, 1]  # TK-3, in progress on 31/10


@pytest.mark.parametrize("kind, steps", [("month", 5), ("quarter", 3), ("week", 20), ("report_month", 5),
                                         ("year", 2)])
@pytest.mark.parametrize("as_of", [None, date(2026, 10, 12)])
def test_each_period_counted_together_equals_the_period_counted_alone(con, kind, steps, as_of):
    last = period_containing(kind, OCTOBER.end)
    periods = [last.shifted(back) for back in range(steps - 1, -1, -1)]
    together = period_metrics(con, Filters(Scope.province(), last.start, last.end, as_of=as_of),
                              [(p.start, p.end) for p in periods], ("phuong",))
    for p in periods:
        alone = unit_metrics(con, Filters(Scope.province(), p.start, p.end, as_of=as_of), ("phuong",))
        same = together.filter(pl.col("period_start") == p.start).drop("period_start", "period_end")
        assert same.sort("unit_code").equals(alone.sort("unit_code")), p


@pytest.mark.parametrize("kind, steps", [("month", 5), ("quarter", 2), ("week", 18), ("custom", 4)])
def test_history_shows_for_each_period_what_the_ranking_of_that_period_shows(con, kind, steps):
    # The hand-made wards have a handful of dossiers each: the default minimum to be ranked is lifted.
    scheme = dataclasses.replace(load_scheme("chi_so_766"), rank_min_dossiers=0)
    period = Period("custom", date(2026, 9, 1), date(2026, 10, 15)) if kind == "custom" \
        else period_containing(kind, OCTOBER.end)
    as_of = date(2026, 10, 20)
    past = history(con, Scope.province(), scheme, period, "phuong", as_of, steps=steps)
    shown = past["period_key"].unique(maintain_order=True).to_list()
    assert len(shown) >= 2  # the case spans several periods of each kind
    columns = ("unit_code", "rank", "total", "grade")
    for back in range(steps):
        p = period.shifted(back)
        rows = past.filter(pl.col("period_key") == period_key(p))
        if rows.height == 0:
            continue
        alone = ranking(con, Scope.province(), scheme, p, "phuong", as_of)
        assert sorted(rows.select(columns).rows(), key=str) == sorted(alone.units.select(columns).rows(), key=str), p
        assert rows["group_ranked"][0] == alone.summary.ranked


@pytest.mark.parametrize("kind", ["month", "quarter", "week", "year", "custom"])
@pytest.mark.parametrize("viewer", [Scope.province(), Scope.units(frozenset({HAI_CHAU}))])
def test_the_pages_single_count_gives_the_ranking_and_the_history_counted_apart(con, kind, viewer):
    # The ranking page reads both from ranking_with_history (one count of the history's periods).
    scheme = dataclasses.replace(load_scheme("chi_so_766"), rank_min_dossiers=0)
    period = Period("custom", date(2026, 9, 1), date(2026, 10, 15)) if kind == "custom" \
        else period_containing(kind, OCTOBER.end)
    as_of = date(2026, 10, 20)
    together, past = ranking_with_history(con, viewer, scheme, period, "phuong", as_of)
    alone = ranking(con, viewer, scheme, period, "phuong", as_of)
    assert together.units.equals(alone.units) and together.criteria.equals(alone.criteria)
    assert together.stats.equals(alone.stats)
    a, b = together.summary, alone.summary
    assert (a.units, a.ranked, a.median, a.best, a.peers_named) == (b.units, b.ranked, b.median, b.best, b.peers_named)
    assert a.distribution.equals(b.distribution)
    assert (together.previous, together.grades, together.appraisals_loaded, together.rating_source) == \
        (alone.previous, alone.grades, alone.appraisals_loaded, alone.rating_source)
    assert past.equals(history(con, viewer, scheme, period, "phuong", as_of))
    if kind == "month":  # October, its previous month September: both ranked, Hải Châu among them
        assert together.units.filter(pl.col("unit_code") == HAI_CHAU).height == 1
        assert past["period_key"].n_unique() >= 2


def test_periods_that_overlap_are_refused(con):
    with pytest.raises(ValueError, match="overlap"):
        period_metrics(con, Filters(Scope.province(), OCTOBER.start, OCTOBER.end),
                       [(date(2026, 9, 1), date(2026, 10, 5)), (OCTOBER.start, OCTOBER.end)], ("phuong",))
