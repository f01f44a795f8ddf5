"""AppTest of the Trễ hạn page on the demo database: renders, opens filtered from a link, ?hs= opens a dossier."""
import json
from pathlib import Path

import duckdb

from tests.app_support import PINNED_TODAY, metrics, run_app

OCTOBER = {"ky": "month", "tu": "2026-10-01", "den": "2026-10-31"}
HAI_CHAU = "20242"


def one(db: Path, sql: str, params: dict | None = None):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or {}).fetchall()[0]


def vn(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def test_page_renders_with_figures_from_sql(monkeypatch, demo_db):
    app = run_app(monkeypatch, demo_db, page="pages/late.py", params=OCTOBER)
    assert not app.exception
    assert app.title[0].value == "Trễ hạn"
    (late,) = one(demo_db, "SELECT count(*) FROM dossiers WHERE is_resolved AND timeliness = 'late' "
                           "AND finished_date BETWEEN '2026-10-01' AND '2026-10-31'")
    (overdue,) = one(demo_db, "SELECT count(*) FROM dossiers WHERE NOT is_resolved AND status_code NOT IN (1, 3, 7, 8) "
                              "AND due_date < $today", {"today": PINNED_TODAY})
    shown = metrics(app)
    assert shown["Giải quyết trễ hạn"] == vn(late)
    assert shown["Đang quá hạn"] == vn(overdue)
    assert {"Tỷ lệ trễ hạn", "Sắp đến hạn", "Trễ hạn không xin lỗi"} <= set(shown)
    assert app.dataframe, "the late list is drawn"
    assert any("Bấm vào một dòng để xem chi tiết" in c.value for c in app.caption)


def test_link_with_unit_and_period_opens_filtered(monkeypatch, demo_db):
    app = run_app(monkeypatch, demo_db, page="pages/late.py", params={**OCTOBER, "dv": HAI_CHAU})
    assert not app.exception
    assert app.selectbox(key="f_kind").value == "month"
    assert app.multiselect(key="f_units").value == [HAI_CHAU]
    (late,) = one(demo_db, "SELECT count(*) FROM dossiers WHERE is_resolved AND timeliness = 'late' AND unit_code = $u "
                           "AND finished_date BETWEEN '2026-10-01' AND '2026-10-31'", {"u": HAI_CHAU})
    assert metrics(app)["Giải quyết trễ hạn"] == vn(late)
    units = set(app.dataframe[0].value["Đơn vị"])
    assert units <= {"Phường Hải Châu"}


def test_hs_in_the_url_opens_the_dossier(monkeypatch, demo_db):
    code, days = one(demo_db, "SELECT dossier_code, late_working_days FROM dossiers WHERE timeliness = 'late' "
                              "ORDER BY late_working_days DESC, dossier_code LIMIT 1")
    app = run_app(monkeypatch, demo_db, page="pages/late.py", params={**OCTOBER, "hs": code})
    assert not app.exception
    texts = [m.value for m in app.markdown]
    assert f"#### Hồ sơ {code}" in texts
    assert any(t.startswith("Hạn theo quy định:") for t in texts)
    assert any(f"trễ **{days} ngày làm việc**" in t for t in texts)
    assert app.query_params["hs"] in (code, [code])  # kept in the URL, so the link can be sent
    assert metrics(app)["Ngày trễ (ngày làm việc)"] == vn(days)


def test_unknown_dossier_in_the_url_says_so(monkeypatch, demo_db):
    app = run_app(monkeypatch, demo_db, page="pages/late.py", params={**OCTOBER, "hs": "KHONG-CO-HO-SO"})
    assert not app.exception
    assert any("Không tìm thấy hồ sơ «KHONG-CO-HO-SO»" in w.value for w in app.warning)


def test_briefing_units_open_the_late_page_in_the_same_session(monkeypatch, demo_db):
    app = run_app(monkeypatch, demo_db, params=OCTOBER)
    assert not app.exception
    table = next(df.value for df in app.dataframe if "Chi tiết" in df.value.columns)
    assert set(table["Chi tiết"]) == {"Xem →"}
    # Counts and the rate are numbers (a header click sorts them as numbers), shown 1.234 and 12,5%.
    assert all(str(table[c].dtype).startswith("int") for c in ("Quá hạn", "Chưa xin lỗi", "Sắp đến hạn",
                                                                "Trễ trong kỳ", "Đã giải quyết"))
    assert table["Tỷ lệ trễ"].dtype == "float64"
    first = table["Đơn vị"][0]
    # «Xem →» of the first row (what the ButtonColumn reports on a click): the late page opens in this
    # session — no new tab, no second sign-in — for that unit and the same period.
    app.session_state["br_attention_open"] = {"row": 0, "label": "Xem →"}
    app.run()
    assert not app.exception
    assert app.title[0].value == "Trễ hạn"
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in app.query_params.items()}
    assert {k: params[k] for k in OCTOBER} == OCTOBER
    unit = app.multiselect(key="f_units")
    assert unit.value == [params["dv"]] and unit.format_func(params["dv"]) == first


# --- audit: who opened which dossier, and whether its personal data was shown -----------------------


def dossier_views(audit_db: Path) -> list[dict]:
    from datetime import datetime, timedelta

    from access import audit

    now = datetime.now()
    rows = audit.entries(now - timedelta(hours=1), now + timedelta(hours=1), actions=["view_dossier"],
                         path=audit_db).to_dicts()
    return [{**r, "detail": json.loads(r["detail"])} for r in rows]


def test_opening_a_dossier_by_link_is_audited_once(monkeypatch, demo_db, tmp_path):
    audit_db = tmp_path / "audit.duckdb"
    monkeypatch.setenv("CCHC_AUDIT_DB", str(audit_db))
    code, unit = one(demo_db, "SELECT dossier_code, unit_code FROM dossiers WHERE timeliness = 'late' "
                              "ORDER BY dossier_code LIMIT 1")
    app = run_app(monkeypatch, demo_db, page="pages/late.py", params={**OCTOBER, "hs": code})
    assert f"#### Hồ sơ {code}" in [m.value for m in app.markdown]
    app.run()  # reruns (any click on the page) while the dossier stays open add nothing
    app.run()
    [row] = dossier_views(audit_db)
    assert (row["username"], row["role"], row["unit_codes"]) == ("local", "local", [unit])
    assert row["detail"]["dossier"] == code and row["detail"]["found"] is True
    assert row["detail"]["personal_data"] is False  # local mode masks unless settings.toml [privacy] says so


def test_opening_a_dossier_from_the_list_is_audited(monkeypatch, demo_db, tmp_path):
    audit_db = tmp_path / "audit.duckdb"
    monkeypatch.setenv("CCHC_AUDIT_DB", str(audit_db))
    app = run_app(monkeypatch, demo_db, page="pages/late.py", params=OCTOBER)
    assert not dossier_views(audit_db)  # the list alone opens no dossier
    first = next(df.value for df in app.dataframe if "Mã hồ sơ" in df.value.columns)["Mã hồ sơ"][0]
    app.session_state[app.session_state["_late_table_key"]] = {"selection": {"rows": [0], "columns": []}}
    app.run()
    assert not app.exception
    assert f"#### Hồ sơ {first}" in [m.value for m in app.markdown]
    assert [r["detail"]["dossier"] for r in dossier_views(audit_db)] == [first]


def test_a_dossier_link_outside_the_data_is_audited_as_not_found(monkeypatch, demo_db, tmp_path):
    audit_db = tmp_path / "audit.duckdb"
    monkeypatch.setenv("CCHC_AUDIT_DB", str(audit_db))
    run_app(monkeypatch, demo_db, page="pages/late.py", params={**OCTOBER, "hs": "KHONG-CO-HO-SO"})
    [row] = dossier_views(audit_db)
    assert row["detail"]["dossier"] == "KHONG-CO-HO-SO"
    assert row["detail"]["found"] is False and row["detail"]["personal_data"] is False
