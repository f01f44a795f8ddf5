"""Report layer: plain titled tables as .xlsx sheets; never queries the database, never imports Streamlit."""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import xlsxwriter

from reports import safe_text


@dataclass(frozen=True)
class Table:
    """One sheet: `title` in A1, `note` (if any) in A2, the header row on row 3 (frozen, filterable),
    then `rows`. `percent_columns`: indexes of columns holding shares (0–1), written as numbers with a
    percent format (87,5%); `decimal_columns`: indexes of columns written with 2 decimals."""

    sheet: str
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence]
    widths: Sequence[int]
    note: str = ""
    percent_columns: frozenset[int] = field(default_factory=frozenset)
    decimal_columns: frozenset[int] = field(default_factory=frozenset)


def table_xlsx(sheet: str, title: str, headers: Sequence[str], rows: Sequence[Sequence],
               widths: Sequence[int]) -> bytes:
    """One sheet: `title` in A1, the header row on row 3 (frozen, filterable), then `rows`. None is a blank cell,
    a bool 'Có'/'Không', a number a number, a date or datetime a dated cell, anything else text via `safe_text`."""
    return tables_xlsx([Table(sheet, title, headers, rows, widths)])


def tables_xlsx(tables: Sequence[Table]) -> bytes:
    """A workbook with one sheet per table, each written as `table_xlsx` writes its one."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    styles = {
        "bold": book.add_format({"bold": True, "font_size": 13}),
        "note": book.add_format({"italic": True, "font_color": "#555555"}),
        "head": book.add_format({"bold": True, "bg_color": "#EEF3FA", "border": 1, "text_wrap": True,
                                 "valign": "top"}),
        "text": book.add_format({"border": 1, "valign": "top", "text_wrap": True}),
        "number": book.add_format({"border": 1, "valign": "top", "num_format": "#,##0"}),
        "decimal": book.add_format({"border": 1, "valign": "top", "num_format": "#,##0.00"}),
        "percent": book.add_format({"border": 1, "valign": "top", "num_format": "0.0%"}),
        "day": book.add_format({"border": 1, "valign": "top", "num_format": "dd/mm/yyyy"}),
        "moment": book.add_format({"border": 1, "valign": "top", "num_format": "dd/mm/yyyy hh:mm"}),
    }
    for table in tables:
        _write(book.add_worksheet(table.sheet[:31]), table, styles)  # sheet names are the code's, not data
    book.close()
    return buffer.getvalue()


def _write(ws, table: Table, styles: dict) -> None:
    ws.write_string(0, 0, safe_text(table.title), styles["bold"])
    if table.note:
        ws.write_string(1, 0, safe_text(table.note), styles["note"])
    for j, (header, width) in enumerate(zip(table.headers, table.widths)):
        ws.write_string(2, j, safe_text(header), styles["head"])
        ws.set_column(j, j, width)
    for i, row in enumerate(table.rows, start=3):
        for j, value in enumerate(row):
            if value is None:
                ws.write_blank(i, j, None, styles["text"])
            elif isinstance(value, bool):
                ws.write_string(i, j, "Có" if value else "Không", styles["text"])
            elif isinstance(value, (int, float)):
                style = ("percent" if j in table.percent_columns else
                         "decimal" if j in table.decimal_columns else "number")
                ws.write_number(i, j, value, styles[style])
            elif isinstance(value, datetime):
                ws.write_datetime(i, j, value, styles["moment"])
            elif isinstance(value, date):
                ws.write_datetime(i, j, datetime.combine(value, datetime.min.time()), styles["day"])
            else:
                ws.write_string(i, j, safe_text(value), styles["text"])
    ws.freeze_panes(3, 0)
    if table.rows:
        ws.autofilter(2, 0, 2 + len(table.rows), len(table.headers) - 1)
