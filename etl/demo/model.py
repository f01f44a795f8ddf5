"""Demo data, simulation layer: simulates a province's units, dossiers and surveys in memory; never writes files or touches the database."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from core.calendar import WorkCalendar, default_calendar
from core.installation import read_rows
from core.units import directory

TARGET_DOSSIERS = 400_000          # at scale 1.0, received from `start` to `today`
MONTHS_OF_HISTORY = 24
DEPARTMENT_SHARE = 0.14            # share of all dossiers resolved by departments
OFFICE_OPEN, OFFICE_CLOSE = 7 * 60, 17 * 60
NA = np.iinfo(np.int64).min         # "no such event" in minute arrays

# ----------------------------------------------------------------------------- lexicon
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Phan", "Võ", "Vũ", "Đặng", "Bùi",
            "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đoàn", "Đinh", "Lương", "Mai", "Cao",
            "Hà", "Tạ", "Thái", "Châu", "Tô", "Phùng", "Lâm", "Văn"]
SURNAME_WEIGHTS = [31, 11, 9.5, 7, 5.5, 2.5, 4.5, 4.5, 1.5, 2, 2, 1.5, 2, 1.3, 1, 0.6, 1.2, 1, 1,
                   0.6, 0.8, 0.7, 0.6, 0.3, 0.5, 0.4, 0.3, 0.3, 0.4, 0.5]
MIDDLE_MALE = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Ngọc", "Xuân", "Anh",
               "Tấn", "Quang", "Trọng", "Đình", "Bá", "Hoàng", "Gia", "Phước"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thu", "Thanh", "Bích", "Kim", "Mỹ", "Hồng", "Thị Thu", "Thị Kim",
                 "Khánh", "Phương", "Thùy", "Diệu", "Minh", "Hoài"]
GIVEN_MALE = ["Hùng", "Dũng", "Tuấn", "Minh", "Nam", "Sơn", "Long", "Phúc", "Hải", "Quang", "Tài",
              "Trung", "Hiếu", "Khoa", "Bảo", "Huy", "Thắng", "Đạt", "Vinh", "Lộc", "Thành", "Tùng",
              "Phong", "Khánh", "Nhân", "Tâm", "Cường", "Hòa", "Toàn", "Hưng", "Định", "Tín",
              "Nghĩa", "Thịnh", "Quý", "Vũ", "Lợi", "Đông", "Sang", "Trí"]
GIVEN_FEMALE = ["Lan", "Hoa", "Hương", "Mai", "Linh", "Trang", "Thảo", "Hạnh", "Ngọc", "Nhung",
                "Phương", "Hà", "Thủy", "Yến", "Nga", "Oanh", "Dung", "Vy", "Nhi", "Trâm", "Hằng",
                "Huyền", "Thư", "Diệp", "Loan", "Liên", "Trinh", "Uyên", "Quyên", "Tiên", "Hiền",
                "Ly", "Vân", "My", "Châu", "Thương"]
# Cơ Tu, Xơ Đăng, Giẻ Triêng, Ca Dong families of the western highland communes.
ETHNIC_SURNAMES = ["Alăng", "Bhling", "Zơ Râm", "Pơloong", "Clâu", "Ating", "Coor", "Hồ",
                   "Đinh", "Briu", "Arất", "Riah", "Blúp", "Hiên", "A Viết", "Bh'riu"]
ETHNIC_GIVEN = ["Mưa", "Dúi", "Bốp", "Nhí", "Quân", "Thị Hạnh", "Văn Tiến", "Thị Sương", "Bhiu",
                "Văn Lên", "Thị Liếp", "Thị Đoa", "Pố", "Văn Dũng", "Thị Xuân", "Nga", "Văn Đàn",
                "Thị Hoa", "Văn Mót", "Thị Xí"]
STREETS_DANANG = ["Lê Duẩn", "Nguyễn Văn Linh", "Hùng Vương", "Trần Phú", "Bạch Đằng",
                  "Điện Biên Phủ", "Hàm Nghi", "Ông Ích Khiêm", "Nguyễn Tri Phương", "Lê Đình Lý",
                  "Trưng Nữ Vương", "Núi Thành", "2 Tháng 9", "Ngô Quyền", "Phạm Văn Đồng",
                  "Võ Nguyên Giáp", "Nguyễn Tất Thành", "Tôn Đức Thắng", "Âu Cơ",
                  "Nguyễn Lương Bằng", "Cách Mạng Tháng 8", "Ông Ích Đường", "Trường Chinh",
                  "Lê Văn Hiến", "Huỳnh Thúc Kháng", "Phan Châu Trinh", "Hoàng Diệu", "Thái Phiên",
                  "Lý Thường Kiệt", "Hải Phòng", "Quang Trung", "Hoàng Văn Thụ", "Nguyễn Hữu Thọ",
                  "Hà Huy Tập", "Trần Cao Vân", "Điện Biên Phủ", "Tô Hiến Thành", "Hồ Nghinh",
                  "Ngũ Hành Sơn", "Nguyễn Sinh Sắc", "Kinh Dương Vương", "Lê Thanh Nghị"]
STREETS_QUANGNAM = ["Trần Hưng Đạo", "Phan Chu Trinh", "Cửa Đại", "Hùng Vương", "Lý Thường Kiệt",
                    "Nguyễn Duy Hiệu", "Phan Bội Châu", "Huỳnh Thúc Kháng", "Trần Quý Cáp",
                    "Nguyễn Hoàng", "Hai Bà Trưng", "Lê Lợi", "Nguyễn Văn Trỗi", "Quốc lộ 1A",
                    "Điện Biên Phủ", "Tôn Đức Thắng", "Lạc Long Quân", "Bạch Đằng"]
VILLAGES = ["Phú Sơn", "An Lạc", "Phước Hưng", "Tân Phú", "Trung Nghĩa", "Hòa Bình", "Đông Hòa",
            "Thái Lai", "Phú Túc", "Quan Nam", "Gò Nổi", "Bình An", "Thạnh Tân", "Xuân Phú",
            "Mỹ Sơn", "Tây An", "Đông An", "Phú Thượng", "Lệ Sơn", "Khương Mỹ"]
HIGHLAND_VILLAGES = ["A Xanh", "Ga Lêê", "Tr'hy", "Bh'lô", "Arớch", "Cha Vàl", "Dang", "Đắc Tôi",
                     "Pà Dấu", "Ba Xí", "Tắk Pỏ", "Trà Cang", "Nước Là", "Làng Mô"]
COMPANY_KINDS = ["Công ty TNHH", "Công ty TNHH MTV", "Công ty Cổ phần", "Doanh nghiệp tư nhân"]
COMPANY_WORDS = ["Thương mại Dịch vụ", "Xây dựng", "Du lịch", "Đầu tư", "Vận tải", "Thủy sản",
                 "Công nghệ", "Kỹ thuật", "Nông sản", "Bất động sản", "Điện tử", "Y tế"]
COMPANY_NAMES = ["Hải An", "Sông Hàn", "Miền Trung", "Ngũ Hành", "Sơn Trà Xanh", "Phố Hội",
                 "Trường Sa", "Kim Long", "Thành Đạt", "Phú Gia", "An Phát", "Minh Khang",
                 "Đại Dương", "Việt Hàn", "Tân Tiến", "Hòa Phát Miền Trung", "Quảng Đà", "Hưng Thịnh"]
PHONE_PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "032", "033", "034", "035",
                  "036", "037", "038", "039", "070", "076", "077", "078", "079", "081", "082",
                  "083", "084", "085", "088", "086", "089", "092", "056", "058", "099"]
ID_PLACES = ["048", "049", "046", "045", "051", "001", "079", "044", "052"]     # CCCD place-of-birth codes
ID_PLACE_WEIGHTS = [0.4, 0.25, 0.06, 0.04, 0.05, 0.06, 0.05, 0.04, 0.05]
NOTES_ONLINE = ["Hồ sơ nộp qua Cổng Dịch vụ công quốc gia", "Đã ký số kết quả", "Hồ sơ liên thông",
                "Trả kết quả điện tử qua tài khoản VNeID"]
NOTES_DIRECT = ["Trả kết quả qua dịch vụ bưu chính", "Đã liên hệ công dân qua điện thoại",
                "Công dân nhận kết quả tại bộ phận một cửa", "Ưu tiên người cao tuổi",
                "Công dân đề nghị nhận kết quả tại nhà", "Hồ sơ liên thông"]
NOTES_LATE = ["Chờ ý kiến phòng chuyên môn", "Chờ xác minh thực địa",
              "Chờ kết quả liên thông cơ quan thuế", "Cán bộ thụ lý nghỉ phép",
              "Chờ lãnh đạo ký duyệt", "Hệ thống lỗi, chưa cập nhật kịp"]
NOTES_SUPPLEMENT = ["Thiếu bản sao CCCD", "Bổ sung giấy tờ chứng minh nơi cư trú",
                    "Bổ sung bản vẽ hiện trạng", "Sai thông tin trong tờ khai",
                    "Thiếu giấy ủy quyền", "Bổ sung trích lục thửa đất"]

# Field mix per commune profile (field_code -> weight); departments use DEPARTMENT_PROCEDURES.
FIELD_MIX = {
    "urban": {"ho_tich": .36, "chung_thuc": .36, "dat_dai": .05, "xay_dung": .035, "ho_kinh_doanh": .07,
              "bao_tro_xa_hoi": .05, "nguoi_co_cong": .02, "moi_truong": .006, "ton_giao": .003,
              "nuoi_con_nuoi": .002, "hoa_giai": .004, "thi_dua": .008, "khieu_nai": .006, "nong_nghiep": .001},
    "rural": {"ho_tich": .32, "chung_thuc": .20, "dat_dai": .15, "xay_dung": .03, "ho_kinh_doanh": .035,
              "bao_tro_xa_hoi": .11, "nguoi_co_cong": .045, "moi_truong": .006, "ton_giao": .006,
              "nuoi_con_nuoi": .003, "hoa_giai": .008, "thi_dua": .01, "khieu_nai": .008, "nong_nghiep": .07},
    "mountain": {"ho_tich": .36, "chung_thuc": .09, "dat_dai": .13, "xay_dung": .01, "ho_kinh_doanh": .015,
                 "bao_tro_xa_hoi": .17, "nguoi_co_cong": .04, "moi_truong": .004, "ton_giao": .004,
                 "nuoi_con_nuoi": .004, "hoa_giai": .01, "thi_dua": .012, "khieu_nai": .005, "nong_nghiep": .14},
    "island": {"ho_tich": .34, "chung_thuc": .25, "dat_dai": .10, "xay_dung": .02, "ho_kinh_doanh": .05,
               "bao_tro_xa_hoi": .10, "nguoi_co_cong": .03, "hoa_giai": .01, "thi_dua": .01, "nong_nghiep": .05},
}
# Department -> national procedure ids (first two parts of the code) it resolves.
DEPARTMENT_PROCEDURES = {
    "48.STP": ["2.000488", "2.000505"],
    "48.SXD": ["1.001656", "1.002804", "1.002820", "1.009972", "1.008432", "1.010006"],
    "48.SNNMT": ["1.010727", "1.010728", "1.012810", "2.001823"],
    "48.STC": ["2.002041", "2.002043", "2.002052", "2.002080", "1.009740"],
    "48.SYT": ["1.012271", "1.004599", "1.004616"],
    "48.SGDDT": ["1.005092", "1.005095", "1.004963"],
    "48.SNV": ["1.001978", "1.000459", "1.010829", "1.000818"],
    "48.CNVPDKDD": ["1.012835", "1.012838", "1.012839", "1.012841", "1.012845", "1.012850"],
    "48.CATP": ["2.001964", "2.001968", "2.001970"],
}
DEPARTMENT_WEIGHTS = {"48.CNVPDKDD": 7000, "48.STP": 4500, "48.SXD": 4500, "48.CATP": 3500,
                      "48.STC": 2600, "48.SNV": 2200, "48.SGDDT": 1300, "48.SYT": 1000, "48.SNNMT": 800}
COMPANY_FIELDS = {"dang_ky_doanh_nghiep", "dau_tu", "moi_truong", "quy_hoach"}
LATE_FIELD_FACTOR = {"ho_tich": .5, "chung_thuc": .2, "dat_dai": 2.0, "xay_dung": 1.5,
                     "bao_tro_xa_hoi": 1.2, "nguoi_co_cong": 1.3, "khieu_nai": 1.5, "quy_hoach": 1.4}
SUPPLEMENT_FIELD_FACTOR = {"dat_dai": 2.2, "xay_dung": 2.0, "ho_kinh_doanh": 1.3, "chung_thuc": .3,
                           "bao_tro_xa_hoi": 1.4, "y_te": 1.6, "dau_tu": 2.0, "moi_truong": 1.8}

URBAN_CORE = ["Hải Châu", "Hòa Cường", "Thanh Khê", "An Khê", "Sơn Trà", "An Hải", "Ngũ Hành Sơn",
              "Hòa Xuân", "Cẩm Lệ", "Liên Chiểu", "Hòa Khánh", "Hải Vân"]
MOUNTAIN = ["Tây Giang", "Avương", "Hùng Sơn", "Sông Kôn", "Đông Giang", "Bến Hiên", "Sông Vàng",
            "Thạnh Mỹ", "Bến Giằng", "Nam Giang", "La Êê", "La Dêê", "Đắc Pring", "Khâm Đức",
            "Phước Chánh", "Phước Hiệp", "Phước Năng", "Phước Thành", "Phước Trà", "Trà Giáp",
            "Trà Leng", "Trà Linh", "Trà Liên", "Trà My", "Trà Tân", "Trà Tập", "Trà Vân", "Trà Đốc",
            "Nam Trà My", "Thượng Đức", "Hiệp Đức", "Việt An", "Bà Nà"]
CHRONIC_LATE = ["Xã Duy Nghĩa", "Phường Hòa Xuân", "Xã Núi Thành", "Xã Thăng Bình", "Xã Trà My",
                "Chi nhánh Văn phòng đăng ký đất đai"]
IMPROVING = ["Phường Liên Chiểu", "Xã Quế Sơn", "Phường Tam Kỳ", "Xã Đông Giang", "Sở Xây dựng"]
POOR_APOLOGY = ["Xã Núi Thành", "Phường Hòa Xuân", "Xã Phú Ninh", "Chi nhánh Văn phòng đăng ký đất đai",
                "Xã Nam Giang"]
SATURDAY_SERVICE = ["Phường Hải Châu", "Phường Thanh Khê", "Phường Hòa Khánh", "Phường Hội An",
                    "Chi nhánh Văn phòng đăng ký đất đai"]
MONTH_END_UNIT = "Phường Cẩm Lệ"
TINY = {"Xã Tây Giang": 0.3, "Xã Avương": 0.3, "Đặc khu Hoàng Sa": 0.04}
WEEKDAY_FACTOR = np.array([1.30, 1.08, 1.0, 0.97, 0.86, 0.30, 0.0])
MONTH_FACTOR = np.array([1.05, 1.0, 1.0, 1.0, 1.0, 1.02, 1.06, 1.08, 1.0, 0.98, 1.0, 1.08])


# ----------------------------------------------------------------------------- calendar grid
@dataclass(frozen=True)
class DayGrid:
    """Day-indexed view of the working calendar, for vectorised working-day arithmetic."""

    day0: date
    working: np.ndarray        # bool per day
    holiday: np.ndarray        # bool per day (named public holiday)
    weekday: np.ndarray        # 0 = Monday
    wseq: np.ndarray           # working days on or before each day
    wdays: np.ndarray          # day index of each working day
    tet_starts: tuple[int, ...]
    tet_ends: tuple[int, ...]

    @classmethod
    def build(cls, cal: WorkCalendar, first: date, last: date) -> "DayGrid":
        n = (last - first).days + 1
        days = [first + timedelta(days=i) for i in range(n)]
        working = np.array([cal.is_working_day(d) for d in days])
        holiday = np.array([d in cal.holiday_names for d in days])
        tet = [i for i, d in enumerate(days)
               if "Tết" in cal.holiday_names.get(d, "") and "Dương" not in cal.holiday_names.get(d, "")]
        starts = tuple(i for i in tet if i - 1 not in tet)
        ends = tuple(i for i in tet if i + 1 not in tet)
        return cls(first, working, holiday, np.array([d.weekday() for d in days]),
                   np.cumsum(working), np.flatnonzero(working), starts, ends)

    @property
    def n(self) -> int:
        return len(self.working)

    def index(self, day: date) -> int:
        return (day - self.day0).days

    def date_of(self, i: int) -> date:
        return self.day0 + timedelta(days=int(i))

    def first_wd(self, day_idx: np.ndarray) -> np.ndarray:
        """Position in `wdays` of the first working day on or after each day."""
        return self.wseq[day_idx] - self.working[day_idx]

    def wd(self, pos: np.ndarray) -> np.ndarray:
        """Day index of working-day position `pos` (clipped to the grid)."""
        return self.wdays[np.clip(pos, 0, len(self.wdays) - 1)]

    def month_last_wd(self) -> np.ndarray:
        """Per day: position in `wdays` of the last working day of that day's month."""
        months = np.array([(self.date_of(i).year * 12 + self.date_of(i).month) for i in range(self.n)])
        last = np.zeros(self.n, dtype=np.int64)
        wmonths = months[self.wdays]
        for m in np.unique(months):
            hit = np.flatnonzero(wmonths == m)
            last[months == m] = hit[-1] if len(hit) else 0
        return last


# ----------------------------------------------------------------------------- catalogue and units
def procedures() -> pl.DataFrame:
    """The procedure catalogue, with field names and a popularity rank within field and level."""
    fields = {r["field_code"]: r["field_name"] for r in read_rows("fields.csv")}
    rows = read_rows("procedures.csv")
    frame = pl.DataFrame(rows).with_columns(
        pl.col("processing_days").cast(pl.Int64), pl.col("fee_amount").cast(pl.Int64),
        pl.col("field_code").replace_strict(fields).alias("field_name"),
        pl.when(pl.col("online_level") == "").then(None).otherwise(pl.col("online_level")).alias("online_level"),
    )
    return frame.with_columns(pl.int_range(pl.len()).over(["unit_level", "field_code"]).alias("rank"))


def _profile(name: str, unit_type: str, level: str) -> str:
    bare = name.split(" ", 1)[1] if " " in name else name
    if level == "tinh":
        return "dept"
    if unit_type == "dac_khu" or bare == "Tân Hiệp":
        return "island"
    if bare in MOUNTAIN:
        return "mountain"
    if unit_type == "phuong":
        return "urban_core" if bare in URBAN_CORE else "urban"
    return "rural"


def unit_profiles(rng: np.random.Generator) -> pl.DataFrame:
    """Units with simulation parameters: busyness, late behaviour, apology discipline, officers."""
    units = directory().sort("unit_code")
    base = {"urban_core": 3.6, "urban": 2.1, "rural": 1.25, "mountain": 0.34, "island": 0.12}
    rows = []
    commune_i = dept_i = 0
    for row in units.iter_rows(named=True):
        name, level = row["unit_name"], row["unit_level"]
        profile = _profile(name, row["unit_type"], level)
        noise = float(rng.lognormal(0.0, 0.25))
        if level == "tinh":
            weight = float(DEPARTMENT_WEIGHTS[row["unit_code"]])
            agency = f"000.00.{11 + dept_i:02d}.H48"
            dept_i += 1
        else:
            weight = base[profile] * noise * TINY.get(name, 1.0)
            agency = f"000.{30 + commune_i // 50:02d}.{10 + commune_i % 50:02d}.H48"
            commune_i += 1
        late_kind = "chronic" if name in CHRONIC_LATE else "improving" if name in IMPROVING else "normal"
        late_base = {"chronic": float(rng.uniform(.16, .22)), "improving": .22}.get(late_kind, float(rng.uniform(.008, .04)))
        apology = float(rng.uniform(.22, .4)) if name in POOR_APOLOGY else float(rng.uniform(.86, .97))
        online = {"dept": 1.15, "urban_core": 1.12, "urban": 1.0, "rural": .9, "mountain": .6, "island": .8}[profile]
        rows.append({
            "unit_code": row["unit_code"], "unit_name": name, "unit_type": row["unit_type"],
            "unit_level": level, "profile": profile, "weight": weight, "agency_code": agency,
            "late_kind": late_kind, "late_base": late_base, "apology_rate": apology,
            "online_factor": online * float(rng.uniform(.9, 1.1)),
            "saturday": name in SATURDAY_SERVICE,
            "officers": officer_names(rng, int(rng.integers(2, 7)), profile),
        })
    frame = pl.DataFrame(rows)
    commune = pl.col("unit_level") == "xa"
    dept_total = frame.filter(~commune)["weight"].sum()
    commune_total = frame.filter(commune)["weight"].sum()
    ratio = DEPARTMENT_SHARE / (1 - DEPARTMENT_SHARE) * commune_total / dept_total
    return frame.with_columns(
        pl.when(commune).then(pl.col("weight")).otherwise(pl.col("weight") * ratio).alias("weight"))


def officer_names(rng: np.random.Generator, n: int, profile: str) -> list[str]:
    names: list[str] = []
    while len(names) < n:
        female = rng.random() < 0.55
        if profile == "mountain" and rng.random() < 0.3:
            name = f"{ETHNIC_SURNAMES[rng.integers(len(ETHNIC_SURNAMES))]} {ETHNIC_GIVEN[rng.integers(len(ETHNIC_GIVEN))]}"
        else:
            sur = SURNAMES[rng.choice(len(SURNAMES), p=_norm(SURNAME_WEIGHTS))]
            mid = (MIDDLE_FEMALE if female else MIDDLE_MALE)[rng.integers(len(MIDDLE_FEMALE if female else MIDDLE_MALE))]
            given = (GIVEN_FEMALE if female else GIVEN_MALE)[rng.integers(len(GIVEN_FEMALE if female else GIVEN_MALE))]
            name = f"{sur} {mid} {given}"
        if name not in names:
            names.append(name)
    return names


def _norm(weights) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


def procedure_matrix(units: pl.DataFrame, procs: pl.DataFrame) -> np.ndarray:
    """Units x procedures probability matrix (rows sum to 1)."""
    mat = np.zeros((units.height, procs.height))
    level = procs["unit_level"].to_numpy()
    field = procs["field_code"].to_numpy()
    popularity = 0.62 ** procs["rank"].to_numpy()
    national = np.array([c[:8] for c in procs["procedure_code"].to_list()])
    for i, row in enumerate(units.iter_rows(named=True)):
        if row["unit_level"] == "tinh":
            for pos, ident in enumerate(DEPARTMENT_PROCEDURES[row["unit_code"]]):
                mat[i, national == ident] = 0.55 ** pos
        else:
            mix = FIELD_MIX["urban" if row["profile"].startswith("urban") else row["profile"]]
            weights = np.array([mix.get(f, 0.0) for f in field])
            xa = level == "xa"
            for f in np.unique(field[xa]):
                sel = xa & (field == f)
                mat[i, sel] = weights[sel] * popularity[sel] / popularity[sel].sum()
        mat[i] /= mat[i].sum()
    return mat


# ----------------------------------------------------------------------------- arrivals
def day_factors(grid: DayGrid, rng: np.random.Generator, start_i: int) -> np.ndarray:
    """Relative volume per day: weekday, month, Tết surge and dip, holiday bridges, trend, noise."""
    idx = np.arange(grid.n)
    f = WEEKDAY_FACTOR[grid.weekday].copy()
    f[grid.working & (grid.weekday == 5)] = 0.85          # make-up Saturdays
    f *= MONTH_FACTOR[np.array([grid.date_of(i).month - 1 for i in idx])]
    for s, e in zip(grid.tet_starts, grid.tet_ends):
        pre = (idx >= s - 21) & (idx < s)
        f[pre] *= 1.0 + 0.5 * (1 - (s - idx[pre]) / 21.0)
        after = grid.wdays[grid.wdays > e][:10]
        f[after[:5]] *= 0.5
        f[after[5:]] *= 0.8
    bridge = np.zeros(grid.n, dtype=bool)
    for h in np.flatnonzero(grid.holiday):
        if not any(s <= h <= e for s, e in zip(grid.tet_starts, grid.tet_ends)):
            bridge[max(h - 2, 0):h + 3] = True
    f[bridge & grid.working] *= 0.72
    f *= 1.0 + 0.07 * np.clip(idx - start_i, 0, None) / 365.0
    f *= rng.lognormal(0.0, 0.08, grid.n)
    return f


def arrivals(units: pl.DataFrame, grid: DayGrid, rng: np.random.Generator,
             start_i: int, today_i: int, horizon_i: int, total: float) -> tuple[np.ndarray, np.ndarray]:
    """Poisson counts per unit and day; returns (unit index, day index) per dossier."""
    f = day_factors(grid, rng, start_i)
    saturday = (grid.weekday == 5) & ~grid.working & ~grid.holiday
    open_all = grid.working.astype(float)
    open_sat = open_all + saturday
    sat_units = units["saturday"].to_numpy()
    avail = np.where(sat_units[:, None], open_sat[None, :], open_all[None, :])
    lam = units["weight"].to_numpy()[:, None] * f[None, :] * avail
    lam[:, :start_i] = 0.0
    lam[:, horizon_i + 1:] = 0.0
    lam *= total / lam[:, :today_i + 1].sum()
    counts = rng.poisson(lam)
    flat = np.repeat(np.arange(counts.size), counts.ravel())
    return flat // grid.n, flat % grid.n


# ----------------------------------------------------------------------------- simulation
@dataclass
class Simulation:
    """Simulated truth: every dossier with all its event times, plus the context to snapshot it."""

    truth: pl.DataFrame
    units: pl.DataFrame
    procedures: pl.DataFrame
    grid: DayGrid
    start: date
    today: date


def simulate(today: date, seed: int = 2025, scale: float = 1.0, total: float | None = None) -> Simulation:
    rng = np.random.default_rng(seed)
    cal = default_calendar()
    month = today.year * 12 + today.month - 1 - MONTHS_OF_HISTORY
    start = date(month // 12, month % 12 + 1, 1)
    grid = DayGrid.build(cal, start - timedelta(days=10), min(today + timedelta(days=900), cal.last))
    units = unit_profiles(rng)
    procs = procedures()
    start_i, today_i = grid.index(start), grid.index(today)
    horizon_i = int(grid.wd(grid.first_wd(np.array([today_i + 1])) + 1)[0])   # two working days ahead
    u, d = arrivals(units, grid, rng, start_i, today_i, horizon_i, total or TARGET_DOSSIERS * scale)
    builder = _Builder(rng, grid, units, procs, u, d, start_i, today_i)
    return Simulation(builder.build(), units, procs, grid, start, today)


class _Builder:
    """Turns arrivals into dossiers, one concern per method; all arrays are per dossier."""

    def __init__(self, rng, grid: DayGrid, units: pl.DataFrame, procs: pl.DataFrame,
                 unit_idx: np.ndarray, day_idx: np.ndarray, start_i: int, today_i: int):
        self.rng, self.grid, self.units, self.procs = rng, grid, units, procs
        self.u, self.d = unit_idx, day_idx
        self.n = len(unit_idx)
        self.start_i, self.today_i = start_i, today_i
        span = max(today_i - start_i, 1)
        self.t = np.clip((day_idx - start_i) / span, 0.0, 1.0)     # 0 at start, 1 today

    # -- helpers
    def _choice_rows(self, cdf: np.ndarray, rows: np.ndarray) -> np.ndarray:
        draw = self.rng.random(len(rows))
        return (cdf[rows] < draw[:, None]).sum(axis=1).clip(0, cdf.shape[1] - 1)

    def _office_minutes(self, k: int, saturday: np.ndarray | None = None) -> np.ndarray:
        morning = self.rng.random(k) < 0.62
        am = self.rng.integers(7 * 60 + 10, 11 * 60 + 30, k)
        pm = self.rng.integers(13 * 60 + 30, 17 * 60, k)
        minutes = np.where(morning, am, pm)
        if saturday is not None:
            minutes = np.where(saturday, am, minutes)
        return minutes

    def _at(self, day_idx: np.ndarray, minute: np.ndarray) -> np.ndarray:
        return day_idx.astype(np.int64) * 1440 + minute

    def build(self) -> pl.DataFrame:
        self.assign_procedures()
        self.assign_receipt()
        self.assign_due()
        self.assign_outcome()
        self.assign_supplements()
        self.assign_finish()
        self.assign_apology()
        self.assign_flags()
        return self.frame()

    def assign_procedures(self) -> None:
        mat = procedure_matrix(self.units, self.procs)
        self.p = self._choice_rows(np.cumsum(mat, axis=1), self.u)
        self.field = self.procs["field_code"].to_numpy()[self.p]
        self.days = self.procs["processing_days"].to_numpy()[self.p]
        self.calendar_kind = (self.procs["day_kind"] == "calendar").to_numpy()[self.p]
        self.fee = self.procs["fee_amount"].to_numpy()[self.p].astype(np.int64)
        levels = self.procs["online_level"].fill_null("").to_numpy()
        self.level = levels[self.p]
        # Receiving unit: land registry dossiers are often lodged at a ward's one-stop desk,
        # and a few commune dossiers at a neighbouring commune (no administrative boundary).
        self.recv = self.u.copy()
        commune_rows = np.flatnonzero(self.units["unit_level"].to_numpy() == "xa")
        commune_w = self.units["weight"].to_numpy()[commune_rows]
        codes = self.units["unit_code"].to_numpy()
        branch = self.u == int(np.flatnonzero(codes == "48.CNVPDKDD")[0])
        elsewhere = (branch & (self.rng.random(self.n) < 0.35)) | (
            (self.units["unit_level"].to_numpy()[self.u] == "xa") & np.isin(self.field, ["ho_tich", "chung_thuc", "dat_dai"])
            & (self.rng.random(self.n) < 0.015))
        picks = self.rng.choice(commune_rows, size=self.n, p=commune_w / commune_w.sum())
        self.recv = np.where(elsewhere & (picks != self.u), picks, self.u)

    def assign_receipt(self) -> None:
        g, rng, n = self.grid, self.rng, self.n
        saturday = ~g.working[self.d]
        self.recv_min = self._at(self.d, self._office_minutes(n, saturday))
        target = 0.25 + 0.42 * self.t
        eligible = self.level != ""
        share = self._eligible_share()
        p_online = np.clip(target * self.units["online_factor"].to_numpy()[self.u] / share[self.u], 0, 0.96)
        online = eligible & (rng.random(n) < p_online) & ~saturday
        postal = ~online & (rng.random(n) < 0.025)
        self.channel = np.where(online, 2, np.where(postal, 3, 1)).astype(np.int8)
        wait = np.minimum(rng.exponential(11 * 60, n), 5 * 1440).astype(np.int64) + 5
        self.sub_min = np.where(online, self.recv_min - wait, self.recv_min - rng.integers(0, 25, n))

    def _eligible_share(self) -> np.ndarray:
        mat = procedure_matrix(self.units, self.procs)
        eligible = self.procs["online_level"].is_not_null().to_numpy()
        return np.maximum((mat * eligible).sum(axis=1), 0.05)

    def assign_due(self) -> None:
        """Legal due date, same rule as WorkCalendar.due_date (verified in the tests)."""
        g = self.grid
        minute = self.recv_min % 1440
        fw = g.first_wd(self.d)
        k = np.maximum(self.days, 1)
        off = ~g.working[self.d] | (minute >= OFFICE_CLOSE)
        early = g.working[self.d] & (minute <= OFFICE_OPEN)
        pos = np.where(off | early, fw + k - 1 + (off & g.working[self.d]), fw + k)
        due_day = g.wd(pos)
        due_minute = np.where(off | early, OFFICE_CLOSE, minute)
        cal_day = g.wd(g.first_wd(np.minimum(self.d + k, g.n - 1)))
        self.due_day = np.where(self.calendar_kind, cal_day, due_day)
        self.due_minute = np.where(self.calendar_kind, OFFICE_CLOSE, due_minute)
        self.base_pos = fw                                  # first working day of processing
        self.due_pos = g.wseq[self.due_day] - 1

    def assign_outcome(self) -> None:
        rng, n = self.rng, self.n
        kind = self.units["late_kind"].to_numpy()[self.u]
        base = self.units["late_base"].to_numpy()[self.u]
        improving = np.where(kind == "improving", 0.22 - 0.19 * self.t, base)
        factor = np.array([LATE_FIELD_FACTOR.get(f, 1.0) for f in self.field])
        mean_factor = self._unit_mean(factor)
        p_late = improving * factor / mean_factor[self.u]
        tet_rush = np.zeros(n, dtype=bool)
        for s in self.grid.tet_starts:
            tet_rush |= (self.d >= s - 21) & (self.d < s)
        p_late = np.clip(p_late * np.where(tet_rush, 1.5, 1.0), 0, 0.7)
        self.late = rng.random(n) < p_late
        lateness = rng.geometric(0.38, n)
        tail = rng.random(n) < 0.05
        lateness = lateness + np.where(tail, rng.integers(6, 40, n), 0)
        stuck = (kind == "chronic") & (rng.random(n) < 0.03)
        self.late_by = np.where(stuck, rng.integers(30, 120, n), lateness) * self.late
        u01 = rng.random(n)
        self.withdrawn = u01 < 0.006
        self.stopped = (u01 >= 0.006) & (u01 < 0.009)
        self.refused = (u01 >= 0.009) & (u01 < 0.013)
        self.late &= ~(self.withdrawn | self.stopped | self.refused)
        self.late_by *= self.late

    def _unit_mean(self, values: np.ndarray) -> np.ndarray:
        sums = np.bincount(self.u, weights=values, minlength=self.units.height)
        counts = np.bincount(self.u, minlength=self.units.height)
        return np.where(counts > 0, sums / np.maximum(counts, 1), 1.0)

    def assign_supplements(self) -> None:
        rng, n = self.rng, self.n
        factor = np.array([SUPPLEMENT_FIELD_FACTOR.get(f, 1.0) for f in self.field])
        p = 0.10 * factor / self._unit_mean(factor)[self.u]
        first = (rng.random(n) < p) & ~(self.refused | self.withdrawn | self.stopped) & (self.days >= 2)
        second = first & (rng.random(n) < 0.18)
        window = np.maximum(self.due_pos - self.base_pos, 1)
        self.s1_pos = self.base_pos + (rng.random(n) * window).astype(np.int64)
        wait1 = rng.geometric(0.28, n)
        wait2 = rng.geometric(0.28, n)
        self.s1_done_pos = self.s1_pos + wait1
        self.s2_pos = self.s1_done_pos + rng.integers(1, 4, n)
        self.s2_done_pos = self.s2_pos + wait2
        self.unanswered = first & (rng.random(n) < 0.08)
        self.sup1, self.sup2 = first, second & ~self.unanswered
        self.pause1 = np.where(self.sup1 & ~self.unanswered, wait1, 0)
        self.pause2 = np.where(self.sup2, wait2, 0)

    def assign_finish(self) -> None:
        rng, g, n = self.rng, self.grid, self.n
        window = self.due_pos - self.base_pos
        on_due = rng.random(n) < 0.18
        early_off = np.floor(rng.random(n) ** 1.4 * np.maximum(window, 0)).astype(np.int64)
        offset = np.where(on_due, window, np.minimum(early_off, window))
        pause = self.pause1 + self.pause2
        fin_pos = np.where(self.late, self.due_pos + self.late_by, self.base_pos + offset) + pause
        fin_pos = np.maximum(fin_pos, np.where(self.sup2, self.s2_done_pos, np.where(self.sup1, self.s1_done_pos, 0)))
        self._month_end_burst(fin_pos)
        fin_day = g.wd(fin_pos)
        minute = self._office_minutes(n)
        same_day = fin_day == self.d
        recv_minute = self.recv_min % 1440
        minute = np.where(same_day, np.minimum(recv_minute + rng.integers(15, 150, n), 17 * 60 + 25), minute)
        fin_min = self._at(fin_day, minute)
        fin_min = np.maximum(fin_min, self.recv_min + 10)
        ended = self.withdrawn | self.stopped | self.unanswered
        end_pos = np.where(self.unanswered, self.s1_pos + 22, self.base_pos + (rng.random(n) * (window + 1)).astype(np.int64))
        self.end_min = np.where(ended, np.maximum(self._at(g.wd(end_pos), self._office_minutes(n)), self.recv_min + 30), NA)
        self.end_status = np.where(self.withdrawn, 7, np.where(ended, 8, 0)).astype(np.int8)
        self.fin_min = np.where(ended | self.refused, NA, fin_min)
        self.fin_day = fin_day
        e_result = rng.random(n) < (0.2 + 0.55 * self.t)
        self.e_result = e_result & ~ended & ~self.refused
        pickup = rng.choice([0, 1, 2, 3, 4, 7, 12], size=n, p=[.45, .22, .12, .08, .06, .05, .02])
        immediate = self.e_result | (self.channel == 2) & (self.level == "toan_trinh")
        ret_day = g.wd(g.wseq[fin_day] - 1 + np.where(immediate, 0, pickup))
        ret_min = np.where(ret_day == fin_day, fin_min + rng.integers(3, 90, n), self._at(ret_day, self._office_minutes(n)))
        self.ret_min = np.where(self.fin_min == NA, NA, ret_min)
        self.refuse_min = np.minimum(self.recv_min + rng.integers(5, 60, n), self._at(self.d, np.full(n, 17 * 60 + 15)))
        pay = (self.field == "dat_dai") & (self.fee > 0) & (rng.random(n) < 0.35)
        self.pay_min = np.where(pay & (self.fin_min != NA), self._at(g.wd(g.wseq[fin_day] - 1 - rng.integers(1, 4, n)), 14 * 60), NA)
        self.pay_min = np.where(self.pay_min > self.recv_min, self.pay_min, NA)

    def _month_end_burst(self, fin_pos: np.ndarray) -> None:
        """One officer at MONTH_END_UNIT sits on dossiers and closes them in a month-end burst."""
        names = self.units["unit_name"].to_numpy()
        unit = int(np.flatnonzero(names == MONTH_END_UNIT)[0])
        mine = (self.u == unit) & (self.days >= 3) & (self.rng.random(self.n) < 0.55)
        self.burst = mine
        last = self.grid.month_last_wd()
        target = last[self.grid.wd(fin_pos)] - (self.rng.random(self.n) < 0.4)
        moved = mine & (target > fin_pos)
        fin_pos[moved] = target[moved]
        self.late = np.where(mine, fin_pos > self.due_pos + self.pause1 + self.pause2, self.late)
        self.late_by = np.where(mine, np.maximum(fin_pos - self.due_pos - self.pause1 - self.pause2, 0), self.late_by)

    def assign_apology(self) -> None:
        rng, g, n = self.rng, self.grid, self.n
        pause = self.pause1 + self.pause2
        due_ext_pos = self.due_pos + pause
        rate = self.units["apology_rate"].to_numpy()[self.u]
        rate = np.where(self.burst, 0.05, rate)
        issued = self.late & (rng.random(n) < rate) & (self.fin_min != NA)
        issue_pos = np.maximum(due_ext_pos - rng.integers(1, 3, n), self.base_pos)
        issue_min = np.maximum(self._at(g.wd(issue_pos), self._office_minutes(n)), self.recv_min + 60)
        self.apology_min = np.where(issued, issue_min, NA)
        again = rng.random(n) < 0.15
        extra = np.where(again, -np.ceil(self.late_by / 2).astype(np.int64), rng.integers(0, 3, n))
        new_pos = due_ext_pos + np.maximum(self.late_by + extra, 1)
        self.apology_due_min = np.where(issued, self._at(g.wd(new_pos), np.full(n, OFFICE_CLOSE)), NA)

    def assign_flags(self) -> None:
        rng, n, t = self.rng, self.n, self.t
        online = self.channel == 2
        half = online & (self.fee > 2000)
        self.fee_paid = np.where(half, (self.fee // 2 // 1000) * 1000, self.fee)
        pages = np.where(self.procs["procedure_code"].to_numpy()[self.p] == "2.000815.000.00.00.H48",
                         rng.integers(1, 9, n), 1)
        self.fee_paid = np.where(self.refused, 0, self.fee_paid * pages)
        p_paid = np.where(online, 0.3 + 0.5 * t, 0.02 + 0.08 * t)
        self.paid_online = (self.fee_paid > 0) & (rng.random(n) < p_paid)
        self.digitised = rng.random(n) < np.where(online, 0.55 + 0.4 * t, 0.3 + 0.5 * t)
        self.synced = rng.random(n) < 0.93 + 0.065 * t
        rated = (rng.random(n) < np.where(online, 0.18 + 0.2 * t, 0.08 + 0.14 * t)) & (self.fin_min != NA)
        draw = rng.random(n)
        unhappy = np.where(self.late, 0.35, 0.035)
        very = np.where(self.late, 0.2, 0.48)
        rating = np.where(draw < unhappy, 1, np.where(draw < unhappy + very, 3, 2))
        self.rating = np.where(rated, rating, 0).astype(np.int8)

    # -- people and text
    def applicants(self) -> dict[str, pl.Series]:
        rng, n = self.rng, self.n
        profile = self.units["profile"].to_numpy()[self.u]
        female = rng.random(n) < 0.52
        sur = pl.Series(SURNAMES).gather(rng.choice(len(SURNAMES), n, p=_norm(SURNAME_WEIGHTS)))
        mid = _pick_by(rng, female, MIDDLE_FEMALE, MIDDLE_MALE)
        given = _pick_by(rng, female, GIVEN_FEMALE, GIVEN_MALE)
        kinh = pl.concat_str([sur, mid, given], separator=" ")
        ethnic = pl.concat_str([
            pl.Series(ETHNIC_SURNAMES).gather(rng.integers(0, len(ETHNIC_SURNAMES), n)),
            pl.Series(ETHNIC_GIVEN).gather(rng.integers(0, len(ETHNIC_GIVEN), n))], separator=" ")
        company = pl.concat_str([
            pl.Series(COMPANY_KINDS).gather(rng.integers(0, len(COMPANY_KINDS), n)),
            pl.Series(COMPANY_WORDS).gather(rng.integers(0, len(COMPANY_WORDS), n)),
            pl.Series(COMPANY_NAMES).gather(rng.integers(0, len(COMPANY_NAMES), n))], separator=" ")
        use_ethnic = (profile == "mountain") & (rng.random(n) < 0.55)
        use_company = np.isin(self.field, list(COMPANY_FIELDS)) & (rng.random(n) < 0.8)
        name = _where(use_company, company, _where(use_ethnic, ethnic, kinh))
        return {"applicant_name": name, **self._contacts(use_company, female)}

    def _contacts(self, company: np.ndarray, female: np.ndarray) -> dict[str, pl.Series]:
        rng, n = self.rng, self.n
        communes = np.flatnonzero(self.units["unit_level"].to_numpy() == "xa")
        home_idx = np.where(self.units["unit_level"].to_numpy()[self.recv] == "tinh", rng.choice(communes, n), self.recv)
        home_s = pl.Series(self.units["unit_name"].to_numpy()[home_idx])
        profile = self.units["profile"].to_numpy()[home_idx]
        number = pl.Series(rng.integers(1, 400, n)).cast(pl.String)
        lane = pl.Series(rng.integers(10, 300, n)).cast(pl.String)
        urban = np.char.startswith(profile.astype(str), "urban")
        streets = pl.Series(STREETS_DANANG).gather(rng.integers(0, len(STREETS_DANANG), n))
        streets_qn = pl.Series(STREETS_QUANGNAM).gather(rng.integers(0, len(STREETS_QUANGNAM), n))
        core = profile == "urban_core"
        street = _where(core, streets, streets_qn)
        kiet = rng.random(n) < 0.45
        house = _where(urban & kiet, pl.concat_str([pl.lit("K"), lane, pl.lit("/"), number, pl.lit(" ")]),
                       pl.concat_str([pl.lit("Số "), number, pl.lit(" ")]))
        village = _where(profile == "mountain",
                         pl.Series(HIGHLAND_VILLAGES).gather(rng.integers(0, len(HIGHLAND_VILLAGES), n)),
                         _where(rng.random(n) < 0.5, pl.Series(VILLAGES).gather(rng.integers(0, len(VILLAGES), n)),
                                pl.Series(rng.integers(1, 12, n)).cast(pl.String)))
        street_addr = pl.concat_str([house, street, pl.lit(", "), home_s, pl.lit(", TP Đà Nẵng")])
        village_addr = pl.concat_str([pl.lit("Thôn "), village, pl.lit(", "), home_s, pl.lit(", TP Đà Nẵng")])
        address = _where(urban | company, street_addr, village_addr)
        prefix = pl.Series(PHONE_PREFIXES).gather(rng.integers(0, len(PHONE_PREFIXES), n))
        phone = pl.concat_str([prefix, pl.Series(rng.integers(0, 10_000_000, n)).cast(pl.String).str.zfill(7)])
        phone = _where(rng.random(n) < 0.04, pl.Series([None] * n, dtype=pl.String), phone)
        birth = 2026 - rng.integers(18, 82, n)
        century = np.where(birth >= 2000, 2, 0) + female
        place = pl.Series(ID_PLACES).gather(rng.choice(len(ID_PLACES), n, p=_norm(ID_PLACE_WEIGHTS)))
        ident = pl.concat_str([place, pl.Series(century).cast(pl.String),
                               pl.Series(birth % 100).cast(pl.String).str.zfill(2),
                               pl.Series(rng.integers(0, 1_000_000, n)).cast(pl.String).str.zfill(6)])
        ident = _where(company, pl.Series([None] * n, dtype=pl.String), ident)
        return {"applicant_address": address, "applicant_phone": phone, "applicant_id_number": ident}

    def officers(self) -> pl.Series:
        names = self.units["officers"].to_list()
        width = 6
        weights = np.zeros((len(names), width))
        for i, group in enumerate(names):
            weights[i, :len(group)] = self.rng.dirichlet(np.full(len(group), 3.0))
        choice = self._choice_rows(np.cumsum(weights, axis=1), self.u)
        choice = np.minimum(choice, np.array([len(g) - 1 for g in names])[self.u])
        choice = np.where(self.burst, 0, choice)
        flat = [name for group in names for name in group]
        offsets = np.cumsum([0] + [len(g) for g in names[:-1]])
        return pl.Series(flat).gather(offsets[self.u] + choice)

    def notes(self) -> tuple[pl.Series, pl.Series]:
        """Ghi chú text and its kind; a snapshot shows a note only once its event happened."""
        rng, n = self.rng, self.n
        general = _where(self.channel == 2, pl.Series(NOTES_ONLINE).gather(rng.integers(0, len(NOTES_ONLINE), n)),
                         pl.Series(NOTES_DIRECT).gather(rng.integers(0, len(NOTES_DIRECT), n)))
        late = pl.Series(NOTES_LATE).gather(rng.integers(0, len(NOTES_LATE), n))
        sup = pl.Series(NOTES_SUPPLEMENT).gather(rng.integers(0, len(NOTES_SUPPLEMENT), n))
        draw = rng.random(n)
        ended = self.refused | self.withdrawn | self.unanswered | self.stopped
        sup_note = self.sup1 & (draw < 0.6)
        late_note = self.late & (draw < 0.45)
        general_note = draw < 0.07
        note = _where(sup_note, sup, _where(late_note, late, _where(general_note, general, pl.Series([None] * n, dtype=pl.String))))
        note = pl.select(pl.when(pl.Series(self.refused)).then(pl.lit("Từ chối tiếp nhận: hồ sơ không đúng thành phần"))
                         .when(pl.Series(self.withdrawn)).then(pl.lit("Công dân có đơn xin rút hồ sơ"))
                         .when(pl.Series(self.unanswered)).then(pl.lit("Quá thời hạn bổ sung, dừng xử lý"))
                         .when(pl.Series(self.stopped)).then(pl.lit("Dừng xử lý theo đề nghị của cơ quan liên thông"))
                         .otherwise(note)).to_series()
        kind = np.where(ended, "ended", np.where(sup_note, "supplement", np.where(late_note, "late", "general")))
        return note, pl.Series(kind)

    def _assignment(self) -> np.ndarray:
        """When the one-stop desk hands the dossier to an officer (status 2 until then)."""
        rng, g, n = self.rng, self.grid, self.n
        soon = self.recv_min + rng.integers(10, 180, n)
        next_morning = self._at(g.wd(g.wseq[self.d]), rng.integers(7 * 60 + 30, 9 * 60, n))
        later = (rng.random(n) < 0.3) & (self.days >= 3)
        return np.where(later, np.maximum(next_morning, soon), soon)

    # -- assembly
    def frame(self) -> pl.DataFrame:
        g = self.grid
        base_us = _epoch_us(g.day0)
        codes = self.units["unit_code"].to_numpy()
        procs = self.procs
        pause1, pause2 = self.pause1, self.pause2

        def at_pos(pos, minute):
            return self._at(g.wd(pos), minute)

        due = self._at(self.due_day, self.due_minute)
        notes = self.notes()
        columns = {
            "procedure_code": procs["procedure_code"].gather(self.p),
            "procedure_name": procs["procedure_name"].gather(self.p),
            "field_code": pl.Series(self.field),
            "field_name": procs["field_name"].gather(self.p),
            "receiving_unit": pl.Series(codes[self.recv]),
            "resolving_unit": pl.Series(codes[self.u]),
            **self.applicants(),
            "submitted_at": _dt(self.sub_min, base_us),
            "received_at": _dt(self.recv_min, base_us),
            "due_at": _dt(np.where(self.refused, NA, due), base_us),
            "due1_at": _dt(np.where(self.sup1 & (pause1 > 0), at_pos(self.due_pos + pause1, self.due_minute), NA), base_us),
            "due2_at": _dt(np.where(self.sup2, at_pos(self.due_pos + pause1 + pause2, self.due_minute), NA), base_us),
            "finished_at": _dt(np.where(self.refused, self.refuse_min, np.where(self.end_min != NA, self.end_min, self.fin_min)), base_us),
            "returned_at": _dt(self.ret_min, base_us),
            "end_status": pl.Series(np.where(self.refused, 3, self.end_status)).cast(pl.Int8),
            "sup1_req_at": _dt(np.where(self.sup1, at_pos(self.s1_pos, self._office_minutes(self.n)), NA), base_us),
            "sup1_done_at": _dt(np.where(self.sup1 & ~self.unanswered, at_pos(self.s1_done_pos, self._office_minutes(self.n)), NA), base_us),
            "sup2_req_at": _dt(np.where(self.sup2, at_pos(self.s2_pos, self._office_minutes(self.n)), NA), base_us),
            "sup2_done_at": _dt(np.where(self.sup2, at_pos(self.s2_done_pos, self._office_minutes(self.n)), NA), base_us),
            "pay_req_at": _dt(self.pay_min, base_us),
            "apology_issued_at": _dt(self.apology_min, base_us),
            "apology_due_at": _dt(self.apology_due_min, base_us),
            "channel": pl.Series(self.channel),
            "online_level": _where(self.channel == 2, pl.Series(self.level), pl.Series([None] * self.n, dtype=pl.String)),
            "officer_name": self.officers(),
            "note": notes[0],
            "note_kind": notes[1],
            "assigned_at": _dt(self._assignment(), base_us),
            "fee_amount": pl.Series(self.fee_paid),
            "paid_online": pl.Series(self.paid_online),
            "is_digitised": pl.Series(self.digitised),
            "e_result": pl.Series(self.e_result),
            "is_synced": pl.Series(self.synced),
            "rating_value": pl.Series(self.rating),
            "late_truth": pl.Series(self.late),
            "agency_code": self.units["agency_code"].gather(self.recv),
        }
        return _with_codes(pl.DataFrame(columns)).sort("received_at", "dossier_code")


def _epoch_us(day: date) -> int:
    return int((datetime.combine(day, datetime.min.time()) - datetime(1970, 1, 1)).total_seconds()) * 1_000_000


def _dt(minutes: np.ndarray, base_us: int) -> pl.Series:
    values = np.where(minutes == NA, 0, minutes * 60_000_000 + base_us)
    series = pl.Series(values).cast(pl.Datetime("us"))
    return pl.select(pl.when(pl.Series(minutes == NA)).then(None).otherwise(series)).to_series()


def _where(mask: np.ndarray, a: pl.Series | pl.Expr, b: pl.Series | pl.Expr) -> pl.Series:
    return pl.select(pl.when(pl.Series(mask)).then(a).otherwise(b)).to_series()


def _pick_by(rng, mask: np.ndarray, a: list[str], b: list[str]) -> pl.Series:
    n = len(mask)
    return _where(mask, pl.Series(a).gather(rng.integers(0, len(a), n)), pl.Series(b).gather(rng.integers(0, len(b), n)))


def _with_codes(frame: pl.DataFrame) -> pl.DataFrame:
    """Mã hồ sơ: agency code of the receiving unit, yyMMdd of lodging, daily sequence."""
    code_time = pl.when(pl.col("channel") == 2).then(pl.col("submitted_at")).otherwise(pl.col("received_at"))
    frame = frame.with_row_index("_i").with_columns(code_time.alias("_code_time"))
    frame = frame.sort("agency_code", "_code_time", "_i")
    seq = pl.int_range(1, pl.len() + 1).over("agency_code", pl.col("_code_time").dt.date())
    frame = frame.with_columns(
        pl.concat_str([pl.col("agency_code"), pl.lit("-"), pl.col("_code_time").dt.strftime("%y%m%d"),
                       pl.lit("-"), seq.cast(pl.String).str.zfill(4)]).alias("dossier_code"))
    return frame.drop("_code_time", "agency_code", "_i")


# ----------------------------------------------------------------------------- snapshots
STATE_COLUMNS = ["status", "due_at", "finished_at", "returned_at", "supplement_requested_at",
                 "supplemented_at", "supplement_count", "apology_issued_at", "has_e_result", "rating"]


def snapshot_exprs(as_of: pl.Expr) -> list[pl.Expr]:
    """Canonical columns as an export taken at `as_of` shows them (no future events)."""
    def seen(col: str) -> pl.Expr:
        return pl.col(col).is_not_null() & (pl.col(col) <= as_of)

    received = seen("received_at")
    finished = seen("finished_at") & (pl.col("end_status") == 0)
    returned = seen("returned_at")
    ended = seen("finished_at") & (pl.col("end_status") > 0)
    waiting = (seen("sup2_req_at") & ~seen("sup2_done_at")) | (seen("sup1_req_at") & ~seen("sup1_done_at") & ~seen("sup2_req_at"))
    status = (pl.when(~received).then(1)
              .when(pl.col("end_status") == 3).then(3)
              .when(ended).then(pl.col("end_status"))
              .when(returned).then(10)
              .when(finished).then(9)
              .when(waiting).then(5)
              .when(seen("pay_req_at")).then(6)
              .when(~seen("assigned_at")).then(2)
              .otherwise(4)).cast(pl.Int8)
    kind = pl.col("note_kind")
    note_seen = ((kind == "general") | ((kind == "ended") & seen("finished_at"))
                 | ((kind == "supplement") & seen("sup1_req_at"))
                 | ((kind == "late") & (pl.col("due_at") < as_of)))
    due = (pl.when(~received).then(None)
           .when(seen("sup2_done_at")).then(pl.col("due2_at"))
           .when(seen("sup1_done_at") & pl.col("due1_at").is_not_null()).then(pl.col("due1_at"))
           .otherwise(pl.col("due_at")))
    return [
        status.alias("status"),
        pl.when(received).then(pl.col("received_at")).alias("received_at"),
        due.alias("due_at"),
        pl.when(seen("finished_at")).then(pl.col("finished_at")).alias("finished_at"),
        pl.when(returned & finished).then(pl.col("returned_at")).alias("returned_at"),
        pl.when(seen("sup2_req_at")).then(pl.col("sup2_req_at"))
          .when(seen("sup1_req_at")).then(pl.col("sup1_req_at")).alias("supplement_requested_at"),
        pl.when(seen("sup2_done_at")).then(pl.col("sup2_done_at"))
          .when(seen("sup1_done_at")).then(pl.col("sup1_done_at")).alias("supplemented_at"),
        (seen("sup1_req_at").cast(pl.Int8) + seen("sup2_req_at").cast(pl.Int8)).alias("supplement_count"),
        pl.when(seen("apology_issued_at")).then(pl.col("apology_issued_at")).alias("apology_issued_at"),
        pl.when(seen("apology_issued_at")).then(pl.col("apology_due_at")).alias("apology_due_at"),
        pl.when(note_seen).then(pl.col("note")).alias("note"),
        pl.when(received).then(pl.col("officer_name")).alias("officer_name"),
        (pl.col("e_result") & finished).alias("has_e_result"),
        pl.when(returned & finished & (pl.col("rating_value") > 0)).then(pl.col("rating_value")).cast(pl.Int8).alias("rating"),
    ]


CANONICAL = ["dossier_code", "procedure_code", "procedure_name", "field_name", "receiving_unit",
             "resolving_unit", "applicant_name", "applicant_address", "applicant_phone",
             "applicant_id_number", "submitted_at", "received_at", "due_at", "finished_at",
             "returned_at", "status", "channel", "online_level", "officer_name", "note",
             "supplement_requested_at", "supplemented_at", "supplement_count", "apology_issued_at",
             "apology_due_at", "fee_amount", "paid_online", "is_digitised", "has_e_result",
             "is_synced", "rating"]


def snapshot(truth: pl.DataFrame, as_of: datetime | pl.Expr) -> pl.DataFrame:
    """Canonical export rows as of `as_of` (a datetime, or an expression per row)."""
    as_of = pl.lit(as_of) if isinstance(as_of, datetime) else as_of
    visible = truth.filter(pl.col("submitted_at") <= as_of)
    return visible.with_columns(snapshot_exprs(as_of)).select(CANONICAL)


# ----------------------------------------------------------------------------- surveys
QUESTION_OFFSETS = {"TC1": -.2, "TC2": -.1, "TT1": .1, "TT2": .05, "CC1": 0., "CC2": 0.,
                    "KQ1": .12, "KQ2": 0., "PH1": -.1, "PH2": -.3}
PRAISE = ["Cán bộ một cửa nhiệt tình, hướng dẫn chu đáo.", "Giải quyết nhanh, đúng hẹn, rất hài lòng.",
          "Nộp hồ sơ trực tuyến thuận tiện, không phải đi lại nhiều.", "Thái độ phục vụ tốt, cảm ơn cán bộ.",
          "Nhận kết quả sớm hơn ngày hẹn.", "Bộ phận một cửa sạch sẽ, có nước uống, chỗ ngồi thoáng mát."]
COMPLAINTS = {
    "thai_do": ["Cán bộ trả lời cộc lốc, thiếu nhiệt tình.", "Thái độ tiếp dân chưa niềm nở, cần chấn chỉnh."],
    "thoi_gian": ["Phải chờ lâu mới đến lượt, máy bốc số hay hỏng.", "Trả kết quả trễ hẹn, không được báo trước.",
                  "Hồ sơ trễ hẹn nhưng không nhận được phiếu xin lỗi."],
    "phi": ["Chưa rõ các khoản phí, lệ phí phải nộp.", "Đề nghị cho thanh toán phí bằng mã QR tại quầy."],
    "huong_dan": ["Hướng dẫn bổ sung hồ sơ nhiều lần, mỗi lần một ý.", "Thành phần hồ sơ niêm yết chưa rõ ràng.",
                  "Hướng dẫn nộp trực tuyến khó hiểu với người lớn tuổi."],
    "co_so": ["Thiếu chỗ ngồi chờ vào buổi sáng thứ Hai.", "Chỗ để xe chật, trời nắng không có mái che."],
}
SUGGESTIONS = ["Đề nghị bố trí thêm cán bộ vào đầu tuần.", "Nên nhắn tin báo khi có kết quả.",
               "Đề nghị mở cửa thêm sáng thứ Bảy."]


def simulate_surveys(sim: Simulation, period: tuple[date, date], as_of: datetime, n: int,
                     rng: np.random.Generator, questions: list[dict[str, str]]) -> pl.DataFrame:
    """Survey respondents (SIPAS) for one period: unit, date, optional dossier, 10 answers, comment."""
    lo, hi = period
    done = sim.truth.filter(
        (pl.col("returned_at") >= datetime.combine(lo, datetime.min.time()))
        & (pl.col("returned_at") <= min(as_of, datetime.combine(hi, datetime.max.time())))
        & (pl.col("end_status") == 0))
    if done.height == 0 or n <= 0:
        return pl.DataFrame()
    pick = np.sort(rng.choice(done.height, size=min(n, done.height), replace=False))
    rows = done[pick]
    k = rows.height
    units = sim.units.select("unit_code", "late_kind").to_dict(as_series=False)
    kind_of = dict(zip(units["unit_code"], units["late_kind"]))
    kind = np.array([kind_of[u] for u in rows["resolving_unit"].to_list()])
    t = np.clip((np.array([(d - sim.start).days for d in rows["returned_at"].dt.date().to_list()])) /
                max((sim.today - sim.start).days, 1), 0, 1)
    mu = np.where(kind == "chronic", 3.75, np.where(kind == "improving", 3.7 + 0.7 * t, 4.4))
    late = rows["late_truth"].to_numpy()
    person = mu - 0.75 * late + rng.normal(0, 0.45, k)
    answers = {}
    for q in questions:
        code = q["question_code"]
        extra = -0.6 * late if code == "KQ2" else 0.0
        score = np.clip(np.rint(person + QUESTION_OFFSETS.get(code, 0.) + extra + rng.normal(0, 0.5, k)), 1, 5)
        blank = rng.random(k) < (0.08 if code.startswith("PH") else 0.02)
        answers[q["question"]] = np.where(blank, np.nan, score)
    mean = np.nanmean(np.column_stack(list(answers.values())), axis=1)
    answers = {q: _where(np.isnan(a), pl.lit(None, dtype=pl.Int8), pl.Series(np.nan_to_num(a).astype(np.int8)))
               for q, a in answers.items()}
    comment = _survey_comments(rng, mean, late)
    date_days = rows["returned_at"].dt.date().to_list()
    lag = rng.integers(0, 8, k)
    response = [min(d + timedelta(days=int(x)), hi, as_of.date()) for d, x in zip(date_days, lag)]
    linked = rng.random(k) < 0.65
    return pl.DataFrame({
        "unit": rows["resolving_unit"],
        "response_date": pl.Series(response, dtype=pl.Date),
        "dossier_code": _where(linked, rows["dossier_code"], pl.Series([None] * k, dtype=pl.String)),
        "field_name": rows["field_name"],
        **answers,
        "comment": comment,
    }).sort("response_date", "unit")


def _survey_comments(rng, mean: np.ndarray, late: np.ndarray) -> pl.Series:
    k = len(mean)
    has = rng.random(k) < 0.15
    topics = sorted(COMPLAINTS)
    out: list[str | None] = []
    for i in range(k):
        if not has[i]:
            out.append(None)
        elif mean[i] >= 4.2 and not late[i]:
            out.append(PRAISE[rng.integers(len(PRAISE))])
        elif mean[i] >= 3.6 and not late[i]:
            out.append(SUGGESTIONS[rng.integers(len(SUGGESTIONS))])
        else:
            topic = "thoi_gian" if late[i] and rng.random() < 0.6 else topics[rng.integers(len(topics))]
            out.append(COMPLAINTS[topic][rng.integers(len(COMPLAINTS[topic]))])
    return pl.Series(out, dtype=pl.String)


# ----------------------------------------------------------------------------- portal ratings
RATING_COMMENTS_UNHAPPY = ["Chờ lâu, không được báo trước khi trễ hẹn.", "Cán bộ thái độ cộc lốc.",
                           "Phải bổ sung hồ sơ nhiều lần.", "Hệ thống dịch vụ công hay lỗi, mất mạng.",
                           "Phí, lệ phí chưa được niêm yết rõ."]
RATING_COMMENTS_HAPPY = ["Giải quyết nhanh, đúng hẹn.", "Cán bộ hướng dẫn tận tình.",
                         "Nộp trực tuyến thuận tiện, thanh toán qua mạng nhanh."]


def simulate_ratings(sim: Simulation, period: tuple[date, date], as_of: datetime, n: int,
                     rng: np.random.Generator, criteria: list[str], unknown: int) -> pl.DataFrame:
    """Portal ratings of returned dossiers in `period` (the level each dossier's citizen gave),
    a few naming dossier codes no export has, and optionally the nine criteria scored 2/1/0."""
    lo, hi = period
    done = sim.truth.filter(
        (pl.col("returned_at") >= datetime.combine(lo, datetime.min.time()))
        & (pl.col("returned_at") <= min(as_of, datetime.combine(hi, datetime.max.time())))
        & (pl.col("end_status") == 0) & (pl.col("rating_value") > 0))
    if done.height == 0 or n <= 0:
        return pl.DataFrame()
    rows = done[np.sort(rng.choice(done.height, size=min(n, done.height), replace=False))]
    k = rows.height
    level = rows["rating_value"].to_numpy()
    late = rows["late_truth"].to_numpy()
    lag = rng.integers(0, 4 * 24 * 60, k)
    rated = [min(r + timedelta(minutes=int(m)), as_of) for r, m in zip(rows["returned_at"].to_list(), lag)]
    says = rng.random(k) < np.where(level == 1, 0.7, 0.1)
    comment = [None if not s else (RATING_COMMENTS_UNHAPPY if lv == 1 else RATING_COMMENTS_HAPPY)[
        rng.integers(len(RATING_COMMENTS_UNHAPPY if lv == 1 else RATING_COMMENTS_HAPPY))]
        for s, lv in zip(says, level)]
    out = pl.DataFrame({"dossier_code": rows["dossier_code"], "unit": rows["resolving_unit"],
                        "rated_at": pl.Series(rated, dtype=pl.Datetime("us")),
                        "rating": pl.Series(level, dtype=pl.Int8), "comment": pl.Series(comment, dtype=pl.String)})
    if unknown:
        # Codes the portal knows but no one-stop export has (a unit that never exported them).
        pick = rng.choice(k, size=min(unknown, k), replace=False)
        ghost = out[np.sort(pick)].with_columns(
            pl.col("dossier_code").str.replace(r"-\d(\d{3})$", "-9${1}").alias("dossier_code"),
            pl.lit(1, pl.Int8).alias("rating"), pl.lit("Hồ sơ trễ hẹn, gọi điện không ai nghe.").alias("comment"))
        out = pl.concat([out, ghost])
        late = np.concatenate([late, np.ones(ghost.height, dtype=late.dtype)])
    if criteria:
        levels = out["rating"].to_numpy()
        base = np.where(levels == 3, 1.9, np.where(levels == 2, 1.4, 0.5))
        for i, header in enumerate(criteria):
            raw = base - (0.9 * late if i == 0 else 0.0) + rng.normal(0, 0.45, out.height)
            score = np.clip(np.rint(raw), 0, 2).astype(np.int8)
            blank = rng.random(out.height) < 0.03
            out = out.with_columns(_where(blank, pl.lit(None, dtype=pl.Int8), pl.Series(score)).alias(header))
    cols = [c for c in out.columns if c != "comment"] + ["comment"]
    return out.select(cols).sort("rated_at", "dossier_code")
