"""Where a unit stands in its group (issue 12): the emulation, late-rate and satisfaction rankings are
computed over the whole group, and a viewer who may not see peers gets his unit's rank, the group's
median and best and an anonymous distribution — never another unit's name or code. Hand-worked on
four wards in July 2026 (Quý III/2026).

Each ward resolved 10 dossiers, received 01/07/2026, due 10/07/2026; "on time" ones finished 08/07,
late ones 15/07 (returned the same day), each rated in the export's «Đánh giá» column:

    ward                 late  on time  rated satisfied
    A Phường Hải Châu     1      9          8
    B Phường Thanh Khê    0     10          6
    C Phường An Hải       3      7          9
    D Phường An Khê       2      8         10

Emulation, a scheme with one criterion (tiến độ, 100 points, full at 100%): points = 100 × on time/10:
B 100, A 90, D 80, C 70 → ranks B 1, A 2, D 3, C 4; median of the four (80 + 90)/2 = 85, best 100.
Totals in 2-point bins from 60 (70 − 5 = 65, down to a multiple of 10) to 100: 70 in [70, 72), 80 in
[80, 82), 90 in [90, 92), 100 in the last bin [98, 100].
Late rate (rank 1 = highest): C 30%, D 20%, A 10%, B 0% → A is 3rd of 4; median 15%, best (lowest) 0%;
5-point bins 0–30: [0, 5) B, [10, 15) A, [20, 25) D, [25, 30] C.
Satisfaction (ratings, rank 1 = highest): D 100%, C 90%, A 80%, B 60% → A is 3rd of 4; median 85%,
best 100%; 5-point bins 60–100: [60, 65) B, [80, 85) A, [90, 95) C, [95, 100] D.
"""
from datetime import date

import polars as pl
import pytest

from core.settings import LateSettings, Settings
from core.units import directory
from queries import late
from queries import satisfaction as sat
from queries.connection import open_database
from queries.filters import Filters, Scope
from queries.periods import Period
from queries.standing import distribution
from scoring.rank import history, ranking
from scoring.scheme import parse_scheme
from tests.fixtures_exports import load_text_exports

A, B, C, D = "20242", "20209", "20275", "20224"
WARDS = {A: ("Phường Hải Châu", 1, 8), B: ("Phường Thanh Khê", 0, 6), C: ("Phường An Hải", 3, 9),
         D: ("Phường An Khê", 2, 10)}
Q3 = Period("quarter", date(2026, 7, 1), date(2026, 9, 30))
JULY = (date(2026, 7, 1), date(2026, 7, 31))

SCHEME = """
[scheme]
code = "chi_tien_do"
name = "Chỉ tiến độ"
total = 100

[settings]
missing = "exclude_rescale"
min_dossiers = 5
small_unit = "shrink"
shrink_m = 10

[[areas]]
code = "tien_do"
name = "Tiến độ"
points = 100

[[areas.criteria]]
code = "tien_do"
name = "Tiến độ giải quyết"
points = 100
source = "data"
metric = "tien_do"
full_at = 100

[[bands]]
name = "Tốt"
min = 80
max = 100

[[bands]]
name = "Khá"
min = 0
max = 80
"""


def export() -> str:
    lines = ["Mã hồ sơ,Đơn vị,Lĩnh vực,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Ngày trả kết quả,Trạng thái,"
             "Đánh giá"]
    for code, (name, late_count, satisfied) in WARDS.items():
        for i in range(10):
            done = "15/07/2026 10:00" if i < late_count else "08/07/2026 10:00"
            rating = "Hài lòng" if i < satisfied else "Không hài lòng"
            lines.append(f"{code}-{i},{name},Hộ tịch,01/07/2026 08:00,10/07/2026 17:00,{done},{done},"
                         f"Đã trả kết quả,{rating}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    connection = open_database(load_text_exports(tmp_path_factory.mktemp("standing"), {"bon_phuong.csv": export()}))
    yield connection
    connection.close()


@pytest.fixture
def rank_from_five(monkeypatch):
    """Late ranking from 5 resolved dossiers (the default 20 would leave the wards unranked)."""
    monkeypatch.setattr(late, "settings", lambda: Settings(late=LateSettings(min_resolved_to_rank=5)))


LEADER_OF_A = Scope.units({A})  # a unit leader: no peer names (access/roles.toml see_peers = false)


def others() -> set[str]:
    """Every code and name of the directory but A's."""
    units = directory().filter(pl.col("unit_code") != A)
    return set(units["unit_code"].to_list()) | set(units["unit_name"].to_list())


def texts(*frames: pl.DataFrame) -> set[str]:
    """Every column name and text cell of the frames (lists of text included)."""
    found = set()
    for frame in frames:
        found |= set(frame.columns)
        for column, dtype in frame.schema.items():
            if dtype == pl.String:
                found |= set(frame[column].drop_nulls().to_list())
            elif dtype == pl.List(pl.String):
                found |= {v for values in frame[column].drop_nulls().to_list() for v in values}
    return found


def bins(frame: pl.DataFrame) -> dict[float, int]:
    """The non-empty bins of a distribution: low end → units."""
    return {r["bin_low"]: r["units"] for r in frame.iter_rows(named=True) if r["units"]}


# --- emulation contest --------------------------------------------------------------------------------


def test_unit_leader_sees_his_rank_in_the_group_of_four(con):
    rank = ranking(con, LEADER_OF_A, parse_scheme(SCHEME), Q3, "phuong")
    assert rank.units["unit_code"].to_list() == [A]  # his row only, by name
    mine = rank.unit(A)
    assert (mine["rank"], mine["total"], mine["unit_name"]) == (2, 90.0, "Phường Hải Châu")
    s = rank.summary
    assert (s.ranked, s.median, s.best, s.peers_named) == (4, 85.0, 100.0, False)
    assert bins(s.distribution) == {70.0: 1, 80.0: 1, 90.0: 1, 98.0: 1}
    assert s.distribution["bin_low"].to_list()[0] == 60.0 and s.distribution["bin_high"].to_list()[-1] == 100.0
    assert rank.grades == {"Tốt": 3, "Khá": 1}
    # The component chart compares with the group's median and best of the criterion, without names.
    stats = rank.stats.to_dicts()[0]
    assert (stats["median"], stats["best"], stats["scored_units"]) == (85.0, 100.0, 4)
    past = history(con, LEADER_OF_A, parse_scheme(SCHEME), Q3, "phuong", steps=2)
    assert past.select("unit_code", "rank", "group_ranked", "group_median", "group_best").rows() == [
        (A, 2, 4, 85.0, 100.0)]
    assert not texts(rank.units, rank.criteria, rank.stats, s.distribution, past) & others()


def test_province_leader_sees_every_name(con):
    rank = ranking(con, Scope.province(), parse_scheme(SCHEME), Q3, "phuong")
    ranked = rank.ranked.select("unit_code", "rank", "total").rows()
    assert ranked == [(B, 1, 100.0), (A, 2, 90.0), (D, 3, 80.0), (C, 4, 70.0)]
    assert {WARDS[c][0] for c in (A, B, C, D)} <= set(rank.units["unit_name"].to_list())
    assert rank.summary.peers_named and rank.summary.ranked == 4
    # Every ward of the directory is listed (the other wards unranked: no dossier).
    assert rank.units.height == directory().filter(pl.col("unit_type") == "phuong").height == rank.summary.units


# --- late rate ------------------------------------------------------------------------------------------


def test_late_ranking_of_a_scoped_viewer(con, rank_from_five):
    standing = late.unit_ranking(con, Filters(LEADER_OF_A, *JULY))
    assert standing.rows.select("unit_code", "resolved", "resolved_late", "late_rank").rows() == [(A, 10, 1, 3)]
    s = standing.summary
    assert (s.ranked, s.median, s.best) == (4, pytest.approx(15.0), 0.0)
    assert bins(s.distribution) == {0.0: 1, 10.0: 1, 20.0: 1, 25.0: 1}
    assert s.distribution["bin_high"].to_list()[-1] == 30.0
    assert not texts(standing.rows, s.distribution) & others()
    # A unit selection naming another ward returns nothing of it, still ranked in the whole group.
    assert late.unit_ranking(con, Filters(LEADER_OF_A, *JULY, frozenset({B}))).rows.height == 0


def test_late_ranking_for_the_province(con, rank_from_five):
    standing = late.unit_ranking(con, Filters(Scope.province(), *JULY))
    assert standing.rows.select("unit_code", "late_rank").rows() == [(C, 1), (D, 2), (A, 3), (B, 4)]
    # A selection narrows the rows, not the group: A keeps its rank 3 of 4.
    chosen = late.unit_ranking(con, Filters(Scope.province(), *JULY, frozenset({A})))
    assert chosen.rows.select("unit_code", "late_rank").rows() == [(A, 3)] and chosen.summary.ranked == 4


# --- satisfaction ---------------------------------------------------------------------------------------


def test_satisfaction_ranking_of_a_scoped_viewer(con):
    standing = sat.unit_ranking(con, Filters(LEADER_OF_A, *JULY), "rating", 5)
    assert standing.rows.select("unit_code", "n", "unit_rank").rows() == [(A, 10, 3)]
    assert standing.rows["rate"].to_list() == [pytest.approx(0.8)]
    s = standing.summary
    assert (s.ranked, s.median, s.best) == (4, pytest.approx(85.0), pytest.approx(100.0))
    assert bins(s.distribution) == {60.0: 1, 80.0: 1, 90.0: 1, 95.0: 1}
    assert not texts(standing.rows, s.distribution) & others()
    lowest = sat.lowest_units(con, Filters(LEADER_OF_A, *JULY), "rating", 5)
    assert lowest.select("unit_code", "unit_rank").rows() == [(A, 3)]


def test_satisfaction_lowest_units_for_the_province(con):
    lowest = sat.lowest_units(con, Filters(Scope.province(), *JULY), "rating", 5, limit=2)
    assert lowest.select("unit_code", "name", "unit_rank").rows() == [(B, "Phường Thanh Khê", 4),
                                                                      (A, "Phường Hải Châu", 3)]


# --- the distribution itself ----------------------------------------------------------------------------


@pytest.mark.parametrize("values, width, low, high, expected", [
    ([70.0, 80.0, 90.0, 100.0], 10.0, 70.0, 100.0, [(70.0, 1), (80.0, 1), (90.0, 2)]),  # 100 in the last bin
    ([10.000000000000002, 15.0], 5.0, 0.0, 20.0, [(0.0, 0), (5.0, 0), (10.0, 1), (15.0, 1)]),
    ([3.0], 2.0, None, None, [(2.0, 1)]),  # low: 3 rounded down to the width; high: the value
    ([], 2.0, 0.0, 10.0, []),
])
def test_distribution_bins(values, width, low, high, expected):
    assert distribution(values, width, low, high).select("bin_low", "units").rows() == expected


def test_the_scoped_ranking_file_names_only_his_unit(con):
    import fastexcel

    from reports.ranking import ranking_xlsx_bytes

    rank = ranking(con, LEADER_OF_A, parse_scheme(SCHEME), Q3, "phuong")
    book = fastexcel.read_excel(ranking_xlsx_bytes(rank, "UBND PHƯỜNG HẢI CHÂU"))
    cells = {str(v) for name in book.sheet_names
             for row in book.load_sheet(name, header_row=None, dtypes="string").to_polars().rows() for v in row if v}
    assert "Phường Hải Châu" in cells and not cells & others()
    assert any(c.startswith("Hạng tính trong cả nhóm: 4 đơn vị được xếp hạng; điểm trung vị 85, cao nhất 100.")
               for c in cells)
