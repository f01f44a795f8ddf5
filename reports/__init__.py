"""Report layer: writes finished query results to files (xlsx, csv); never queries the database, never imports Streamlit."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# A spreadsheet runs a cell starting with one of these as a formula (CSV/formula injection, OWASP);
# tab and carriage return are on OWASP's list too, since some programs strip them first.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value) -> str:
    """Text for a spreadsheet cell that is never run as a formula: a leading apostrophe is added
    to a value starting with =, +, - or @. Write the result with `write_string`, never `write`."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(rows: Iterable[Sequence]) -> bytes:
    """CSV in UTF-8 with BOM (so Excel opens Vietnamese correctly), CRLF line ends. Numbers are
    written as numbers, None as an empty cell, every other value through `safe_text`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v if isinstance(v, (int, float)) and not isinstance(v, bool)
                         else safe_text(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")
