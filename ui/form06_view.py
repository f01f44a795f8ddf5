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
table.f06 th.no {font-weight: 400; font-style: italic; font-size: 0.75rem;}
table.f06 th.extra, table.f06 td.extra {border-left: 3px double #9aa3ae; background: #f7f7f4;}
</style>
"""


WITHDRAWN = "Rút, dừng xử lý, không tiếp nhận"
_NUMBERS = ("(1)", "(2)", "(3)=(4)+(5)+(6)", "(4)", "(5)", "(6)", "(7)=(8)+(9)+(10)", "(8)", "(9)", "(10)",
            "(11)=(12)+(13)", "(12)", "(13)", "(14)")


def form06_html(report: Form06) -> str:
    """The form with its column numbers, and beside the 11 official columns the dossiers withdrawn,
    stopped or refused in the period (14): the balance (3) = (7) + (11) + (14) adds up on screen."""
    head1 = '<th rowspan="2">STT</th><th rowspan="2">Lĩnh vực giải quyết</th>' + "".join(
        f'<th colspan="{len(cols)}">{escape(group)}</th>' for group, cols in _GROUPS) + (
        f'<th rowspan="2" class="extra" title="Ngoài các cột của biểu: để thấy số liệu cân đối">'
        f'{escape(WITHDRAWN)}</th>')
    head2 = "".join(f"<th>{escape(c)}</th>" for _, cols in _GROUPS for c in cols)
    head3 = "".join(f'<th class="no">{escape(n)}</th>' for n in _NUMBERS)
    body = "".join(_row(r) for r in report.rows.iter_rows(named=True))
    return (f'{_STYLE}<table class="f06"><thead><tr>{head1}</tr><tr>{head2}</tr><tr>{head3}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _row(r: dict) -> str:
    kind = {"subtotal": "sub", "total": "total"}.get(r["row_kind"], "")
    css = " ".join(c for c in (kind, "" if r["balance_ok"] else "bad") if c)
    name = r["field_name"] if r["row_kind"] == "field" else (r["field_name"] or "Tổng cộng")
    cells = "".join(f'<td class="n">{fmt.number(r[c])}</td>' for c in FORM_COLUMNS)
    cells += f'<td class="n extra">{fmt.number(r["withdrawn_stopped_refused"])}</td>'
    return f'<tr class="{css}"><td>{escape(r["stt"] or "")}</td><td>{escape(name or "")}</td>{cells}</tr>'


def unbalanced_names(report: Form06) -> list[str]:
    bad = report.unbalanced
    return [str(n) for n in bad["field_name"].fill_null("Tổng cộng").to_list()] if bad.height else []
