"""Report layer: the briefing document's charts as PNG images (matplotlib, offline); never queries the database.

Matplotlib rather than Plotly + Kaleido: Kaleido drives a headless Chrome for every export, which
here would mean Debian's Chromium at run time on the server; matplotlib is a pure PyPI wheel that
renders offline in a few tens of milliseconds, and its bundled DejaVu Sans has every Vietnamese glyph.
"""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from core import format as fmt  # noqa: E402

# The app's palette (ui/charts.py COLORS), repeated here: reports/ may not import ui/.
COLORS = {"received": "#1f6fb2", "resolved": "#2e9d5b", "late": "#c8372d", "muted": "#8a8f98",
          "target": "#e39b16"}
DPI = 200
FONT = "DejaVu Sans"  # shipped inside matplotlib: full Vietnamese coverage on any machine


def _figure(width_cm: float, height_cm: float):
    plt.rcParams.update({"font.family": FONT, "font.size": 8, "axes.spines.top": False,
                         "axes.spines.right": False})
    return plt.subplots(figsize=(width_cm / 2.54, height_cm / 2.54), dpi=DPI)


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def trend_png(labels: list[str], received: list[int], resolved: list[int], on_time: list[float | None],
              on_time_target: float | None, title: str) -> bytes:
    """Received and resolved bars per period, the on-time rate as a line (right axis, %), and the
    year's on-time target as a dashed line when one is set."""
    fig, ax = _figure(16, 7.5)
    x = list(range(len(labels)))
    width = 0.38
    ax.bar([i - width / 2 for i in x], received, width, label="Tiếp nhận", color=COLORS["received"])
    ax.bar([i + width / 2 for i in x], resolved, width, label="Đã giải quyết", color=COLORS["resolved"])
    ax.set_xticks(x, labels, rotation=0, fontsize=7)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v)))
    ax.set_ylabel("Hồ sơ")
    rate = ax.twinx()
    rate.spines["top"].set_visible(False)
    points = [(i, r * 100) for i, r in zip(x, on_time) if r is not None]
    if points:
        rate.plot([p[0] for p in points], [p[1] for p in points], color=COLORS["late"], marker="o", markersize=3,
                  linewidth=1.5, label="Tỷ lệ đúng hạn")
    if on_time_target is not None:
        rate.axhline(on_time_target * 100, color=COLORS["target"], linestyle="--", linewidth=1,
                     label=f"Mục tiêu đúng hạn {fmt.percent(on_time_target)}")
    rate.set_ylim(0, 105)
    rate.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v) + "%"))
    handles = ax.get_legend_handles_labels()[0] + rate.get_legend_handles_labels()[0]
    names = ax.get_legend_handles_labels()[1] + rate.get_legend_handles_labels()[1]
    ax.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, frameon=False)
    ax.set_title(title, loc="left", fontsize=9, fontweight="bold")
    return _png(fig)


def targets_png(rows: list[tuple[str, float | None, float | None]], title: str) -> bytes:
    """One horizontal bar per rate (label, value, target), the target as a tick across its bar;
    a rate without data is written 'không có dữ liệu', never drawn as zero."""
    fig, ax = _figure(16, 1.3 + 1.1 * len(rows))
    y = list(range(len(rows)))[::-1]
    for pos, (label, value, target) in zip(y, rows):
        if value is None:
            ax.text(1, pos, "không có dữ liệu", va="center", color=COLORS["muted"])
        else:
            reached = target is None or value >= target
            ax.barh(pos, value * 100, height=0.5, color=COLORS["resolved"] if reached else COLORS["late"])
            ax.text(value * 100 + 1, pos, fmt.percent(value), va="center")
        if target is not None:
            ax.plot([target * 100] * 2, [pos - 0.35, pos + 0.35], color=COLORS["target"], linewidth=2)
            ax.text(target * 100, pos + 0.4, f"mục tiêu {fmt.percent(target)}", ha="center", fontsize=6.5,
                    color=COLORS["target"])
    ax.set_yticks(y, [r[0] for r in rows])
    ax.set_xlim(0, 110)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v) + "%"))
    ax.set_title(title, loc="left", fontsize=9, fontweight="bold")
    return _png(fig)
