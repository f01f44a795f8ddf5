"""Core layer: where an installation's own settings live and how they overlay the bundled defaults.

Reads configuration files only; never touches a database, never imports etl/, queries/ or ui/.

An *installation* is one province's database plus the folder `config/` beside it (for
`data/cchc.duckdb`, `data/config/`), made by `python -m etl init`. That folder holds only what the
office changes — its province, departments, procedure additions, calendar overrides, settings —
and `git pull` of a new version never touches it. A database with no such folder beside it uses
the bundled defaults in `core/defaults/` (the demo province, Đà Nẵng).

How a file of the folder combines with the bundled one is declared per file in CONFIG_FILES:
- `own`: the province's own list (province, departments, old-unit crosswalk). They go together: once
  the folder has a province.toml, the bundled copies — the demo's — are never used, so Đà Nẵng's
  departments cannot leak into another province (a folder with only settings.toml keeps the demo's).
- `overlay`: a map keyed by some columns (status spellings, header aliases, procedures, …): the
  installation's rows replace bundled rows with the same key (compared without diacritics or case)
  and add new ones, so a file with one extra spelling does not drop the others.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import lru_cache, wraps
from pathlib import Path

from core.store import db_path
from core.text import fold

BUNDLED = Path(__file__).resolve().parent / "defaults"
FOLDER_NAME = "config"


@dataclass(frozen=True)
class ConfigFile:
    name: str
    key: tuple[str, ...]  # overlay key columns; () for a file the installation owns whole
    own: bool  # the province's own data: with the folder's province.toml, the bundled (demo) copy is never read
    what: str  # shown by `init` and in the README
    labels: tuple[tuple[str, str], ...] = ()  # (column, Vietnamese header) a clerk may write instead
    required: tuple[str, ...] = ()  # columns a file of the installation must have


CONFIG_FILES = (
    ConfigFile("province.toml", (), True, "tỉnh, thành phố của bản cài đặt (mã theo danh mục 2025)"),
    ConfigFile("departments.csv", (), True, "sở, ngành và chi nhánh, cơ quan ngành dọc của tỉnh tiếp nhận hồ sơ",
               (("unit_code", "Mã đơn vị"), ("unit_name", "Tên đơn vị"), ("unit_type", "Loại đơn vị"),
                ("short_names", "Tên khác")), ("unit_code", "unit_name", "unit_type")),
    ConfigFile("unit_crosswalk.csv", (), True, "đơn vị cũ (trước 01/7/2025) → đơn vị hiện nay",
               (("old_name", "Tên đơn vị cũ"), ("old_code", "Mã đơn vị cũ"), ("new_unit_code", "Mã đơn vị mới"),
                ("valid_until", "Hiệu lực đến"), ("note", "Ghi chú")), ("old_name", "new_unit_code")),
    ConfigFile("calendar_overrides.csv", ("date",), False, "ngày nghỉ thêm, ngày làm bù ngoài lịch nghỉ lễ quốc gia",
               (("date", "Ngày"), ("kind", "Loại"), ("note", "Ghi chú")), ("date", "kind")),
    ConfigFile("procedures.csv", ("procedure_code",), False, "thủ tục bổ sung (thời hạn giải quyết theo quy định)",
               (("procedure_code", "Mã thủ tục"), ("procedure_name", "Tên thủ tục"), ("field_code", "Mã lĩnh vực"),
                ("processing_days", "Thời hạn"), ("day_kind", "Loại ngày"), ("fee_amount", "Phí, lệ phí"),
                ("unit_level", "Cấp thực hiện"), ("online_level", "Mức trực tuyến")),
               ("procedure_code", "processing_days")),
    ConfigFile("statuses.csv", ("raw",), False, "cách ghi trạng thái → mã trạng thái quốc gia 1–10"),
    ConfigFile("status_codes.csv", ("status_code",), False, "mã trạng thái quốc gia, nhóm và ý nghĩa"),
    ConfigFile("header_aliases.csv", ("kind", "alias"), False, "tên cột trong tệp xuất → cột chuẩn"),
    ConfigFile("channels.csv", ("raw",), False, "cách ghi kênh nộp hồ sơ"),
    ConfigFile("day_halves.csv", ("raw",), False, "chữ chỉ buổi sau giờ (SA/CH, AM/PM) → sáng/chiều"),
    ConfigFile("online_levels.csv", ("raw",), False, "cách ghi mức độ dịch vụ công trực tuyến"),
    ConfigFile("ratings.csv", ("raw",), False, "cách ghi mức đánh giá hài lòng"),
    ConfigFile("fields.csv", ("field_code",), False, "danh mục lĩnh vực"),
    ConfigFile("field_synonyms.csv", ("synonym",), False, "tên khác của lĩnh vực"),
    ConfigFile("survey_questions.csv", ("question",), False, "câu hỏi khảo sát → yếu tố SIPAS"),
    ConfigFile("survey_factors.csv", ("factor_code",), False, "năm yếu tố SIPAS"),
    ConfigFile("rating_criteria.csv", ("header",), False, "tiêu chí đánh giá trên Cổng → mã tiêu chí"),
    ConfigFile("complaint_themes.csv", ("theme", "keyword"), False, "chủ đề phản ánh và từ khóa"),
    ConfigFile("targets.csv", ("year", "metric"), False, "mục tiêu theo năm: tỷ lệ trực tuyến, đúng hạn, hài lòng",
               (("year", "Năm"), ("metric", "Chỉ tiêu"), ("target", "Mục tiêu"), ("note", "Ghi chú")),
               ("year", "metric", "target")),
    ConfigFile("alerts.toml", (), False, "quy tắc cảnh báo «Cần xử lý» và bản tin gửi thư; khóa trong tệp này thay mặc định"),
    ConfigFile("settings.toml", (), False, "các thiết lập (giờ làm việc, ngưỡng, mục tiêu …), từng khóa có giải thích"),
)
FILES = {f.name: f for f in CONFIG_FILES}


@dataclass(frozen=True)
class Installation:
    """The database an office works on and its settings folder (which may not exist)."""

    db: Path

    @property
    def folder(self) -> Path:
        return self.db.parent / FOLDER_NAME

    @property
    def has_folder(self) -> bool:
        return self.folder.is_dir()

    def key(self) -> tuple:
        """Changes when the folder appears, disappears or a file in it is edited: caches follow."""
        if not self.has_folder:
            return (None,)
        with os.scandir(self.folder) as entries:
            stamps = tuple(sorted((e.name, e.stat().st_mtime_ns, e.stat().st_size) for e in entries if e.is_file()))
        return (str(self.folder), stamps)


_chosen: Installation | None = None


def use(db: str | os.PathLike | None) -> Installation:
    """Work on the installation of this database (the CLI's --db; the app's $CCHC_DB)."""
    global _chosen
    _chosen = Installation(db_path(db))
    return _chosen


def reset() -> None:
    """Forget the installation chosen with use() (tests; the next call reads $CCHC_DB again)."""
    global _chosen
    _chosen = None


def current() -> Installation:
    """The installation chosen with use(), else that of $CCHC_DB or data/cchc.duckdb."""
    return _chosen or Installation(db_path(None))


def cached(fn):
    """Like functools.cache, but per installation state: a function of the settings is recomputed when
    another installation is chosen or one of its files changes (the app sees an edit on its next rerun)."""
    @lru_cache(maxsize=16)
    def keyed(_key, *args):
        return fn(*args)

    @wraps(fn)
    def wrapper(*args):
        return keyed(current().key(), *args)

    wrapper.cache_clear = keyed.cache_clear
    return wrapper


def installation_file(name: str) -> Path | None:
    """The installation's own copy of a configuration file, or None when it has none."""
    inst = current()
    path = inst.folder / name
    return path if inst.has_folder and path.is_file() else None


def config_path(name: str) -> Path | None:
    """The file to read for an `own` or whole file: the installation's, else (no settings folder) the
    bundled one; None when the installation has a folder but not this file."""
    spec = FILES.get(name)
    own = installation_file(name)
    if own is not None:
        return own
    if spec is not None and spec.own and installation_file("province.toml") is not None:
        return None  # the province's own lists go with its province.toml, never with the demo's
    bundled = BUNDLED / name
    return bundled if bundled.is_file() else None


@cached
def read_rows(name: str) -> list[dict[str, str]]:
    """Rows of a CSV map as dicts of stripped strings: the bundled rows with the installation's rows
    laid over them (by the file's key), or the installation's own list (see CONFIG_FILES)."""
    spec = FILES.get(name) or ConfigFile(name, (), False, "")
    own = installation_file(name)
    if spec.own or not spec.key:
        path = config_path(name)
        return _read_csv(path, spec) if path is not None else []
    rows = _read_csv(BUNDLED / name, spec) if (BUNDLED / name).is_file() else []
    if own is None:
        return rows
    mine = _read_csv(own, spec)
    replaced = {_key(r, spec) for r in mine}
    return [r for r in rows if _key(r, spec) not in replaced] + mine


def _key(row: dict, spec: ConfigFile) -> tuple:
    return tuple(fold(row.get(column)) for column in spec.key)


class ConfigError(ValueError):
    """A configuration file of the installation cannot be used; the message names it and what to do."""


def _read_csv(path: Path, spec: ConfigFile) -> list[dict[str, str]]:
    """A CSV map; a header written in Vietnamese (the templates `init` writes) is read as its column."""
    labels = {fold(label): column for column, label in spec.labels}
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            columns = [labels.get(fold(h), (h or "").strip()) for h in header]
            rows = [dict(zip(columns, (v.strip() for v in line), strict=False)) for line in reader if any(
                v.strip() for v in line)]
    except UnicodeDecodeError:
        raise ConfigError(f"Tệp {path} không phải UTF-8. Mở bằng Excel, chọn Lưu thành «CSV UTF-8» rồi lưu lại.") \
            from None
    missing = [c for c in spec.required if c not in columns]
    if missing:
        names = ", ".join(f"«{dict(spec.labels).get(c, c)}» ({c})" for c in missing)
        raise ConfigError(f"Tệp {path} thiếu cột {names}. Dòng đầu của tệp phải là dòng tiêu đề như tệp mẫu.")
    blank = dict.fromkeys((column for column, _ in spec.labels), "")
    return [blank | row for row in rows]
