"""Core layer: yearly targets (online share, on-time rate, satisfaction) read from targets.csv; never touches a database.

The bundled `core/defaults/targets.csv` holds example values; an installation's own `targets.csv`
(in its `config/` folder) replaces a bundled row with the same year and metric and adds new ones
(core.installation, CONFIG_FILES). A target may be written 0.9, 0,9, 90 or 90%. Satisfaction
falls back to settings.toml [satisfaction] target for a year without a row, since the satisfaction
page has always drawn that line; the other metrics have no target for such a year ("chưa đặt").
"""
from __future__ import annotations

from dataclasses import dataclass

from core.installation import ConfigError, cached, installation_file, read_rows
from core.settings import settings

FILE = "targets.csv"
# metric code → how documents and charts name it
METRICS = {
    "online_share": "Tỷ lệ hồ sơ nộp trực tuyến",
    "on_time_rate": "Tỷ lệ giải quyết trước hạn và đúng hạn",
    "satisfaction": "Mức độ hài lòng",
}
SETTINGS_SOURCE = "settings.toml [satisfaction] target"


@dataclass(frozen=True)
class Target:
    metric: str
    year: int
    value: float  # a share, 0–1
    source: str  # "targets.csv" or SETTINGS_SOURCE
    note: str = ""

    @property
    def label(self) -> str:
        return METRICS[self.metric]


def target(metric: str, year: int) -> Target | None:
    """The target of `metric` for `year`; None when none is set (satisfaction: the settings' target)."""
    if metric not in METRICS:
        raise KeyError(f"unknown target metric {metric!r}; known: {', '.join(METRICS)}")
    found = _table().get((year, metric))
    if found is not None:
        return found
    if metric == "satisfaction":
        return Target(metric, year, settings().satisfaction.target, SETTINGS_SOURCE)
    return None


def targets_for(year: int) -> dict[str, Target | None]:
    """Every metric's target for `year`, in METRICS order."""
    return {metric: target(metric, year) for metric in METRICS}


@cached
def _table() -> dict[tuple[int, str], Target]:
    # The rows are the bundled file's with the installation's laid over them: an error names the row by
    # its values (which file it is in is plain from them), not by a line number of the merged list.
    out = {}
    for row in read_rows(FILE):
        where = f"Tệp {FILE} ({_where()}), dòng «{row['year']}, {row['metric']}, {row['target']}»"
        year, metric = _year(row["year"], where), row["metric"].strip()
        if metric not in METRICS:
            raise ConfigError(f"{where}, cột «Chỉ tiêu»: «{metric}» không phải chỉ tiêu đã biết; "
                              f"ghi một trong: {', '.join(METRICS)}.")
        out[(year, metric)] = Target(metric, year, parse_share(row["target"], where), FILE, row.get("note", ""))
    return out


def _where() -> str:
    own = installation_file(FILE)
    return f"thư mục thiết lập {own.parent}" if own else "bản mặc định core/defaults"


def _year(text: str, where: str) -> int:
    try:
        year = int(text.strip())
    except ValueError:
        year = 0
    if not 2000 <= year <= 2100:
        raise ConfigError(f"{where}, cột «Năm»: «{text}» không phải năm (ví dụ 2026).")
    return year


def parse_share(text: str, where: str = f"Tệp {FILE}") -> float:
    """'90%', '90', '0,9', '0.9' → 0.9; anything else (or outside 0–100%) is a ConfigError naming the row."""
    raw = (text or "").strip().replace(",", ".")
    percent = raw.endswith("%")
    try:
        value = float(raw.rstrip("%").strip())
    except ValueError:
        value = -1.0
    if percent or value > 1:
        value /= 100
    if not 0 <= value <= 1:
        raise ConfigError(f"{where}, cột «Mục tiêu»: «{text}» không phải tỷ lệ; ghi ví dụ 90% hoặc 0,9.")
    return value
