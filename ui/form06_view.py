"""UI: Biểu số 06 as an HTML table with the paper form's two-level header (escaped text only)."""
from __future__ import annotations

from html import escape

from core import format as fmt
from queries.form06 import FORM_COLUMNS, Form06

_GROUPS = (("Số hồ sơ nhận giải quyết", ("Tổng số", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "Từ kỳ trước")),
           ("Số hồ sơ đã giải quyết", ("Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn")),
           ("Số hồ sơ đang giải quyết", ("Tổng số", "Trong hạn", "Quá hạn")))
_STYLE = """
<style>
table.f06 {border-collapse: collapse; width: 100%; font-size: 0.85rem;}
table.f06 th, table.f06 td {border: 1px solid #c9ced6; padding: 4px 6px;}
table.f06 th {background: #f1f4f8; text-align: center; font-weight: 600;}
table.f06 td.n {text-align: right; font-variant-numeric: tabular-nums;}
table.f06 tr.sub td {font-weight: 600; background: #fafbfc;}
table.f06 tr.total td {font-weight: 700; background: #eef3fa;}
table.f06 tr.bad td {background: #fdecea;}
</style>
"""


def form06_html(report: Form06) -> str:
    head1 = '<th rowspan="2">STT</th><th rowspan="2">Lĩnh vực giải quyết</th>' + "".join(
        f'<th colspan="{len(cols)}">{escape(group)}</th>' for group, cols in _GROUPS)
    head2 = "".join(f"<th>{escape(c)}</th>" for _, cols in _GROUPS for c in cols)
    body = "".join(_row(r) for r in report.rows.iter_rows(named=True))
    return f'{_STYLE}<table class="f06"><thead><tr>{head1}</tr><tr>{head2}</tr></thead><tbody>{body}</tbody></table>'


def _row(r: dict) -> str:
    kind = {"subtotal": "sub", "total": "total"}.get(r["row_kind"], "")
    css = " ".join(c for c in (kind, "" if r["balance_ok"] else "bad") if c)
    name = r["field_name"] if r["row_kind"] == "field" else (r["field_name"] or "Tổng cộng")
    cells = "".join(f'<td class="n">{fmt.number(r[c])}</td>' for c in FORM_COLUMNS)
    return f'<tr class="{css}"><td>{escape(r["stt"] or "")}</td><td>{escape(name or "")}</td>{cells}</tr>'


def unbalanced_names(report: Form06) -> list[str]:
    bad = report.unbalanced
    return [str(n) for n in bad["field_name"].fill_null("Tổng cộng").to_list()] if bad.height else []
