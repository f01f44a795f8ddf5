"""ETL installation: `python -m etl init` sets up one province's installation — the settings folder
beside its database, with templates a clerk fills. Writes only files of that folder (never one that
already exists, so an office's edits survive), and reads the database only to refuse a change of
province once it holds dossiers.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

import core
from core.installation import CONFIG_FILES, FILES, Installation, use
from core.settings import settings_template
from core.text import fold
from core.units import UNIT_TYPE_LABELS, Province, find_province, province_of_ward
from etl.errors import EtlError

TEMPLATES = Path(core.__file__).resolve().parent / "templates"
HEADER_ONLY = ("unit_crosswalk.csv", "calendar_overrides.csv", "procedures.csv")


@dataclass
class InitReport:
    province: Province
    folder: Path
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    departments: int = 0
    communes: int = 0


def resolve_province(text: str) -> Province:
    """The province meant by `text`, or an EtlError listing the closest names."""
    found, close = find_province(text)
    if found is not None:
        return found
    hint = ("Có phải: " + "; ".join(f"{p.full_name} (mã {p.code})" for p in close) + "?") if close else ""
    raise EtlError(f"Không có tỉnh, thành phố «{text}» trong danh mục 2025. {hint}".strip(),
                   "ghi mã hoặc tên tỉnh, thành phố; xem danh sách 34 đơn vị: python -m etl init --list")


def init(db: Path, text: str) -> InitReport:
    """Create (or complete) the installation of `db` for the province `text`."""
    target = resolve_province(text)
    inst = use(db)
    stored = stored_province(db)
    if stored is not None and stored != target.code:
        raise _switch_refused(db, stored, target)
    inst.folder.mkdir(parents=True, exist_ok=True)
    report = InitReport(target, inst.folder)
    _write_province(inst, target, report)
    for name, content in _templates(target).items():
        _write_new(inst.folder / name, content, report)
    from core.units import directory

    units = directory()
    report.departments = units.filter(units["unit_level"] == "tinh").height
    report.communes = units.height - report.departments
    return report


def _write_province(inst: Installation, target: Province, report: InitReport) -> None:
    path = inst.folder / "province.toml"
    if path.is_file():
        current = _province_in(path)
        if current == target.code:
            report.kept.append(path.name)
            return
        # No dossier of the other province is stored (checked above): the folder may change province,
        # but a departments list generated for the old one must go with it.
        departments, old = inst.folder / "departments.csv", find_province(str(current or ""))[0]
        if departments.is_file() and old and departments.read_text(encoding="utf-8-sig") == departments_template(old):
            departments.unlink()
    path.write_text(_province_toml(target), encoding="utf-8")
    report.written.append(path.name)


def _province_in(path: Path) -> int | None:
    import tomllib

    try:
        return int(tomllib.loads(path.read_text(encoding="utf-8"))["province_code"])
    except (KeyError, ValueError, tomllib.TOMLDecodeError):
        return None


def _write_new(path: Path, content: str, report: InitReport) -> None:
    if path.exists():
        report.kept.append(path.name)
        return
    path.write_text(content, encoding="utf-8-sig" if path.suffix == ".csv" else "utf-8")
    report.written.append(path.name)


def _province_toml(p: Province) -> str:
    return (f"# Tỉnh, thành phố của bản cài đặt này: {p.full_name}. Xã, phường lấy từ danh mục đơn vị hành chính\n"
            "# sau sắp xếp (01/7/2025, gói vietnam-provinces); sở, ngành trong departments.csv.\n"
            "# Không đổi sau khi đã nạp hồ sơ: cơ sở dữ liệu của một tỉnh không nhận hồ sơ của tỉnh khác.\n"
            f"province_code = {p.code}\n")


def _templates(p: Province) -> dict[str, str]:
    out = {"departments.csv": departments_template(p)}
    for name in HEADER_ONLY:
        out[name] = _csv([label for _, label in FILES[name].labels], [])
    out["settings.toml"] = settings_template()
    out["README.txt"] = readme_text(p)
    return out


def departments_template(p: Province) -> str:
    """The usual provincial departments and branches after the 2025 reorganisation (Nghị định
    45/2025/NĐ-CP), coded '<province code>.<suffix>', with the names exports use for them."""
    level = "thành phố" if p.is_city else "tỉnh"
    with (TEMPLATES / "departments.csv").open(encoding="utf-8", newline="") as handle:
        rows = [[f"{p.code}.{r['suffix']}", r["unit_name"].format(level=level), UNIT_TYPE_LABELS[r["unit_type"]],
                 r["short_names"].format(level=level)] for r in csv.DictReader(handle)]
    return _csv([label for _, label in FILES["departments.csv"].labels], rows)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def readme_text(p: Province) -> str:
    lines = [
        f"THƯ MỤC THIẾT LẬP CỦA BẢN CÀI ĐẶT — {p.full_name.upper()} (mã {p.code})",
        "",
        "Các tệp ở đây là của riêng đơn vị; cập nhật phần mềm (git pull) không bao giờ ghi đè lên chúng.",
        "Tệp nào có ở đây thì dùng thay (hoặc bổ sung) cho tệp mặc định cùng tên đi kèm phần mềm (core/defaults/):",
        "",
    ]
    for spec in CONFIG_FILES:
        how = ("của riêng bản cài đặt (không dùng bản mặc định)" if spec.own
               else "thiết lập trong tệp này thay giá trị mặc định" if not spec.key
               else "mỗi dòng thêm mới hoặc thay dòng mặc định cùng " + ", ".join(spec.key))
        lines.append(f"  {spec.name:<24} {spec.what}; {how}.")
    lines += [
        "",
        "Tệp .csv: mở bằng Excel, giữ nguyên dòng tiêu đề, lưu dạng «CSV UTF-8».",
        "Sau khi sửa lịch (calendar_overrides.csv), settings.toml mục [calendar]/[timeliness] hoặc các bảng mã:",
        "  python -m etl rebuild --db <đường dẫn cơ sở dữ liệu>",
    ]
    return "\n".join(lines) + "\n"


def stored_province(db: Path) -> int | None:
    """The province whose dossiers the database holds, or None when it holds none (or does not exist)."""
    if not db.exists():
        return None
    from core.store import connect_readonly

    con = connect_readonly(db)
    try:
        return province_in_database(con)
    finally:
        con.close()


def province_in_database(con: duckdb.DuckDBPyConnection) -> int | None:
    """The province of the stored dossiers: recorded by the load (meta), else read from the
    directory stored with them (databases made before the record existed)."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    # The current dossiers: in mart_dossiers since schema version 4, in stg_dossier_current before.
    current = next((t for t in ("mart_dossiers", "stg_dossier_current") if t in tables), None)
    if current is None or not con.execute(f"SELECT count(*) FROM {current}").fetchall()[0][0]:
        return None
    if "meta" in tables:
        row = con.execute("SELECT max(value) FROM meta WHERE key = 'province_code'").fetchall()[0][0]
        if row:
            return int(row)
    if "ref_units" in tables:
        for (code,) in con.execute("SELECT unit_code FROM ref_units WHERE length(unit_code) = 5 LIMIT 5").fetchall():
            found = province_of_ward(code)
            if found:
                return found
    return None


def _switch_refused(db: Path, stored: int, target: Province) -> EtlError:
    from core.units import all_provinces

    names = {p.code: p.full_name for p in all_provinces()}
    return EtlError(f"Cơ sở dữ liệu {db} đã chứa hồ sơ của {names.get(stored, stored)} (mã {stored}); không thể "
                    f"chuyển sang {target.full_name} (mã {target.code}). Không có gì thay đổi.",
                    "mỗi tỉnh dùng một cơ sở dữ liệu riêng: chạy lại với --db ở một thư mục khác, ví dụ "
                    f"--db data/{fold(target.bare_name)}/cchc.duckdb.")


def check_province(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    """Refuse to load or rebuild when the database holds another province's dossiers than the
    installation's (e.g. province.toml edited by hand after loading)."""
    from core.units import all_provinces, province

    stored, configured = province_in_database(con), province()
    if stored is not None and stored != configured.code:
        names = {p.code: p.full_name for p in all_provinces()}
        raise EtlError(f"Cơ sở dữ liệu {db} chứa hồ sơ của {names.get(stored, stored)} (mã {stored}) nhưng bản cài "
                       f"đặt đang cấu hình {configured.full_name} (mã {configured.code}, tệp province.toml trong "
                       f"{Installation(db).folder}). Không nạp gì.",
                       "trả lại mã tỉnh cũ trong province.toml, hoặc dùng một cơ sở dữ liệu riêng (--db) cho tỉnh mới.")
