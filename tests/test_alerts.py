"""Alert rules ("Cần xử lý") on a small hand-made database, and the digest mailed to a real SMTP
server started by the test (aiosmtpd on 127.0.0.1).

Today Thu 26/11/2026; the rates are those of week W47 (16–22/11). This installation's alerts.toml
changes three thresholds and keeps the bundled rest; targets.csv sets online 50% for 2026;
satisfaction falls back to settings' 90%.

| code | unit           | received | due   | finished | channel | what it raises                       |
|------|----------------|----------|-------|----------|---------|--------------------------------------|
| A1   | Hải Châu (HC)  | 16/11    | 18/11 | —        | direct  | overdue                              |
| A2   | HC             | 16/11    | 19/11 | —        | direct  | overdue → HC has 2 > 1: alert        |
| A3   | HC             | 17/11    | 20/11 | 19/11    | online  | HC online 1/3 = 33,3% < 50%: alert   |
| A4   | Thanh Khê (TK) | 17/11    | 20/11 | —        | direct  | overdue → TK has 1, not above 1      |
| A5   | TK             | 18/11    | 26/11 | —        | online  | due soon (today)                     |
| A6   | TK             | 19/11    | 27/11 | —        | online  | due soon (next working day); TK online 2/4 = 50%: not below |
| A7   | TK             | 20/11    | 10/12 | —        | direct  | nothing                              |
| A8   | Sơn Trà (ST)   | 02/11    | 05/11 | 05/11    | direct  | ST silent since 02/11: 24 days ≥ 7   |
| A9   | HC             | 25/11    | 10/12 | —        | direct  | keeps HC from looking silent         |

Survey W47: HC 5,4,2 and 2,2,5 → 3/6 = 50,0% < 90% with 6 ≥ 3 answers: alert; TK 5,5,5 → 100%;
ST 1,1 → 2 answers, below the 3 needed: no alert.
"""
from __future__ import annotations

import os
from datetime import date

import duckdb
import pytest

from core.alerts import alert_rules
from core.installation import ConfigError, use
from etl.__main__ import main as cli
from queries.alerts import evaluate
from queries.filters import Filters, Scope
from reports.digest import alert_text
from tests.fixtures_exports import load_text_exports

HC, TK, ST = "20242", "20209", "20263"
TODAY = date(2026, 11, 26)
DOSSIERS = """\
Mã hồ sơ,Tên thủ tục,Đơn vị,Lĩnh vực,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Trạng thái,Hình thức nộp
A1,Đăng ký khai sinh,Phường Hải Châu,Hộ tịch,16/11/2026,18/11/2026,,Đang xử lý,Trực tiếp
A2,Đăng ký kết hôn,Phường Hải Châu,Hộ tịch,16/11/2026,19/11/2026,,Đang xử lý,Trực tiếp
A3,Chứng thực bản sao,Phường Hải Châu,Chứng thực,17/11/2026,20/11/2026,19/11/2026,Đã trả kết quả,Trực tuyến
A4,Đăng ký biến động đất đai,Phường Thanh Khê,Đất đai,17/11/2026,20/11/2026,,Đang xử lý,Trực tiếp
A5,Chứng thực chữ ký,Phường Thanh Khê,Chứng thực,18/11/2026,26/11/2026,,Đang xử lý,Trực tuyến
A6,Đăng ký khai tử,Phường Thanh Khê,Hộ tịch,19/11/2026,27/11/2026,,Đang xử lý,Trực tuyến
A7,Tách thửa đất,Phường Thanh Khê,Đất đai,20/11/2026,10/12/2026,,Đang xử lý,Trực tiếp
A8,Đăng ký khai sinh,Phường Sơn Trà,Hộ tịch,02/11/2026,05/11/2026,05/11/2026,Đã trả kết quả,Trực tiếp
A9,Đăng ký thường trú,Phường Hải Châu,Hộ tịch,25/11/2026,10/12/2026,,Đang xử lý,Trực tiếp
"""
QUESTIONS = ("Công chức có thái độ lịch sự khi tiếp nhận và giải quyết hồ sơ",
             "Nhận được kết quả đúng hẹn",
             "Thủ tục hành chính được niêm yết công khai đầy đủ")
SURVEY = f"""\
Mã phiếu,Đơn vị,Ngày khảo sát,{",".join(QUESTIONS)}
S1,Phường Hải Châu,17/11/2026,5,4,2
S2,Phường Hải Châu,18/11/2026,2,2,5
S3,Phường Thanh Khê,20/11/2026,5,5,5
S4,Phường Sơn Trà,19/11/2026,1,1,
"""
ALERTS_TOML = """\
[overdue_at_unit]
min_overdue = 1
[satisfaction_below_target]
min_answers = 3
[online_below_target]
min_received = 2
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("alerts")
    (folder / "config").mkdir()
    (folder / "config" / "alerts.toml").write_text(ALERTS_TOML, encoding="utf-8")
    (folder / "config" / "targets.csv").write_text("year,metric,target\n2026,online_share,50%\n", encoding="utf-8")
    return load_text_exports(folder, {"hoso.csv": DOSSIERS, "khaosat.csv": SURVEY})


@pytest.fixture
def con(db):
    use(db)
    with duckdb.connect(str(db), read_only=True) as connection:
        yield connection


def week(scope=Scope.province()) -> Filters:
    return Filters(scope, date(2026, 11, 16), date(2026, 11, 22), as_of=TODAY)


def test_the_installations_rules_lie_over_the_bundled_ones(db):
    use(db)
    rules = alert_rules()
    assert rules.overdue_at_unit.min_overdue == 1 and rules.online_below_target.min_received == 2
    assert rules.silent_unit.days == 7 and rules.due_soon.max_listed == 20  # bundled, untouched


def test_every_rule_on_the_hand_made_week(con):
    alerts = evaluate(con, week())
    got = [(a.rule, a.unit_code, a.count, a.denominator) for a in alerts]
    assert got == [
        ("overdue_at_unit", HC, 2, None),
        ("due_soon", None, 2, None),
        ("satisfaction_below_target", HC, 3, 6),
        ("online_below_target", HC, 1, 3),
        ("silent_unit", ST, 24, None),
    ]
    due = next(a for a in alerts if a.rule == "due_soon")
    assert due.dossiers["dossier_code"].to_list() == ["A5", "A6"]
    texts = [alert_text(a, TODAY) for a in alerts]
    assert texts[0] == "Phường Hải Châu: 2 hồ sơ đang quá hạn tính đến ngày 26/11/2026."
    assert texts[2] == "Phường Hải Châu: mức độ hài lòng (khảo sát) 50,0% (3/6), dưới mục tiêu 90,0%."
    assert texts[3] == "Phường Hải Châu: nộp trực tuyến 33,3% (1/3 hồ sơ), dưới mục tiêu 50,0%."
    assert texts[4] == "Phường Sơn Trà: không tiếp nhận hồ sơ mới nào trong 24 ngày."


def test_a_commune_viewer_sees_only_its_alerts(con):
    alerts = evaluate(con, week(Scope.units({TK})))
    # TK: one overdue (not above 1), A5 and A6 due soon, online 2/4 = 50% (not below), survey 100%.
    assert [(a.rule, a.count) for a in alerts] == [("due_soon", 2)]


def test_a_disabled_rule_and_a_typo(db, tmp_path):
    from core.alerts import AlertRules, parse

    rules = parse({"due_soon": {"enabled": False}}, AlertRules(), "alerts.toml")
    assert not rules.due_soon.enabled and rules.silent_unit.enabled
    use(db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert "due_soon" not in {a.rule for a in evaluate(con, week(), rules)}
    with pytest.raises(ConfigError, match="Có phải là «min_overdue»"):
        parse({"overdue_at_unit": {"min_overdu": 3}}, AlertRules(), "alerts.toml")
    with pytest.raises(ConfigError, match="phải là một số nguyên"):
        parse({"silent_unit": {"days": "7"}}, AlertRules(), "alerts.toml")


def test_cli_prints_the_digest(db, capsys):
    assert cli(["alerts", "--week", "2026-W47", "--today", "2026-11-26", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("BẢN TIN CẢI CÁCH HÀNH CHÍNH — Tuần 47 (16/11–22/11/2026) — Toàn tỉnh")
    assert "HỒ SƠ SẮP ĐẾN HẠN (1)" in out and "A5 — Chứng thực chữ ký — Phường Thanh Khê — hạn 26/11/2026" in out


# --- the digest through a real SMTP server ------------------------------------------------------------


@pytest.fixture
def smtp_server():
    """aiosmtpd on a free loopback port, accepting AUTH PLAIN/LOGIN without TLS for user cchc / s3cret."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    from tests.app_support import free_port

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode("utf-8"),
                                  session.authenticated))
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"cchc" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def _mail_settings(db, port: int) -> None:
    (db.parent / "config" / "settings.toml").write_text(
        f'[mail]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nusername = "cchc"\n'
        'password_env = "CCHC_TEST_SMTP_PASSWORD"\nsender = "Bảng điều hành CCHC <cchc@danang.gov.vn>"\n'
        'recipients = "chutich@danang.gov.vn, vanphong@danang.gov.vn"\n', encoding="utf-8")


def test_send_mails_the_digest_with_the_password_from_the_environment(db, smtp_server, monkeypatch, capsys):
    inbox, port = smtp_server
    _mail_settings(db, port)
    try:
        monkeypatch.setenv("CCHC_TEST_SMTP_PASSWORD", "s3cret")
        assert cli(["alerts", "--send", "--week", "2026-W47", "--today", "2026-11-26", "--db", str(db)]) == 0
    finally:
        (db.parent / "config" / "settings.toml").unlink()
    assert "Đã gửi bản tin tới chutich@danang.gov.vn, vanphong@danang.gov.vn." in capsys.readouterr().out
    [(sender, to, content, authenticated)] = inbox.messages
    assert sender == "cchc@danang.gov.vn" and to == ["chutich@danang.gov.vn", "vanphong@danang.gov.vn"]
    assert authenticated
    from email import message_from_string, policy

    mail = message_from_string(content, policy=policy.default)
    assert mail["Subject"] == "[CCHC] Cần xử lý — Tuần 47 (16/11–22/11/2026): 5 cảnh báo"
    body = mail.get_content()
    assert "Phường Hải Châu: 2 hồ sơ đang quá hạn tính đến ngày 26/11/2026." in body
    assert "Phường Sơn Trà: không tiếp nhận hồ sơ mới nào trong 24 ngày." in body


def test_send_without_the_password_says_which_variable(db, smtp_server, monkeypatch, capsys):
    inbox, port = smtp_server
    _mail_settings(db, port)
    try:
        monkeypatch.delenv("CCHC_TEST_SMTP_PASSWORD", raising=False)
        assert cli(["alerts", "--send", "--today", "2026-11-26", "--db", str(db)]) == 1
    finally:
        (db.parent / "config" / "settings.toml").unlink()
    assert "đặt biến môi trường CCHC_TEST_SMTP_PASSWORD" in capsys.readouterr().err
    assert inbox.messages == [] and "CCHC_TEST_SMTP_PASSWORD" not in os.environ
