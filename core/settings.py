"""Core layer: every setting an office may change, declared once (type, default, help text), read
from the installation's settings.toml over these defaults. Reads one file; never touches a database.

A setting is a field of a frozen dataclass section; its default and help text sit beside it, and
`settings_template()` writes them into the commented settings.toml that `python -m etl init`
leaves in the installation's folder. An unknown section or key, or a value of the wrong type, is
an error naming the file and the key (a typo must not silently fall back to the default).
"""
from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import time
from pathlib import Path
from typing import Any

from core.installation import cached, installation_file


def setting(default: Any, help: str, choices: tuple | None = None, minimum: float | None = None,
            maximum: float | None = None):
    """A declared setting: its default, the help text shown in the template, allowed values."""
    return field(default=default, metadata={"help": help, "choices": choices, "min": minimum, "max": maximum})


@dataclass(frozen=True)
class CalendarSettings:
    """Lịch làm việc."""

    office_start: str = setting("07:00", "Office hours start (Nghị định 61/2018/NĐ-CP one-stop practice: "
                                "07:00–11:30, 13:30–17:00). A dossier received before this counts from this hour.")
    office_end: str = setting("17:00", "Office hours end: a dossier received after this counts from the next "
                              "working morning. Make-up Saturdays and extra days off go in calendar_overrides.csv.")
    first_year: int = setting(2015, "First year of the working-day calendar (holidays are unknown outside it).",
                              minimum=2000, maximum=2100)
    last_year: int = setting(2032, "Last year of the working-day calendar.", minimum=2000, maximum=2100)

    @property
    def start(self) -> time:
        return time.fromisoformat(self.office_start)

    @property
    def end(self) -> time:
        return time.fromisoformat(self.office_end)


@dataclass(frozen=True)
class TimelinessSettings:
    """Đúng hạn, trễ hạn."""

    compare_date: str = setting("finished", "Which date decides early / on time / late: \"finished\" (ngày có kết "
                                "quả, default) or \"returned\" (ngày trả kết quả), as some one-stop systems report. "
                                "Run `python -m etl rebuild` after changing it.", choices=("finished", "returned"))
    due_on_day_off: str = setting("as_is", "A due date that falls on a day off: \"as_is\" compares the finish date "
                                  "with that day itself, as DOMAIN.md reads Biểu số 06 (finishing the next working "
                                  "morning is late); \"next_working_day\" moves the deadline to the next working day, "
                                  "as Bộ luật Dân sự 2015, art. 148(5) does. (verify) which one the province's "
                                  "reports use; `python -m etl rebuild` after changing it.",
                                  choices=("as_is", "next_working_day"))
    supplement_pause_extends_given_due: bool = setting(
        False, "A due date computed here (the export had none) always adds the working days the dossier waited "
        "for a supplement (the clock stops). A due date the export carries is trusted as is unless this is true.")


@dataclass(frozen=True)
class FreshnessSettings:
    """Độ mới của dữ liệu."""

    stale_after_days: int = setting(7, "The pages warn when the newest load is older than this many days.",
                                    minimum=1)


@dataclass(frozen=True)
class UploadSettings:
    """Nạp tệp."""

    max_file_mb: float = setting(200.0, "Largest file the data desk (page Dữ liệu) and `python -m etl load` accept, "
                                 "in MB. Larger exports: split by period or unit. Streamlit's own cap is "
                                 "server.maxUploadSize in .streamlit/config.toml (200 MB); keep this at or below it.",
                                 minimum=1)
    max_unzipped_mb: float = setting(800.0, "Zip-bomb guard for .xlsx (a zip of XML files). The sizes a zip "
                                     "declares can be forged, so the gate inflates every member and counts the bytes "
                                     "that really come out, stopping once the members pass this many MB in total. "
                                     "Sizing, measured with fastexcel (calamine) on a 200,000-row × 16-column export "
                                     "(18 MB packed, 161 MiB of XML): reading peaks at 2.4× the unpacked size, the "
                                     "whole load at 5.3× (6.2× when every row is rejected). On a 24 GiB server shared "
                                     "with the app one load should stay well under 8 GiB: 800 MB × 6.2 ≈ 4.8 GiB, "
                                     "about a million rows. Known gap: this bounds bytes, not what crafted content "
                                     "makes the reader allocate.", minimum=1)
    max_zip_ratio: float = setting(200.0, "Refuse a workbook member (of 1 MB or more) that unpacks to more than this "
                                   "many times its packed size. Real exports unpack to about 5–20 times their size.",
                                   minimum=1)


@dataclass(frozen=True)
class QualitySettings:
    """Chất lượng dữ liệu (trang Dữ liệu)."""

    silent_days: int = setting(14, "A unit \"stopped sending data\" when it received no dossier in the last "
                               "silent_days days before the period end (or today) …", minimum=1)
    silent_baseline_days: int = setting(90, "… although its volume in the silent_baseline_days days before that …",
                                        minimum=1)
    silent_min_expected: float = setting(10.0, "… would have given at least this many dossiers in such a stretch.",
                                         minimum=0)
    burst_last_working_days: int = setting(2, "Month-end burst: the last working days of a month counted.",
                                           minimum=1)
    burst_min_finishes: int = setting(20, "An officer is judged only from this many finished dossiers in the period.",
                                      minimum=1)
    burst_share: float = setting(0.35, "An officer is flagged when at least this share of his or her finishes fall "
                                 "in the month's last working days (spread evenly ≈ 10%; a high share usually means "
                                 "results entered late into the one-stop software).", minimum=0, maximum=1)
    examples: int = setting(5, "Example dossier codes listed per flag.", minimum=0)


@dataclass(frozen=True)
class LateSettings:
    """Trang Trễ hạn."""

    due_soon_working_days: int = setting(2, "\"Due soon\": open dossiers due today or within this many working days.",
                                         minimum=0)
    min_resolved_to_rank: int = setting(20, "Units are ranked by late rate only when they resolved at least this "
                                        "many dossiers in the period; smaller units are listed unranked with their "
                                        "counts, so that 1 late of 2 never reads as the worst unit.", minimum=1)
    list_rows_shown: int = setting(1000, "The late list shows at most this many rows on screen (the first, in the "
                                   "chosen order; search and sort reach the others); the .xlsx download holds them "
                                   "all. Every row is sent to the browser on each rerun: 5000 rows cost a year's "
                                   "page on 20M dossiers 0.5 s more than 1000.", minimum=1)


@dataclass(frozen=True)
class PrivacySettings:
    """Dữ liệu cá nhân."""

    show_personal_data: bool = setting(False, "Without sign-in configured, may the (local) viewer see applicants' "
                                       "personal data unmasked? Names show as \"Nguyễn V. A.\" unless this is true.")


@dataclass(frozen=True)
class SatisfactionSettings:
    """Mức độ hài lòng."""

    target: float = setting(0.90, "Target satisfaction rate drawn against every rate (share of survey answers 4–5, "
                            "or of ratings Hài lòng + Rất hài lòng). Decision 766/QĐ-TTg gives full marks at 90%.",
                            minimum=0, maximum=1)
    min_responses: int = setting(30, "A rate from fewer responses is greyed and left out of rankings: with n = 30 "
                                 "the 95% interval is still about ±10 points wide.", minimum=1)


@dataclass(frozen=True)
class BriefingSettings:
    """Giao ban: so sánh giữa các kỳ."""

    min_base: int = setting(20, "Small numbers in the briefing: a count's change is read out as a percentage only "
                            "when the earlier period had at least this many dossiers (below it, in dossiers: "
                            "'+7 hồ sơ', not '+350%'); a rate's change (on-time, online) whose either period rests on "
                            "fewer dossiers carries its n and is marked as not reliable. Satisfaction uses "
                            "[satisfaction] min_responses, counted in respondents.", minimum=1)
    working_days_gap: float = setting(0.1, "The briefing warns that counts are not comparable when two periods' working "
                                      "days differ by more than this share of the larger (a week of 3 working days "
                                      "against one of 5; not a quarter of 62 against 64).", minimum=0, maximum=1)


@dataclass(frozen=True)
class LoadSettings:
    """Nạp dữ liệu."""

    keep_resolved_over_older: bool = setting(
        True, "Files may be loaded in any order: per dossier the version from the file whose data stands latest "
        "(load_log.as_of_at: the title's «đến ngày …», else the latest event in its rows) wins. This decides the one "
        "case left: a dossier one file shows resolved (status 9/10 with a finish date) and a file that stands later "
        "shows unresolved. true: the one-stop software never reopens a finished dossier, so the resolved version is "
        "kept and the other listed as a warning. false only if the software reopens finished dossiers: the later "
        "version then wins like any other.")
    memory_limit_mb: int = setting(
        0, "Memory DuckDB may use while a load writes, in MB. A file is read in chunks of 64 MB (bounded memory "
        "whatever its size), but its typed rows wait in DuckDB until merged (about 0.5 GB per million dossiers): "
        "what does not fit spills to a temporary folder beside the database, removed after the load. 0: a quarter "
        "of the machine's memory (6 GB on a 24 GiB server), which leaves the rest to the app.", minimum=0)


@dataclass(frozen=True)
class PlausibilitySettings:
    """Giá trị không thể đúng."""

    future_tolerance_days: int = setting(
        1, "A date of an event (received, submitted, finished, returned, supplement, apology; a survey answer, a "
        "rating) later than the load day plus this many days has not happened yet: received/finished/returned/"
        "survey/rating dates reject the row, the others are dropped with a warning. 1 day absorbs a server clock "
        "on UTC while Vietnam (UTC+7) is already on the next day. Load day: today, or $CCHC_TODAY.", minimum=0)
    due_horizon_days: int = setting(
        366, "Deadlines (due date, extension, apology's new date) lie ahead for open dossiers; more than this many "
        "days after the load day is a mistyped year (2099): the due date rejects the row, the others are dropped "
        "with a warning.", minimum=30)
    reject_result_before_received: bool = setting(
        True, "A finished or returned date on a day before the received date rejects the row (both dates named): "
        "left in, it would count as early. false: such rows load with a warning and the data-quality flag "
        "«finish_before_receipt» (page Dữ liệu) lists them per unit. A received date before [calendar] first_year "
        "always rejects the row.")
    max_fee_vnd: float = setting(
        10_000_000_000.0, "A fee below 0 or above this many đồng loads as empty with a warning; the dossier still "
        "loads (fees at a one-stop counter stay far below 10 billion đồng; 1e21 or a phone number typed into the "
        "column does not).", minimum=0)


@dataclass(frozen=True)
class LockoutSettings:
    """Khóa đăng nhập sai."""

    max_failures_per_user: int = setting(5, "Wrong passwords allowed for one username before it is locked; a "
                                         "successful sign-in resets the count.", minimum=1)
    max_failures_per_client: int = setting(20, "Wrong passwords allowed from one client (browser address) across "
                                           "all usernames. Not reset by a success. Attempts whose browser address "
                                           "the server cannot see count together under one \"unknown\" client "
                                           "(access/signin.py).", minimum=1)
    window_minutes: int = setting(15, "Failures older than this do not count (minutes).", minimum=1)
    lock_minutes: int = setting(15, "How long a locked username or client waits after its last failure (minutes).",
                                minimum=1)


@dataclass(frozen=True)
class SessionSettings:
    """Phiên làm việc."""

    idle_minutes: int = setting(30, "A signed-in session ends after this long without any action (minutes).",
                                minimum=1)
    absolute_hours: int = setting(12, "A signed-in session ends this long after sign-in, active or not (hours); for "
                                  "OIDC counted from the ID token's iat claim.", minimum=1)


@dataclass(frozen=True)
class AccountSettings:
    """Tài khoản."""

    min_password_length: int = setting(10, "Shortest password accepted by `python -m access add|reset` and the "
                                       "admin page.", minimum=8)


@dataclass(frozen=True)
class MailSettings:
    """Gửi bản tin «Cần xử lý» qua thư điện tử (python -m etl alerts --send)."""

    host: str = setting("", "SMTP server of the office's mail (e.g. mail.danang.gov.vn); empty = the digest is not "
                        "mailed, `python -m etl alerts --send` says so and stops.")
    port: int = setting(587, "SMTP port: 587 with starttls, 465 with ssl, 25 inside the office network.",
                        minimum=1, maximum=65535)
    security: str = setting("starttls", "\"starttls\" (port 587), \"ssl\" (port 465) or \"none\" (a relay on the "
                            "office network only).", choices=("starttls", "ssl", "none"))
    username: str = setting("", "Account to sign in to the SMTP server; empty = send without signing in.")
    password_env: str = setting("CCHC_SMTP_PASSWORD", "Name of the environment variable that holds the SMTP "
                                "password. The password itself is never written in a file of the installation or "
                                "the repository: set it in the cron line's environment.")
    sender: str = setting("", "From address of the digest, e.g. \"Bảng điều hành CCHC <cchc@danang.gov.vn>\".")
    recipients: str = setting("", "Who receives the digest: addresses separated by commas.")
    subject_prefix: str = setting("[CCHC]", "Put before the digest's subject, so that mail rules can sort it.")
    timeout_seconds: int = setting(30, "Give up on the SMTP server after this many seconds.", minimum=1)

    @property
    def recipient_list(self) -> list[str]:
        return [a.strip() for a in self.recipients.split(",") if a.strip()]


@dataclass(frozen=True)
class Settings:
    calendar: CalendarSettings = field(default_factory=CalendarSettings)
    timeliness: TimelinessSettings = field(default_factory=TimelinessSettings)
    freshness: FreshnessSettings = field(default_factory=FreshnessSettings)
    upload: UploadSettings = field(default_factory=UploadSettings)
    quality: QualitySettings = field(default_factory=QualitySettings)
    late: LateSettings = field(default_factory=LateSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    satisfaction: SatisfactionSettings = field(default_factory=SatisfactionSettings)
    briefing: BriefingSettings = field(default_factory=BriefingSettings)
    load: LoadSettings = field(default_factory=LoadSettings)
    plausibility: PlausibilitySettings = field(default_factory=PlausibilitySettings)
    lockout: LockoutSettings = field(default_factory=LockoutSettings)
    session: SessionSettings = field(default_factory=SessionSettings)
    accounts: AccountSettings = field(default_factory=AccountSettings)
    mail: MailSettings = field(default_factory=MailSettings)


class SettingsError(ValueError):
    """settings.toml names an unknown key or holds a wrong value; the message says which and what to do."""


SETTINGS_FILE = "settings.toml"


@cached
def settings() -> Settings:
    """The installation's settings: its settings.toml over the declared defaults."""
    path = installation_file(SETTINGS_FILE)
    if path is None:
        return Settings()
    with path.open("rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"Tệp {path} không đúng cú pháp TOML: {exc}. Sửa tệp rồi chạy lại.") from exc
    return parse(data, path)


def parse(data: dict, path: Path | str) -> Settings:
    sections = {f.name: f for f in fields(Settings)}
    values = {}
    for name, table in data.items():
        if name not in sections:
            raise SettingsError(_unknown(path, f"[{name}]", name, sections))
        if not isinstance(table, dict):
            raise SettingsError(f"Tệp {path}: «{name}» phải là một mục [{name}] chứa các khóa.")
        section_type = sections[name].default_factory
        values[name] = _section(section_type, table, path, name)
    return Settings(**values)


def _section(section_type, table: dict, path, section: str):
    declared = {f.name: f for f in fields(section_type)}
    out = {}
    for key, value in table.items():
        if key not in declared:
            raise SettingsError(_unknown(path, f"{key} trong mục [{section}]", key, declared))
        out[key] = _checked(declared[key], value, path, section)
    return replace(section_type(), **out)


def _checked(spec, value, path, section: str):
    default, meta = spec.default, spec.metadata
    where = f"Tệp {path}, mục [{section}], khóa {spec.name}"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise SettingsError(f"{where}: phải là true hoặc false, đang là {value!r}.")
    elif isinstance(default, (int, float)):
        whole = isinstance(default, int)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and value != int(value)):
            raise SettingsError(f"{where}: phải là một số{' nguyên' if whole else ''}, đang là {value!r}.")
        value = int(value) if whole else float(value)
        if meta.get("min") is not None and value < meta["min"] or meta.get("max") is not None and value > meta["max"]:
            raise SettingsError(f"{where}: {value!r} nằm ngoài khoảng cho phép "
                                f"{meta.get('min', '…')}–{meta.get('max', '…')}.")
    elif isinstance(default, str):
        if not isinstance(value, str):
            raise SettingsError(f"{where}: phải là chuỗi trong dấu nháy, đang là {value!r}.")
        if meta.get("choices") and value not in meta["choices"]:
            raise SettingsError(f"{where}: «{value}» không hợp lệ; chọn một trong: "
                                + ", ".join(f'"{c}"' for c in meta["choices"]) + ".")
        if spec.name.startswith("office_"):
            try:
                time.fromisoformat(value)
            except ValueError:
                raise SettingsError(f"{where}: «{value}» không phải giờ dạng HH:MM.") from None
    return value


def _unknown(path, what: str, name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" Có phải là «{close[0]}»?" if close else " Các mục hợp lệ: " + ", ".join(known) + "."
    return f"Tệp {path}: không có thiết lập {what}.{hint} Xem tệp mẫu do `python -m etl init` tạo."


def declared() -> list[tuple[str, str, Any, str]]:
    """(section, key, default, help) of every setting, in declaration order."""
    out = []
    for section in fields(Settings):
        for spec in fields(section.default_factory):
            out.append((section.name, spec.name, spec.default, spec.metadata["help"]))
    return out


def settings_template() -> str:
    """A settings.toml with every setting commented out at its default, its help text above it."""
    lines = ["# Thiết lập của bản cài đặt này. Bỏ dấu # ở đầu dòng để đổi một giá trị; khóa để trống dùng mặc định.",
             "# Settings of this installation: uncomment a line to change it; each key's help text is above it.",
             "# After changing [calendar] or [timeliness]: python -m etl rebuild --db <database>"]
    for section in fields(Settings):
        lines += ["", f"# {section.default_factory.__doc__}", f"[{section.name}]"]
        for spec in fields(section.default_factory):
            lines += [f"# {part}" for part in _wrap(spec.metadata["help"])]
            lines.append(f"# {spec.name} = {_toml(spec.default)}")
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int = 100) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)

