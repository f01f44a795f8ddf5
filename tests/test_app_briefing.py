"""AppTest: the briefing on the demo province (today pinned to Saturday 21/11/2026) — the title follows
the period, periods read as periods from the first one loaded, counts on whole-number ticks, the
actions carry the late page's figures (each against one SQL query), the same period a year ago is
on screen, and file names or commands reach only the viewer who runs the installation."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from access.users import add_user
from tests.app_support import PINNED_TODAY, new_app, run_app


def one(db: Path, sql: str, params: dict | None = None):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or {}).fetchall()[0][0]


def vn(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def trend_spec(app) -> dict:
    for chart in app.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["layout"]["title"]["text"].startswith("Tiếp nhận và giải quyết theo"):
            return spec
    raise AssertionError("no trend chart")


def trend_layout(app) -> tuple[list[str], dict]:
    """x labels and layout of the briefing's trend chart."""
    spec = trend_spec(app)
    return spec["data"][0]["x"], spec["layout"]


def trend_data(app) -> list[dict]:
    return trend_spec(app)["data"]


def texts(app) -> list[str]:
    return [m.value for m in app.markdown] + [c.value for c in app.caption] + [w.value for w in app.warning]


def test_quarter_view_reads_as_quarters_from_the_first_loaded_one(monkeypatch, demo_db):
    app = run_app(monkeypatch, demo_db, params={"ky": "quarter", "tu": "2026-07-01", "den": "2026-09-30"})
    assert not app.exception
    assert app.title[0].value == "Giao ban quý"  # the menu keeps «Giao ban tuần»; the title follows the period
    assert app.caption[0].value.startswith("Quý 3/2026 · Toàn tỉnh")
    assert app.info[0].value.startswith("Trong quý 3/2026, toàn tỉnh tiếp nhận")
    labels, layout = trend_layout(app)
    first = one(demo_db, "SELECT min(received_date) FROM dossiers")
    expected, year, quarter = [], first.year, (first.month - 1) // 3 + 1
    while (year, quarter) <= (2026, 3):
        expected.append(f"Quý {quarter}/{year}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    assert labels == expected and labels[-1] == "Quý 3/2026" and len(labels) < 12  # no empty quarters first
    assert layout["title"]["text"] == "Tiếp nhận và giải quyết theo quý"
    assert layout["yaxis"]["tickformat"] == ",d" and layout["yaxis"]["dtick"] >= 1
    assert float(layout["yaxis"]["dtick"]).is_integer()


def test_weeks_are_numbered_and_a_small_unit_gets_whole_ticks(monkeypatch, demo_db):
    # The unit with fewest dossiers in the last 12 weeks: its counts are small, where Plotly alone
    # would put ticks at 0,5.
    unit = one(demo_db, "SELECT unit_code FROM dossiers WHERE received_date BETWEEN '2026-08-24' AND '2026-11-15' "
                        "AND status_code <> 1 GROUP BY 1 HAVING count(*) FILTER (received_date >= '2026-11-09') > 0 "
                        "ORDER BY count(*), 1 LIMIT 1")
    app = run_app(monkeypatch, demo_db, params={"dv": unit})
    assert not app.exception
    assert app.title[0].value == "Giao ban tuần"
    labels, layout = trend_layout(app)
    assert labels[-1] == "Tuần 46 (09/11–15/11)" and labels[-2] == "Tuần 45 (02/11–08/11)"
    bars = [trace for trace in trend_data(app) if trace["type"] == "bar"]
    top = max(max(trace["y"]) for trace in bars)
    assert top <= 8 and layout["yaxis"]["dtick"] == 1


def test_actions_carry_the_late_pages_figures(monkeypatch, demo_db):
    app = run_app(monkeypatch, demo_db)  # the week 09–15/11/2026
    assert not app.exception
    today = PINNED_TODAY.isoformat()
    overdue = one(demo_db, "SELECT count(*) FROM dossiers WHERE is_open AND due_date < $t", {"t": today})
    # Due soon: open, due from today to two working days on (Tuesday 24/11/2026 is a day off).
    due_soon = one(demo_db, "SELECT count(*) FROM dossiers d, calendar c WHERE c.cal_date = $t AND d.is_open "
                            "AND d.due_date >= $t AND d.due_wd_seq <= c.wd_seq + 2", {"t": today})
    items = next(m.value for m in app.markdown if "Đôn đốc giải quyết ngay" in m.value)
    assert f"**Đôn đốc giải quyết ngay {vn(overdue)} hồ sơ đang quá hạn** (tính đến 21/11/2026)" in items
    assert f"**Theo dõi {vn(due_soon)} hồ sơ đến hạn từ hôm nay đến hết thứ Tư 25/11/2026**" in items
    assert "giữ " in items  # the officers holding overdue dossiers are named
    # Targets for 2026 from the bundled targets.csv: online share 60%, satisfaction 90%.
    assert "60,0%" in app.info[0].value and "90,0%" in app.info[0].value
    # The attention table's key columns come first (a phone shows them without scrolling).
    table = next(d.value for d in app.dataframe if "Chi tiết" in d.value.columns)
    assert list(table.columns[:4]) == ["Đơn vị", "Quá hạn", "Chưa xin lỗi", "Sắp đến hạn"]
    assert sum(int(v) for v in table["Quá hạn"]) <= overdue


def test_same_week_a_year_ago_is_on_screen(monkeypatch, demo_db):
    app = run_app(monkeypatch, demo_db)
    # 52 weeks before 09–15/11/2026: 10–16/11/2025.
    received = one(demo_db, "SELECT count(*) FROM dossiers WHERE status_code <> 1 "
                            "AND received_date BETWEEN '2025-11-10' AND '2025-11-16'")
    assert received > 0
    assert any(c.value.startswith(f"Cùng kỳ năm trước: {vn(received)} (") for c in app.caption)
    assert "so với cùng kỳ năm trước" in app.info[0].value


def test_a_holiday_week_is_flagged(monkeypatch, demo_db):
    app = run_app(monkeypatch, demo_db, params={"ky": "week", "tu": "2026-08-31", "den": "2026-09-06"})
    assert not app.exception
    warning = next(w.value for w in app.warning if "Lưu ý khi so sánh" in w.value)
    assert "Tuần 36 (31/08–06/09) có 2 ngày làm việc (nghỉ: " in warning and "Quốc khánh 01/09–02/09" in warning


def test_a_running_week_says_so(monkeypatch, demo_db):
    app = run_app(monkeypatch, demo_db, params={"ky": "week", "tu": "2026-11-16", "den": "2026-11-22"})
    warning = next(w.value for w in app.warning if "Lưu ý khi so sánh" in w.value)
    assert "Kỳ đang diễn ra: số liệu tính đến hôm nay (21/11/2026)" in warning


# --- who sees file names and commands -------------------------------------------------------------

PASSWORD = "mat-khau-thu-nghiem"


@pytest.fixture(scope="module")
def users_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hints") / "users.toml"
    add_user(path, "lanhdao", "Trần Văn Tỉnh", "province_leader", [], password=PASSWORD)
    add_user(path, "quantri", "Hoàng Quản Trị", "data_admin", [], password=PASSWORD)
    return path


def signed_in(monkeypatch, tmp_path, demo_db, users_file, username: str, page: str):
    path = tmp_path / "users.toml"
    shutil.copyfile(users_file, path)
    monkeypatch.setenv("CCHC_USERS", str(path))
    monkeypatch.setenv("CCHC_AUDIT_DB", str(tmp_path / "audit.duckdb"))
    monkeypatch.setenv("CCHC_DB", str(demo_db))
    monkeypatch.setenv("CCHC_TODAY", PINNED_TODAY.isoformat())
    app = new_app({"ky": "quarter", "tu": "2026-07-01", "den": "2026-09-30"}).run()
    app.text_input(key="auth_username").input(username)
    app.text_input(key="auth_password").input(PASSWORD)
    next(b for b in app.button if b.label == "Đăng nhập").click()
    app.run()
    return app.switch_page(page).run()


INTERNAL = ("settings.toml", "thư mục thiết lập", "python -m", ".csv", ".toml")


@pytest.mark.parametrize("page", ["pages/satisfaction.py", "pages/home.py", "pages/briefing.py"])
def test_a_chairman_sees_no_file_or_command(monkeypatch, tmp_path, demo_db, users_file, page):
    app = signed_in(monkeypatch, tmp_path, demo_db, users_file, "lanhdao", page)
    assert not app.exception
    shown = texts(app) + [i.value for i in app.info] + [m.proto.help for m in app.metric]
    leaks = [t for t in shown for word in INTERNAL if word in t]
    assert not leaks, leaks


def test_the_data_administrator_keeps_the_hints(monkeypatch, tmp_path, demo_db, users_file):
    app = signed_in(monkeypatch, tmp_path, demo_db, users_file, "quantri", "pages/satisfaction.py")
    assert not app.exception
    assert any("settings.toml (thư mục thiết lập), mục [satisfaction]" in c.value for c in app.caption)
    home = signed_in(monkeypatch, tmp_path, demo_db, users_file, "quantri", "pages/home.py")
    assert any("python -m etl rejects" in m.proto.help for m in home.metric)
