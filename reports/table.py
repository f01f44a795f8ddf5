"""Report layer: a plain titled table as an .xlsx sheet; never queries the database, never imports Streamlit."""
from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime

import xlsxwriter

from reports import safe_text


def table_xlsx(sheet: str, title: str, headers: Sequence[str], rows: Sequence[Sequence],
               widths: Sequence[int]) -> bytes:
    """One sheet: `title` in A1, the header row on row 3 (frozen, filterable), then `rows`. None is a blank cell,
    a bool 'Có'/'Không', a number a number, a date or datetime a dated cell, anything else text via `safe_text`."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet(sheet)
    bold = book.add_format({"bold": True, "font_size": 13})
    head = book.add_format({"bold": True, "bg_color": "#EEF3FA", "border": 1, "text_wrap": True, "valign": "top"})
    text = book.add_format({"border": 1, "valign": "top", "text_wrap": True})
    number = book.add_format({"border": 1, "valign": "top", "num_format": "#,##0"})
    day = book.add_format({"border": 1, "valign": "top", "num_format": "dd/mm/yyyy"})
    moment = book.add_format({"border": 1, "valign": "top", "num_format": "dd/mm/yyyy hh:mm"})
    ws.write_string(0, 0, safe_text(title), bold)
    for j, (header, width) in enumerate(zip(headers, widths)):
        ws.write_string(2, j, safe_text(header), head)
        ws.set_column(j, j, width)
    for i, row in enumerate(rows, start=3):
        for j, value in enumerate(row):
            if value is None:
                ws.write_blank(i, j, None, text)
            elif isinstance(value, bool):
                ws.write_string(i, j, "Có" if value else "Không", text)
            elif isinstance(value, (int, float)):
                ws.write_number(i, j, value, number)
            elif isinstance(value, datetime):
                ws.write_datetime(i, j, value, moment)
            elif isinstance(value, date):
                ws.write_datetime(i, j, datetime.combine(value, datetime.min.time()), day)
            else:
                ws.write_string(i, j, safe_text(value), text)
    ws.freeze_panes(3, 0)
    if rows:
        ws.autofilter(2, 0, 2 + len(rows), len(headers) - 1)
    book.close()
    return buffer.getvalue()
