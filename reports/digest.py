"""Report layer: the alerts as Vietnamese sentences and the weekly digest e-mail (SMTP); never queries the database.

The same sentences feed the briefing page's "Cần xử lý" panel, `python -m etl alerts` and the mail.
The SMTP password is read from the environment variable named by settings.toml [mail] password_env,
never from a file.
"""
from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Sequence
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from core import format as fmt
from core.settings import MailSettings
from queries.alerts import RULES, Alert
from queries.periods import Period

_SOURCES = {"survey": "khảo sát", "rating": "đánh giá trên Cổng DVC"}


class MailError(RuntimeError):
    """The digest cannot be sent; the message says what to set or check."""


def alert_text(alert: Alert, as_of: date) -> str:
    """One sentence per alert, figures in the Vietnamese format."""
    unit = alert.unit_name or ""
    if alert.rule == "overdue_at_unit":
        return f"{unit}: {fmt.number(alert.count)} hồ sơ đang quá hạn tính đến ngày {fmt.day(as_of)}."
    if alert.rule == "due_soon":
        return f"{fmt.number(alert.count)} hồ sơ sắp đến hạn trả (hôm nay hoặc vài ngày làm việc tới)."
    if alert.rule == "satisfaction_below_target":
        return (f"{unit}: mức độ hài lòng ({_SOURCES[alert.source]}) {fmt.percent(alert.rate)} "
                f"({fmt.number(alert.count)}/{fmt.number(alert.denominator)}), dưới mục tiêu {fmt.percent(alert.target)}.")
    if alert.rule == "online_below_target":
        return (f"{unit}: nộp trực tuyến {fmt.percent(alert.rate)} ({fmt.number(alert.count)}/"
                f"{fmt.number(alert.denominator)} hồ sơ), dưới mục tiêu {fmt.percent(alert.target)}.")
    if alert.rule == "silent_unit":
        return f"{unit}: không tiếp nhận hồ sơ mới nào trong {fmt.number(alert.count)} ngày."
    raise KeyError(alert.rule)


def due_soon_lines(alert: Alert) -> list[str]:
    """The dossiers of a due-soon alert: code, procedure, unit, due date."""
    if alert.dossiers is None:
        return []
    return [f"{r['dossier_code']} — {r['procedure_name']} — {r['unit_name']} — hạn {fmt.day(r['due_at'])}"
            for r in alert.dossiers.iter_rows(named=True)]


def grouped(alerts: Sequence[Alert]) -> list[tuple[str, list[Alert]]]:
    """(rule title, its alerts) in RULES order, rules without alerts left out."""
    return [(title, [a for a in alerts if a.rule == rule]) for rule, title in RULES.items()
            if any(a.rule == rule for a in alerts)]


def digest_text(alerts: Sequence[Alert], period: Period, as_of: date, where: str, summary: str) -> str:
    """The digest body: the briefing's paragraph, then the alerts rule by rule."""
    lines = [f"BẢN TIN CẢI CÁCH HÀNH CHÍNH — {period.label()} — {fmt.sentence(where)}", "", summary, ""]
    if not alerts:
        lines.append(f"Không có việc nào cần xử lý theo các quy tắc cảnh báo (tính đến ngày {fmt.day(as_of)}).")
    for title, items in grouped(alerts):
        lines.append(f"{title.upper()} ({len(items)})")
        for alert in items:
            lines.append(f"  - {alert_text(alert, as_of)}")
            lines += [f"      {line}" for line in due_soon_lines(alert)]
        lines.append("")
    lines.append("Thư gửi tự động từ Bảng điều hành CCHC; quy tắc cảnh báo trong alerts.toml của bản cài đặt.")
    return "\n".join(lines).rstrip() + "\n"


def digest_message(conf: MailSettings, alerts: Sequence[Alert], period: Period, as_of: date, where: str,
                   summary: str) -> EmailMessage:
    if not conf.sender or not conf.recipient_list:
        raise MailError("Chưa khai báo người gửi hoặc người nhận: settings.toml, mục [mail], khóa sender và recipients.")
    message = EmailMessage()
    message["Subject"] = f"{conf.subject_prefix} Cần xử lý — {period.label()}: {len(alerts)} cảnh báo".strip()
    message["From"] = conf.sender
    message["To"] = ", ".join(conf.recipient_list)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="cchc.local")
    message.set_content(digest_text(alerts, period, as_of, where, summary))
    return message


def send(conf: MailSettings, message: EmailMessage) -> None:
    """Send through the installation's SMTP server; MailError names what is wrong."""
    if not conf.host:
        raise MailError("Chưa cấu hình máy chủ thư: settings.toml, mục [mail], khóa host (xem README, mục Bản tin).")
    password = None
    if conf.username:
        password = os.environ.get(conf.password_env)
        if not password:
            raise MailError(f"Chưa có mật khẩu thư: đặt biến môi trường {conf.password_env} (không ghi mật khẩu vào "
                            "tệp nào).")
    try:
        if conf.security == "ssl":
            client = smtplib.SMTP_SSL(conf.host, conf.port, timeout=conf.timeout_seconds,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(conf.host, conf.port, timeout=conf.timeout_seconds)
        with client:
            if conf.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if conf.username:
                client.login(conf.username, password)
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"Không gửi được thư qua {conf.host}:{conf.port}: {exc}. Kiểm tra settings.toml, mục [mail], "
                        "và mạng tới máy chủ thư.") from exc
