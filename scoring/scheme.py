"""Scoring layer: a scoring scheme (TOML) parsed and validated; no database access, no Streamlit.

A scheme is configuration the office edits: areas → criteria with their maximum points and
source ("data": a metric from scoring/metrics.py and the rate that earns full marks; or
"appraised": entered by appraisers and imported from a spreadsheet), grade bands, and how a
criterion without data and a unit with few dossiers are scored. A scheme that does not add up
is refused with every problem named in Vietnamese (SchemeError.problems).

Points of a data criterion with rate v (percent), full-marks rate F and floor L (default 0):
    points = max × clamp((v − L) / (F − L), 0, 1)
(F < L means lower is better.) A unit with fewer than `min_dossiers` dossiers in a denominator is
"small": with small_unit = "exclude" the criterion counts as without data for it; with "shrink"
each small rate p over k dossiers is pulled towards the group rate p̄ (all dossiers of the group
pooled) with strength m (empirical Bayes, a beta prior worth m dossiers):
    p̃ = (k·p + m·p̄) / (k + m)
A criterion without data is scored by `missing`: "exclude_rescale" leaves it out and rescales the
total to the scheme's total (total = Σ points × total / Σ max of criteria with data), "zero"
gives 0 points, "full" gives full points; the page and the export always say "không có dữ liệu".
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from scoring.metrics import METRICS

SCHEMES_DIR = Path(__file__).parent / "schemes"
DEFAULT_SCHEME = "chi_so_766"
SOURCES = {"data": "Tính từ dữ liệu", "appraised": "Thẩm định, chấm điểm"}
MISSING = {
    "exclude_rescale": "không tính tiêu chí đó và quy đổi tổng điểm về thang điểm của bộ tiêu chí",
    "zero": "tiêu chí đó được 0 điểm",
    "full": "tiêu chí đó được điểm tối đa",
}
SMALL_UNIT = {
    "exclude": "không chấm tiêu chí đó (coi như không có dữ liệu)",
    "shrink": "chấm trên tỷ lệ đã co về tỷ lệ chung của nhóm",
}
# Unit groups a scheme may be applied to (units.unit_type values).
GROUPS = {
    "cap_xa": ("Cấp xã (xã, phường, đặc khu)", ("xa", "phuong", "dac_khu")),
    "xa": ("Xã", ("xa",)),
    "phuong": ("Phường", ("phuong",)),
    "dac_khu": ("Đặc khu", ("dac_khu",)),
    "so_nganh": ("Sở, ngành và chi nhánh", ("so_nganh", "chi_nhanh")),
    "all": ("Tất cả đơn vị", ("xa", "phuong", "dac_khu", "so_nganh", "chi_nhanh")),
}
_EPS = 1e-9

# The appraisal spreadsheet's fixed headers (the template reports.ranking writes, etl.appraisal reads).
UNIT_CODE_HEADER, UNIT_NAME_HEADER, PERIOD_HEADER = "Mã đơn vị", "Tên đơn vị", "Kỳ"


def criterion_header(name: str, code: str, max_points: float) -> str:
    """«Kế hoạch CCHC [ke_hoach_cchc] (tối đa 4)» — the template's column heading."""
    top = f"{max_points:g}".replace(".", ",")
    return f"{name} [{code}] (tối đa {top})"



class SchemeError(ValueError):
    """A scheme that cannot be used; `problems` names each criterion, area or band at fault."""

    def __init__(self, name: str, problems: list[str]):
        self.name, self.problems = name, problems
        super().__init__(f"Bộ tiêu chí «{name}» không dùng được: " + " ".join(problems))


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    area_code: str
    max_points: float
    source: str  # "data" | "appraised"
    metric: str | None = None
    full_at: float | None = None  # percent that earns full marks (data)
    floor: float = 0.0  # percent at or below which the criterion earns 0 (data)
    missing: str | None = None  # overrides the scheme's setting for this criterion
    note: str = ""
    min_dossiers: int | None = None  # overrides the scheme's minimum for this criterion

    @property
    def is_data(self) -> bool:
        return self.source == "data"

    def formula(self) -> str:
        """How the points are computed, in Vietnamese (shown with the scheme)."""
        if not self.is_data:
            return "Điểm do hội đồng thẩm định chấm, nhập từ bảng tính"
        metric = METRICS[self.metric]
        top, full, low = _num(self.max_points), self.full_at, self.floor
        if low == 0 and full == 100:
            scale = f"điểm = {top} × tỷ lệ"
        elif low == 0:
            scale = f"điểm = {top} × tỷ lệ / {_pct(full)}, đạt {_pct(full)} trở lên được tối đa {top} điểm"
        else:
            scale = (f"điểm = {top} × (tỷ lệ − {_pct(low)}) / ({_pct(full)} − {_pct(low)}), "
                     f"trong khoảng 0 – {top} điểm")
        return f"Tỷ lệ = {metric.formula}; {scale}"


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    max_points: float
    criteria: tuple[Criterion, ...]
    short_name: str = ""  # for table headings; the name when not given

    @property
    def label(self) -> str:
        return self.short_name or self.name


@dataclass(frozen=True)
class Band:
    name: str
    low: float  # inclusive
    high: float  # exclusive, except the top band, which includes the scheme's total


@dataclass(frozen=True)
class Scheme:
    code: str
    name: str
    description: str
    total: float
    areas: tuple[Area, ...]
    bands: tuple[Band, ...]  # from the highest grade down
    missing: str
    min_dossiers: int
    small_unit: str
    shrink_m: float
    groups: tuple[str, ...]  # unit groups it is meant for (GROUPS keys)
    # A unit that handled fewer dossiers than this in the period is scored and shown, not ranked:
    # a handful of dossiers says little, and shrinking plus rescaling could put it near the top.
    rank_min_dossiers: int = 0

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for a in self.areas for c in a.criteria)

    def criterion(self, code: str) -> Criterion:
        return next(c for c in self.criteria if c.code == code)

    @property
    def appraised(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if not c.is_data)

    def missing_rule(self, criterion: Criterion) -> str:
        return criterion.missing or self.missing

    def minimum(self, criterion: Criterion) -> int:
        """Fewest dossiers in a denominator for a unit not to be 'small' on this criterion."""
        return criterion.min_dossiers or self.min_dossiers

    def grade(self, total: float | None) -> str | None:
        """The band a (rounded) total falls in; the top band includes the scheme's total."""
        if total is None:
            return None
        for band in self.bands:
            if band.low - _EPS <= total < band.high - _EPS or (band.high >= self.total and total >= band.low):
                return band.name
        return None

    def settings_text(self) -> list[str]:
        """The scoring rules in Vietnamese, for the page and the export."""
        lines = [f"Tiêu chí không có dữ liệu: {MISSING[self.missing]}."]
        overrides = [c for c in self.criteria if c.missing and c.missing != self.missing]
        for c in overrides:
            lines.append(f"Riêng tiêu chí «{c.name}» khi không có dữ liệu: {MISSING[c.missing]}.")
        for c in self.criteria:
            if c.min_dossiers and c.min_dossiers != self.min_dossiers:
                lines.append(f"Riêng tiêu chí «{c.name}»: đơn vị nhỏ là đơn vị có dưới {c.min_dossiers} hồ sơ.")
        if self.small_unit == "shrink":
            lines.append(
                f"Đơn vị có dưới {self.min_dossiers} hồ sơ ở một tiêu chí (đơn vị nhỏ) được chấm trên tỷ lệ co về "
                f"tỷ lệ chung của nhóm: p̃ = (k·p + m·p̄) / (k + m), với k là số hồ sơ của đơn vị, p̄ là tỷ lệ "
                f"chung của cả nhóm, m = {_num(self.shrink_m)}.")
        else:
            lines.append(f"Đơn vị có dưới {self.min_dossiers} hồ sơ ở một tiêu chí (đơn vị nhỏ) không được chấm "
                         "tiêu chí đó (coi như không có dữ liệu).")
        if self.rank_min_dossiers:
            lines.append(f"Đơn vị giải quyết dưới {self.rank_min_dossiers} hồ sơ trong kỳ vẫn được chấm điểm nhưng "
                         "không xếp hạng (quá ít hồ sơ để so sánh công bằng).")
        lines.append("Điểm từng tiêu chí làm tròn 2 chữ số thập phân; tổng điểm làm tròn 2 chữ số thập phân "
                     "trước khi xếp hạng; đơn vị bằng điểm cùng hạng (1, 2, 2, 4).")
        return lines


def _scheme_dirs() -> list[Path]:
    """The installation's own schemes (config/schemes/ beside the database) first, then the bundled
    examples: a province's scheme of the same code replaces the example."""
    from core.installation import current

    own = current().folder / "schemes"
    return ([own] if own.is_dir() else []) + [SCHEMES_DIR]


def load_scheme(name_or_path: str | Path) -> Scheme:
    """A scheme by code (config/schemes/<code>.toml of the installation, else scoring/schemes/) or by
    path; SchemeError when it is invalid."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        found = [d / f"{name_or_path}.toml" for d in _scheme_dirs() if (d / f"{name_or_path}.toml").exists()]
        path = found[0] if found else SCHEMES_DIR / f"{name_or_path}.toml"
    if not path.exists():
        raise SchemeError(str(name_or_path), [f"Không tìm thấy tệp {path.name}. Các bộ tiêu chí có sẵn: "
                                              f"{', '.join(available_schemes())}."])
    return parse_scheme(path.read_text(encoding="utf-8"), path.stem)


def available_schemes() -> list[str]:
    """Codes of the installation's schemes and the bundled ones, the default first."""
    names = sorted({p.stem for d in _scheme_dirs() for p in d.glob("*.toml")})
    return sorted(names, key=lambda n: n != DEFAULT_SCHEME)


def parse_scheme(text: str, name: str = "bộ tiêu chí") -> Scheme:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SchemeError(name, [f"Tệp TOML sai cú pháp ({exc}). Sửa dòng được nêu rồi tải lại."]) from None
    problems: list[str] = []
    head = raw.get("scheme", {})
    settings = raw.get("settings", {})
    total = _number(head.get("total"), "Mục [scheme]: «total» (tổng điểm)", problems, positive=True)
    missing = _choice(settings.get("missing", "exclude_rescale"), MISSING, "Mục [settings]: «missing»", problems)
    small = _choice(settings.get("small_unit", "shrink"), SMALL_UNIT, "Mục [settings]: «small_unit»", problems)
    min_dossiers = settings.get("min_dossiers", 1)
    if not isinstance(min_dossiers, int) or isinstance(min_dossiers, bool) or min_dossiers < 1:
        problems.append(f"Mục [settings]: «min_dossiers» phải là số nguyên từ 1 trở lên (đang là {min_dossiers!r}).")
        min_dossiers = 1
    shrink_m = _number(settings.get("shrink_m", 20), "Mục [settings]: «shrink_m»", problems, positive=True)
    rank_min = settings.get("rank_min_dossiers", 0)
    if not isinstance(rank_min, int) or isinstance(rank_min, bool) or rank_min < 0:
        problems.append("Mục [settings]: «rank_min_dossiers» phải là số nguyên từ 0 trở lên "
                        f"(đang là {rank_min!r}).")
        rank_min = 0
    groups = tuple(head.get("groups", list(GROUPS)))
    for g in groups:
        if g not in GROUPS:
            problems.append(f"Mục [scheme]: nhóm đơn vị «{g}» không có; dùng một trong: {', '.join(GROUPS)}.")
    areas = tuple(_area(a, i, problems) for i, a in enumerate(raw.get("areas", []), start=1))
    if not areas:
        problems.append("Chưa khai báo lĩnh vực nào ([[areas]]).")
    _unique([a.code for a in areas], "lĩnh vực", problems)
    _unique([c.code for a in areas for c in a.criteria], "tiêu chí", problems)
    area_sum = sum(a.max_points for a in areas)
    if total and areas and abs(area_sum - total) > _EPS:
        problems.append(f"Tổng điểm các lĩnh vực là {_num(area_sum)} nhưng bộ tiêu chí khai báo tổng {_num(total)} "
                        "điểm. Sửa điểm các lĩnh vực hoặc «total».")
    bands = _bands(raw.get("bands", []), total or 0, problems)
    if problems:
        raise SchemeError(head.get("name") or name, problems)
    return Scheme(code=str(head.get("code") or name), name=str(head.get("name") or name),
                  description=str(head.get("description", "")).strip(), total=float(total), areas=areas,
                  bands=bands, missing=missing, min_dossiers=min_dossiers, small_unit=small,
                  shrink_m=float(shrink_m), groups=groups, rank_min_dossiers=rank_min)


# --- parts ------------------------------------------------------------------------------------------


def _area(raw: dict, index: int, problems: list[str]) -> Area:
    name = str(raw.get("name") or raw.get("code") or f"thứ {index}")
    label = f"Lĩnh vực «{name}»"
    points = _number(raw.get("points"), f"{label}: «points»", problems, positive=True) or 0.0
    criteria = tuple(_criterion(c, str(raw.get("code", index)), name, problems) for c in raw.get("criteria", []))
    if not criteria:
        problems.append(f"{label} chưa có tiêu chí nào ([[areas.criteria]]).")
    elif points and abs(sum(c.max_points for c in criteria) - points) > _EPS:
        problems.append(f"{label}: tổng điểm các tiêu chí là {_num(sum(c.max_points for c in criteria))} nhưng "
                        f"lĩnh vực khai báo {_num(points)} điểm.")
    return Area(str(raw.get("code") or f"linh_vuc_{index}"), name, float(points), criteria,
                str(raw.get("short_name", "")).strip())


def _criterion(raw: dict, area_code: str, area_name: str, problems: list[str]) -> Criterion:
    name = str(raw.get("name") or raw.get("code") or "?")
    label = f"Tiêu chí «{name}» (lĩnh vực «{area_name}»)"
    code = raw.get("code")
    if not code:
        problems.append(f"{label}: thiếu mã «code».")
    points = _number(raw.get("points"), f"{label}: «points»", problems, positive=True) or 0.0
    source = raw.get("source")
    if source not in SOURCES:
        problems.append(f"{label}: nguồn «source» phải là \"data\" (tính từ dữ liệu) hoặc \"appraised\" "
                        f"(thẩm định), đang là {source!r}.")
    missing = raw.get("missing")
    if missing is not None and missing not in MISSING:
        problems.append(f"{label}: «missing» phải là một trong {', '.join(MISSING)}, đang là {missing!r}.")
    minimum = raw.get("min_dossiers")
    if minimum is not None and (not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 1):
        problems.append(f"{label}: «min_dossiers» phải là số nguyên từ 1 trở lên (đang là {minimum!r}).")
        minimum = None
    metric, full_at, floor = raw.get("metric"), raw.get("full_at"), raw.get("floor", 0)
    if source == "data":
        if metric not in METRICS:
            problems.append(f"{label}: chỉ số «{metric}» không có. Các chỉ số có sẵn: {', '.join(METRICS)}.")
        full_at = _percent(full_at, f"{label}: giá trị đạt điểm tối đa «full_at»", problems)
        floor = _percent(floor, f"{label}: ngưỡng 0 điểm «floor»", problems)
        if full_at is not None and floor is not None and abs(full_at - floor) < _EPS:
            problems.append(f"{label}: «full_at» và «floor» bằng nhau ({_pct(full_at)}); không chia được thang điểm.")
    elif source == "appraised" and metric:
        problems.append(f"{label}: tiêu chí thẩm định không được khai báo chỉ số «metric».")
    return Criterion(code=str(code or name), name=name, area_code=area_code, max_points=float(points),
                     source=str(source), metric=metric if source == "data" else None,
                     full_at=full_at if source == "data" else None,
                     floor=(floor or 0.0) if source == "data" else 0.0, missing=missing,
                     note=str(raw.get("note", "")).strip(), min_dossiers=minimum if source == "data" else None)


def _bands(raw: list, total: float, problems: list[str]) -> tuple[Band, ...]:
    bands = []
    for item in raw:
        name = str(item.get("name") or "?")
        low = _number(item.get("min"), f"Xếp loại «{name}»: «min»", problems)
        high = _number(item.get("max"), f"Xếp loại «{name}»: «max»", problems)
        if low is None or high is None:
            continue
        if high <= low:
            problems.append(f"Xếp loại «{name}»: «max» ({_num(high)}) phải lớn hơn «min» ({_num(low)}).")
            continue
        bands.append(Band(name, float(low), float(high)))
    if not raw:
        problems.append("Chưa khai báo xếp loại nào ([[bands]]).")
        return ()
    bands.sort(key=lambda b: b.low)
    if bands and abs(bands[0].low) > _EPS:
        problems.append(f"Xếp loại «{bands[0].name}» bắt đầu từ {_num(bands[0].low)}: thang xếp loại phải bắt đầu "
                        f"từ 0 (điểm từ 0 đến {_num(bands[0].low)} không thuộc loại nào).")
    for lower, upper in zip(bands, bands[1:]):
        if upper.low < lower.high - _EPS:
            problems.append(f"Xếp loại «{lower.name}» ({_num(lower.low)}–{_num(lower.high)}) chồng lên "
                            f"«{upper.name}» ({_num(upper.low)}–{_num(upper.high)}).")
        elif upper.low > lower.high + _EPS:
            problems.append(f"Có khoảng trống giữa «{lower.name}» (đến {_num(lower.high)}) và «{upper.name}» "
                            f"(từ {_num(upper.low)}): điểm trong khoảng đó không thuộc loại nào.")
    if bands and total and abs(bands[-1].high - total) > _EPS:
        problems.append(f"Xếp loại «{bands[-1].name}» kết thúc ở {_num(bands[-1].high)} nhưng tổng điểm là "
                        f"{_num(total)}: thang xếp loại phải phủ đến tổng điểm.")
    return tuple(reversed(bands))


def _number(value, label: str, problems: list[str], positive: bool = False) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(f"{label} phải là một số (đang là {value!r}).")
        return None
    if positive and value <= 0:
        problems.append(f"{label} phải lớn hơn 0 (đang là {_num(value)}).")
        return None
    if value < 0:
        problems.append(f"{label} không được âm (đang là {_num(value)}).")
        return None
    return float(value)


def _percent(value, label: str, problems: list[str]) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(f"{label} phải là một số phần trăm từ 0 đến 100 (đang là {value!r}).")
        return None
    if not 0 <= value <= 100:
        problems.append(f"{label} = {_num(value)} nằm ngoài khoảng 0–100 (tính bằng phần trăm).")
        return None
    return float(value)


def _choice(value, allowed: dict, label: str, problems: list[str]) -> str:
    if value not in allowed:
        problems.append(f"{label} phải là một trong: {', '.join(allowed)} (đang là {value!r}).")
        return next(iter(allowed))
    return value


def _unique(codes: list[str], what: str, problems: list[str]) -> None:
    seen = set()
    for code in codes:
        if code in seen:
            problems.append(f"Mã {what} «{code}» bị trùng; mỗi {what} cần một mã riêng.")
        seen.add(code)


def _num(value: float) -> str:
    """12 → '12', 12.5 → '12,5' (messages are Vietnamese)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _pct(value: float) -> str:
    return f"{_num(value)}%"
