"""Late-dossier figures (page Trễ hạn) against a hand-worked export: February 2026 with Tết, as of 04/03/2026.

Calendar (the `calendar` view, holidays package VN): Tết 2026 is Mon 16/02 – Fri 20/02 (Giao thừa,
Tết Nguyên Đán, Mùng hai … Mùng bốn), so Fri 13/02 is followed by the working day Mon 23/02.
As of Wednesday 04/03/2026 (s = its working-day number): Fri 06/03 is s + 2, Mon 09/03 is s + 3.

Resolved in February (period 01–28/02/2026):
- L1 Hải Châu, due Fri 06/02, finished Tue 10/02: across a weekend, late 2 working days (Mon 9, Tue 10);
  no apology → without apology.
- L2 Hải Châu, due Fri 13/02, finished Tue 24/02: across Tết, late 2 (Mon 23, Tue 24), not 11 calendar
  days; apology issued Thu 12/02 (a day before the due day) → with apology. Rule: received Mon 09/02
  09:00 + 3 working days = Thu 12/02 09:00; the export's 13/02 is 1 working day later.
- L3 Thanh Khê, due Thu 12/02, finished Tue 17/02 (a Tết day): counts as Mon 23/02 morning, so late 2
  (Fri 13, Mon 23); apology issued on the due day itself → too late → without apology.
- L4 Thanh Khê, no due date in the export: received Mon 02/02 08:00 + 5 working days = Mon 09/02 08:00,
  plus the supplement pause 03/02 → 05/02 (2 working days: Wed 4, Thu 5) = Wed 11/02 08:00; finished
  Wed 25/02: late 5 (Thu 12, Fri 13, Mon 23, Tue 24, Wed 25); no apology → without apology.
- E1 Hải Châu early (finished 04/02, due 05/02); E2 Thanh Khê on time (04/02 = due 04/02).
Open as of 04/03/2026:
- O1 Hải Châu due Thu 26/02: overdue 4 working days (27/02, 02/03, 03/03, 04/03); no apology.
- O2 Thanh Khê, waiting for a supplement, due Tue 10/02: overdue 11 (11, 12, 13/02; 23–27/02; 2, 3, 4/03);
  apology issued 06/02 → with apology.
- D1 Hải Châu due Fri 06/03 (s + 2) and D3 Hải Châu due today 04/03: due soon. D2 Thanh Khê due Mon 09/03
  (s + 3): neither. W1 withdrawn with a past due date: not open, never overdue.
- J1 Hải Châu resolved late in January (due 07/01, finished 09/01): only in the January trend.

So for February, province-wide: resolved 6 (L1–L4, E1, E2), late 4, overdue 2 (O1, O2), due soon 2
(D1, D3); late without apology: resolved L1, L3, L4 (3) + overdue O1 (1) = 4, of which L3 too late.
Buckets: resolved late 1–2: L1, L2, L3 (3), 3–5: L4 (1); overdue 3–5: O1, > 10: O2.
"""
from datetime import date, datetime

import duckdb
import pytest

from queries import late
from queries.filters import Filters, Scope
from queries.masking import FOLD, MASKS, UNLESS_ALLOWED
from queries.periods import Period
from tests.fixtures_exports import load_text_exports, nfd

HC, TK = "20242", "20209"  # Phường Hải Châu, Phường Thanh Khê
FEB = Period("month", date(2026, 2, 1), date(2026, 2, 28))
JAN = Period("month", date(2026, 1, 1), date(2026, 1, 31))
AS_OF = date(2026, 3, 4)

HEADER = ("Mã hồ sơ,Đơn vị,Lĩnh vực,Tên thủ tục,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái,"
          "Thời hạn giải quyết,Ngày yêu cầu bổ sung,Ngày bổ sung,Số lần bổ sung,Ngày xin lỗi,Ngày hẹn lại,"
          "Cán bộ xử lý,Chủ hồ sơ,Số điện thoại,Số CCCD,Địa chỉ")
ROWS = (
    'HS-L1,Phường Hải Châu,Hộ tịch,Đăng ký khai sinh,04/02/2026 09:00,06/02/2026 09:00,10/02/2026 10:00,'
    'Đã trả kết quả,2,,,,,,Trần Thị Bình,Nguyễn Văn An,0912345123,048095001234,'
    '"12 Lê Lợi, Phường Hải Châu, TP Đà Nẵng"',
    'HS-L2,Phường Hải Châu,Đất đai,Đăng ký biến động,09/02/2026 09:00,13/02/2026 17:00,24/02/2026 15:00,'
    'Đã trả kết quả,3,,,,12/02/2026 10:00,25/02/2026 17:00,Lê Văn Cường,Đỗ Thị Hường,0987 654 321,,Hải Châu',
    'HS-L3,Phường Thanh Khê,Chứng thực,Chứng thực bản sao,10/02/2026 08:00,12/02/2026 17:00,17/02/2026 09:00,'
    'Đã trả kết quả,,,,,12/02/2026 08:00,13/02/2026 17:00,,Bình,,,',
    'HS-L4,Phường Thanh Khê,Đất đai,Đăng ký đất đai,02/02/2026 08:00,,25/02/2026 16:00,Đã trả kết quả,5,'
    '03/02/2026 10:00,05/02/2026 10:00,2,,,Lê Văn Cường,Phan Thanh,,,',
    'HS-E1,Phường Hải Châu,Hộ tịch,Đăng ký khai sinh,02/02/2026 08:00,05/02/2026 17:00,04/02/2026 10:00,'
    'Đã trả kết quả,,,,,,,,Nguyễn Văn Anh,,,',
    'HS-E2,Phường Thanh Khê,Chứng thực,Chứng thực bản sao,03/02/2026 08:00,04/02/2026 17:00,04/02/2026 16:00,'
    'Đã trả kết quả,,,,,,,,,,,',
    'HS-O1,Phường Hải Châu,Hộ tịch,Đăng ký kết hôn,23/02/2026 08:00,26/02/2026 17:00,,Đang xử lý,,,,,,,'
    'Trần Thị Bình,Võ Minh Tuấn,,,',
    'HS-O2,Phường Thanh Khê,Đất đai,Đăng ký đất đai,02/02/2026 08:00,10/02/2026 17:00,,Chờ bổ sung,,,,1,'
    '06/02/2026 09:00,27/02/2026 17:00,,Hồ Văn Nam,,,',
    'HS-D1,Phường Hải Châu,Hộ tịch,Đăng ký khai sinh,02/03/2026 08:00,06/03/2026 17:00,,Đang xử lý,,,,,,,,,,,',
    'HS-D2,Phường Thanh Khê,Hộ tịch,Đăng ký khai sinh,02/03/2026 08:00,09/03/2026 17:00,,Đang xử lý,,,,,,,,,,,',
    'HS-D3,Phường Hải Châu,Hộ tịch,Đăng ký khai sinh,03/03/2026 08:00,04/03/2026 17:00,,Đang xử lý,,,,,,,,,,,',
    'HS-W1,Phường Hải Châu,Hộ tịch,Đăng ký khai sinh,02/02/2026 08:00,04/02/2026 17:00,,Rút hồ sơ,,,,,,,,,,,',
    'HS-J1,Phường Hải Châu,Hộ tịch,Đăng ký khai sinh,05/01/2026 08:00,07/01/2026 17:00,09/01/2026 10:00,'
    'Đã trả kết quả,,,,,,,,,,,',
)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    text = HEADER + "\n" + "\n".join(ROWS) + "\n"
    db = load_text_exports(tmp_path_factory.mktemp("late"), {"tre_han.csv": text})
    with duckdb.connect(str(db), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM dossiers").fetchall() == [(len(ROWS),)]
        yield connection


def feb(scope=Scope.province(), units=(), period=FEB):
    return Filters(scope, period.start, period.end, frozenset(units), as_of=AS_OF)


def test_tet_2026_is_in_the_calendar(con):
    off = con.execute("SELECT cal_date FROM calendar WHERE cal_date BETWEEN '2026-02-13' AND '2026-02-23' "
                      "AND NOT is_working_day ORDER BY 1").fetchall()
    assert [d for (d,) in off] == [date(2026, 2, d) for d in range(14, 23)]
    names = con.execute("SELECT count(*) FROM calendar WHERE cal_date BETWEEN '2026-02-16' AND '2026-02-20' "
                        "AND holiday_name LIKE '%Tết%'").fetchall()
    assert names == [(5,)]


def test_summary_of_february(con):
    s = late.summary(con, feb())
    assert (s.resolved, s.resolved_late, s.overdue, s.due_soon) == (6, 4, 2, 2)
    assert s.late_rate == pytest.approx(4 / 6)
    assert (s.resolved_late_without_apology, s.overdue_without_apology, s.without_apology) == (3, 1, 4)
    assert s.apology_too_late == 1  # L3: slip dated on the due day
    assert s.as_of == AS_OF


def test_working_days_late_weekend_tet_holiday_and_pause(con):
    rows = {r["dossier_code"]: r for r in late.late_list(con, feb()).to_dicts()}
    assert {c: rows[c]["days_late"] for c in rows} == {
        "HS-L1": 2,   # weekend
        "HS-L2": 2,   # across Tết: 11 calendar days, 2 working days
        "HS-L3": 2,   # finished on a Tết day = next working morning
        "HS-L4": 5,   # due computed with the supplement pause
        "HS-O1": 4,   # open: to today
        "HS-O2": 11,  # open across Tết
    }
    assert rows["HS-L4"]["due_at"] == datetime(2026, 2, 11, 8, 0)
    assert rows["HS-L4"]["supplement_count"] == 2
    assert [rows[c]["apology_state"] for c in ("HS-L1", "HS-L2", "HS-L3", "HS-O2")] == [
        "none", "on_time", "too_late", "on_time"]
    assert rows["HS-O1"]["finished_at"] is None and rows["HS-O1"]["is_open"]


def test_buckets(con):
    b = late.buckets(con, feb())
    assert b.to_dicts() == [
        {"bucket": "1–2 ngày", "resolved_late": 3, "overdue": 0},
        {"bucket": "3–5 ngày", "resolved_late": 1, "overdue": 1},
        {"bucket": "6–10 ngày", "resolved_late": 0, "overdue": 0},
        {"bucket": "Trên 10 ngày", "resolved_late": 0, "overdue": 1},
    ]


def test_list_kinds_and_order(con):
    # Most working days late first; ties by due date (L1 06/02, L3 12/02, L2 13/02).
    assert late.late_list(con, feb())["dossier_code"].to_list() == [
        "HS-O2", "HS-L4", "HS-O1", "HS-L1", "HS-L3", "HS-L2"]
    assert late.late_count(con, feb()) == 6
    assert sorted(late.late_list(con, feb(), "no_apology")["dossier_code"]) == ["HS-L1", "HS-L3", "HS-L4", "HS-O1"]
    assert late.late_count(con, feb(), "no_apology") == 4
    assert sorted(late.late_list(con, feb(), "due_soon")["dossier_code"]) == ["HS-D1", "HS-D3"]
    assert sorted(late.late_list(con, feb(), "overdue")["dossier_code"]) == ["HS-O1", "HS-O2"]
    assert late.late_list(con, feb(), limit=2).height == 2  # the page's cap; the count still says 6


def test_breakdowns(con):
    by_unit = late.breakdown(con, feb(), "unit")
    assert [(r["group_key"], r["resolved"], r["resolved_late"], r["overdue"], r["without_apology"])
            for r in by_unit.to_dicts()] == [(HC, 3, 2, 1, 2), (TK, 3, 2, 1, 2)]
    by_field = late.breakdown(con, feb(), "field")
    # Đất đai: L2, L4 late + O2 overdue; Hộ tịch: L1 + O1; Chứng thực: L3.
    assert [(r["group_name"], r["resolved"], r["resolved_late"], r["overdue"]) for r in by_field.to_dicts()] == [
        ("Đất đai", 2, 2, 1), ("Hộ tịch", 2, 1, 1), ("Chứng thực", 2, 1, 0)]
    by_officer = late.breakdown(con, feb(), "officer")
    assert [(r["group_name"], r["resolved_late"], r["overdue"]) for r in by_officer.to_dicts()] == [
        ("Lê Văn Cường", 2, 0), ("Chưa rõ cán bộ", 1, 1), ("Trần Thị Bình", 1, 1)]


def test_overdue_by_unit_reads_the_open_dossiers_the_breakdown_counts(con):
    # O1 (Hải Châu) and O2 (Thanh Khê) are overdue as of 04/03; the period does not matter to them.
    for period in (FEB, JAN, Period("year", date(2025, 1, 1), date(2025, 12, 31))):
        rows = late.overdue_by_unit(con, feb(period=period)).sort("unit_code")
        assert [(r["unit_code"], r["unit_name"], r["overdue"]) for r in rows.to_dicts()] == [
            (TK, "Phường Thanh Khê", 1), (HC, "Phường Hải Châu", 1)]
    assert late.overdue_by_unit(con, feb(scope=Scope.units(frozenset({HC}))))["unit_code"].to_list() == [HC]


def holders(frame):
    return [(r["unit_code"], r["unit_dossiers"], r["most_days_late"], r["officer_name"], r["officer_dossiers"],
             r["officers_in_unit"]) for r in frame.to_dicts()]


def test_who_holds_the_dossiers_to_act_on(con):
    # Overdue: O2 (Thanh Khê, no officer, 11 days) and O1 (Hải Châu, Trần Thị Bình, 4): one each, the
    # longer wait first.
    overdue = late.who_holds(con, feb(), "overdue")
    assert holders(overdue) == [(TK, 1, 11, "Chưa rõ cán bộ", 1, 1), (HC, 1, 4, "Trần Thị Bình", 1, 1)]
    assert overdue["units_with"].to_list() == [2, 2]
    # Without apology: Thanh Khê L3 (no officer, 2 days) and L4 (Lê Văn Cường, 5); Hải Châu L1 and O1
    # (both Trần Thị Bình, longest 4). Two each: Thanh Khê's longer wait first; one officer per unit
    # kept, ties by name ("Chưa rõ cán bộ" before "Lê Văn Cường"), the unit still counting two.
    assert holders(late.who_holds(con, feb(), "no_apology", officers=1)) == [
        (TK, 2, 5, "Chưa rõ cán bộ", 1, 2), (HC, 2, 4, "Trần Thị Bình", 2, 1)]
    # Due soon: D1 and D3, both Hải Châu, no officer; no days late for a dossier not yet due.
    assert holders(late.who_holds(con, feb(), "due_soon")) == [(HC, 2, None, "Chưa rõ cán bộ", 2, 1)]
    # The unit totals are the late page's lists, counted the same way.
    for kind in late.ACTION_KINDS:
        units = late.who_holds(con, feb(), kind, units=10).unique("unit_code")
        assert units["unit_dossiers"].sum() == late.late_count(con, feb(), kind)
    assert late.who_holds(con, feb(), "overdue", units=1)["unit_code"].to_list() == [TK]
    with pytest.raises(KeyError):
        late.who_holds(con, feb(), "late")  # only the kinds a briefing assigns


def test_due_soon_window_ends_two_working_days_after_today(con):
    # Wednesday 04/03/2026 + 2 working days = Friday 06/03 (D1 is due then, D2 on Monday 09/03 is not).
    assert late.due_soon_until(con, feb()) == date(2026, 3, 6)


def test_units_to_act_on_match_the_late_page(con):
    rows = late.units_to_act_on(con, feb()).to_dicts()
    assert [(r["unit_code"], r["overdue"], r["resolved_late"], r["resolved"], r["without_apology"], r["due_soon"],
             r["late_rate"]) for r in rows] == [
        (HC, 1, 2, 3, 2, 2, pytest.approx(2 / 3)),  # O1; L1, L2 of L1, L2, E1; L1, O1 unapologised; D1, D3
        (TK, 1, 2, 3, 2, 0, pytest.approx(2 / 3)),  # O2; L3, L4 of L3, L4, E2; L3, L4 unapologised
    ]
    by_unit = {r["group_key"]: r for r in late.breakdown(con, feb(), "unit").to_dicts()}
    for r in rows:
        assert (r["overdue"], r["resolved_late"], r["without_apology"]) == (
            by_unit[r["unit_code"]]["overdue"], by_unit[r["unit_code"]]["resolved_late"],
            by_unit[r["unit_code"]]["without_apology"])


def test_unit_ranking_leaves_small_units_unranked(con, monkeypatch):
    default = late.unit_ranking(con, feb()).rows  # min 20 resolved: nobody ranked
    assert default["is_ranked"].to_list() == [False, False] and default["late_rank"].to_list() == [None, None]
    assert default["min_resolved"].to_list() == [20, 20]
    from core.settings import LateSettings, Settings

    monkeypatch.setattr(late, "settings", lambda: Settings(late=LateSettings(min_resolved_to_rank=3)))
    ranked = late.unit_ranking(con, feb()).rows
    # Both resolved 3, late 2: same rate, same rank.
    assert [(r["unit_code"], r["resolved"], r["resolved_late"], r["late_rank"]) for r in ranked.to_dicts()] == [
        (HC, 3, 2, 1), (TK, 3, 2, 1)]


def test_trend_over_two_months(con):
    t = late.trend(con, feb(), (JAN, FEB))
    assert [(r["resolved"], r["resolved_late"], r["without_apology"]) for r in t.to_dicts()] == [(1, 1, 1), (6, 4, 3)]
    assert t["late_rate"].to_list() == pytest.approx([1.0, 4 / 6])


def test_scope_never_leaks_another_unit(con):
    # A Hải Châu viewer whose filters name Thanh Khê sees nothing of Thanh Khê.
    only_hc = Scope.units({HC})
    s = late.summary(con, feb(only_hc, units={TK}))
    assert (s.resolved, s.resolved_late, s.overdue, s.due_soon, s.without_apology) == (0, 0, 0, 0, 0)
    assert late.late_list(con, feb(only_hc, units={TK})).height == 0
    assert late.late_count(con, feb(only_hc, units={TK}), "late", "HS-L4") == 0
    assert late.dossier_detail(con, feb(only_hc), "HS-L4") is None
    assert late.breakdown(con, feb(only_hc, units={TK}), "unit").height == 0
    assert late.unit_ranking(con, feb(only_hc, units={TK})).rows.height == 0
    mine = late.summary(con, feb(only_hc))
    # Hải Châu: resolved L1, L2, E1; late L1, L2; overdue O1; due soon D1, D3; no apology L1, O1.
    assert (mine.resolved, mine.resolved_late, mine.overdue, mine.due_soon, mine.without_apology) == (3, 2, 1, 2, 2)
    assert set(late.late_list(con, feb(only_hc))["unit_code"]) == {HC}


@pytest.mark.parametrize("text, expected", [
    ("nguyen van an", ["HS-L1"]),          # E1 "Nguyễn Văn Anh" matches too, but is not late
    ("NGUYỄN VĂN AN", ["HS-L1"]),
    ("do thi huong", ["HS-L2"]),           # đ folded to d
    (nfd("Đỗ Thị Hường"), ["HS-L2"]),       # NFD typed text
    ("hs-l4", ["HS-L4"]),                  # dossier code, any case
    ("%", []),                             # no LIKE wildcards
    ("'; DROP TABLE stg_dossier_current; --", []),
    ("", ["HS-L1", "HS-L2", "HS-L3", "HS-L4", "HS-O1", "HS-O2"]),
])
def test_search_by_code_or_applicant(con, text, expected):
    found = late.late_list(con, feb(), "late", text)
    assert sorted(found["dossier_code"]) == expected
    assert late.late_count(con, feb(), "late", text) == len(expected)


def test_search_matches_the_full_name_but_returns_it_masked(con):
    [row] = late.late_list(con, feb(), "late", "nguyen van an").to_dicts()
    assert (row["applicant_name"], row["applicant_phone"]) == ("Nguyễn V. A.", "09xx xxx 123")
    [full] = late.late_list(con, feb(Scope.province(personal_data=True)), "late", "nguyen van an").to_dicts()
    assert (full["applicant_name"], full["applicant_phone"]) == ("Nguyễn Văn An", "0912345123")


def test_detail_recomputes_the_rule(con):
    l4 = late.dossier_detail(con, feb(), "HS-L4")
    assert l4.rule.due_without_pause == datetime(2026, 2, 9, 8, 0)
    assert (l4.rule.pause_working_days, l4.rule.due_at, l4.rule.agrees) == (2, datetime(2026, 2, 11, 8, 0), True)
    assert l4.row["days_late"] == 5
    l2 = late.dossier_detail(con, feb(), "HS-L2")
    assert (l2.rule.due_at, l2.rule.agrees, l2.rule.difference_working_days) == (datetime(2026, 2, 12, 9, 0), False, 1)
    assert l2.row["apology_state"] == "on_time" and not l2.row["is_without_apology"]
    assert (l2.row["applicant_name"], l2.row["applicant_phone"], l2.row["applicant_address"]) == (
        "Đỗ T. H.", "09xx xxx 321", "(đã ẩn)")
    l1 = late.dossier_detail(con, feb(), " HS-L1 ")
    assert (l1.row["applicant_id_number"], l1.row["applicant_address"]) == ("xxxxxxxxx234", "Phường Hải Châu, TP Đà Nẵng")
    # A link typed or pasted with the code in lower case, fullwidth or with a zero-width space opens the
    # same dossier (core.text.normalize_dossier_code, the loader's rule).
    assert late.dossier_detail(con, feb(), "hs-l1\u200b").row["dossier_code"] == "HS-L1"
    assert late.dossier_detail(con, feb(), "ＨＳ－Ｌ１").row["dossier_code"] == "HS-L1"
    l3 = late.dossier_detail(con, feb(), "HS-L3")
    assert l3.rule is None and "thời hạn" in l3.rule_problem  # no processing time known
    assert l3.row["days_late"] == 2 and l3.row["is_without_apology"]
    # The timeline's calendar runs from 2 days before receipt (10/02) to 2 days after the last date
    # (finished 17/02): the Tết days 16–19/02 with their names.
    assert (l3.days["cal_date"].min(), l3.days["cal_date"].max()) == (date(2026, 2, 8), date(2026, 2, 19))
    holidays = l3.days.filter(l3.days["holiday_name"].is_not_null())
    assert holidays["cal_date"].to_list() == [date(2026, 2, d) for d in range(16, 20)]
    o2 = late.dossier_detail(con, feb(), "HS-O2")
    assert (o2.row["days_late"], o2.row["is_open"]) == (11, True)
    assert late.dossier_detail(con, feb(), "HS-NONE") is None


# --- masking, on literal values (the templates the queries use) -----------------------------------


def _mask(column: str, value, personal: bool = False):
    con = duckdb.connect()
    expr = UNLESS_ALLOWED.replace("{mask}", MASKS[column]).replace("{col}", f"t.{column}")
    sql = f"SELECT {expr} FROM (SELECT $v::VARCHAR AS {column}) t"
    return con.execute(sql, {"v": value, "personal_data": personal}).fetchall()[0][0]


@pytest.mark.parametrize("value, expected", [
    ("Nguyễn Văn An", "Nguyễn V. A."),
    ("Trần Thị Bích Ngọc", "Trần T. B. N."),
    (nfd("Đỗ Thị Hường"), "Đỗ T. H."),           # NFD in, NFC out
    ("  Lê\u00a0 Đức   Thọ ", "Lê Đ. T."),       # stray and non-breaking spaces
    ("An", "A."),                                # one word: its initial only
    ("", None), ("   ", None), (None, None),
])
def test_mask_name(value, expected):
    assert _mask("applicant_name", value) == expected


@pytest.mark.parametrize("value, expected", [
    ("0912345123", "09xx xxx 123"),
    ("0912 345 123", "09xx xxx 123"),
    ("+84 912 345 678", "84xx xxx 678"),
    ("0236.3821.999", "02xx xxx 999"),
    ("12345", "xxx"),                            # too short to show any digit
    ("", None), ("không có", None), (None, None),
])
def test_mask_phone(value, expected):
    assert _mask("applicant_phone", value) == expected


@pytest.mark.parametrize("value, expected", [
    ("048095001234", "xxxxxxxxx234"),
    ("048 095 001 234", "xxxxxxxxx234"),
    ("B1234567", "xxxxx567"),
    ("123", "xxx"),                              # three characters or fewer: nothing shown
    ("", None), (None, None),
])
def test_mask_id_number(value, expected):
    assert _mask("applicant_id_number", value) == expected


@pytest.mark.parametrize("value, expected", [
    ("12 Lê Lợi, Phường Hải Châu, TP Đà Nẵng", "Phường Hải Châu, TP Đà Nẵng"),
    ("Tổ 5, Thôn 3,, Xã Hòa Vang ,Đà Nẵng,", "Xã Hòa Vang, Đà Nẵng"),  # empty parts dropped, trimmed
    (nfd("Kiệt 4, Phường Thanh Khê, Đà Nẵng"), "Phường Thanh Khê, Đà Nẵng"),
    ("Phường Hải Châu, Đà Nẵng", "Đà Nẵng"),      # two parts: the first (street) is never shown
    ("12 Lê Lợi", "(đã ẩn)"),
    ("", None), (" , ", None), (None, None),
])
def test_mask_address(value, expected):
    assert _mask("applicant_address", value) == expected


def test_personal_data_scope_shows_values_unmasked():
    assert _mask("applicant_name", "Nguyễn Văn An", personal=True) == "Nguyễn Văn An"
    assert _mask("applicant_phone", "0912345123", personal=True) == "0912345123"


@pytest.mark.parametrize("value, expected", [
    ("Nguyễn Văn An", "nguyen van an"), (nfd("ĐỖ  Thị Hường"), "do thi huong"), (None, None)])
def test_fold_for_search(value, expected):
    sql = "SELECT " + FOLD.replace("{col}", "$v::VARCHAR")
    assert duckdb.connect().execute(sql, {"v": value}).fetchall()[0][0] == expected


# --- the .xlsx download ---------------------------------------------------------------------------


def _cells(data: bytes, tmp_path) -> list[list]:
    import fastexcel

    path = tmp_path / "tre_han.xlsx"
    path.write_bytes(data)
    sheet = fastexcel.read_excel(path).load_sheet(0, header_row=None, dtypes="string")
    return [list(row) for row in sheet.to_polars().rows()]


def test_xlsx_holds_every_row_masked_and_guarded(con, tmp_path):
    import polars as pl

    from reports.late import LateReport, late_xlsx_bytes

    rows = late.late_list(con, feb(), limit=None)
    # A procedure name a clerk typed as a formula must reach Excel as text.
    rows = rows.with_columns(pl.when(pl.col("dossier_code") == "HS-L1").then(pl.lit("=HYPERLINK(\"x\")"))
                             .otherwise(pl.col("procedure_name")).alias("procedure_name"))
    report = LateReport(rows=rows, issuer="UBND THÀNH PHỐ ĐÀ NẴNG", units_label="Toàn tỉnh",
                        period_start=FEB.start, period_end=FEB.end, as_of=AS_OF, list_label="Trễ hạn và quá hạn")
    cells = _cells(late_xlsx_bytes(report), tmp_path)
    column_a = [r[0] for r in cells]
    assert column_a[:4] == ["UBND THÀNH PHỐ ĐÀ NẴNG", "DANH SÁCH HỒ SƠ TRỄ HẠN",
                            "(Giải quyết từ ngày 01/02/2026 đến ngày 28/02/2026)", "Đơn vị: Toàn tỉnh"]
    top = column_a.index("STT")
    assert cells[top][:3] == ["STT", "Tình trạng", "Mã hồ sơ"]
    body = cells[top + 1: top + 7]
    assert [r[2] for r in body] == ["HS-O2", "HS-L4", "HS-O1", "HS-L1", "HS-L3", "HS-L2"]
    l1 = body[3]
    assert l1[3] == "'=HYPERLINK(\"x\")"  # reports.safe_text
    assert l1[16:18] == ["Nguyễn V. A.", "09xx xxx 123"]  # masked as the scope says
    o1 = body[2]
    assert (o1[9], o1[10], o1[15]) == ("chưa xong", "4", "Có")  # open, 4 working days, no apology
    assert "đã được che bớt" in cells[-1][0]


def test_rule_text_explains_a_later_export_due_date_after_several_supplement_requests():
    """Exports carry only the last supplement request: with 2 requests, an export due date 3 working
    days later than the recomputed one is explained, not called a wrong declaration."""
    from types import SimpleNamespace

    from queries.late import RuleDue
    from ui.late_view import rule_text

    rule = RuleDue(datetime(2026, 10, 7, 16, 49), 20.0, "working", datetime(2026, 11, 4, 16, 49), 4,
                   datetime(2026, 11, 10, 16, 49), datetime(2026, 11, 13, 16, 49), False, 3)
    twice = rule_text(SimpleNamespace(rule=rule, row={"supplement_count": 2}, rule_problem=None))
    assert "muộn hơn quy định 3 ngày làm việc" in twice and "tệp xuất chỉ ghi lần gần nhất" in twice
    once = rule_text(SimpleNamespace(rule=rule, row={"supplement_count": 1}, rule_problem=None))
    assert "kiểm tra lại thời hạn đã khai báo" in once and "lần gần nhất" not in once


def test_detail_lists_every_loaded_version_oldest_first(tmp_path):
    # The same dossier in two exports: open in the first, resolved in the second (later timestamps, so
    # the second is current). The detail lists both, the superseded one first, and its own scope rules.
    header = "Mã hồ sơ,Đơn vị,Lĩnh vực,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái,Số lần bổ sung"
    first = header + "\nHS-V1,Phường Hải Châu,Hộ tịch,02/02/2026 08:00,06/02/2026 17:00,,Đang xử lý,\n"
    second = (header + "\nHS-V0,Phường Thanh Khê,Hộ tịch,02/02/2026 08:00,04/02/2026 17:00,03/02/2026 09:00,"
              "Đã trả kết quả,\nHS-V1,Phường Hải Châu,Hộ tịch,02/02/2026 08:00,06/02/2026 17:00,"
              "10/02/2026 10:00,Đã trả kết quả,1\n")
    db = load_text_exports(tmp_path, {"truoc.csv": first, "sau.csv": second})
    with duckdb.connect(str(db), read_only=True) as con:
        detail = late.dossier_detail(con, feb(), "hs-v1")
        versions = detail.versions
        assert versions["file_name"].to_list() == ["truoc.csv", "sau.csv"]
        assert versions["source_row"].to_list() == [2, 3]
        assert versions["finished_at"].to_list() == [None, datetime(2026, 2, 10, 10, 0)]
        assert versions["supplement_count"].to_list() == [0, 1]  # an empty cell is stored as 0
        assert versions["load_id"].is_sorted() and versions["load_id"].n_unique() == 2
        assert versions["loaded_at"].null_count() == 0
        assert late.dossier_detail(con, feb(scope=Scope.units(frozenset({TK}))), "HS-V1") is None
