"""Core layer: the Vietnamese name of a canonical column, as clerks know it from their exports
(the first alias in header_aliases.csv); used in ETL messages and in the rejects report."""
from __future__ import annotations

from core.installation import cached, read_rows


@cached
def column_label(kind: str, canonical: str) -> str:
    """The first alias of a canonical column: the Vietnamese name shown in messages."""
    for row in read_rows("header_aliases.csv"):
        if row["kind"] == kind and row["canonical"] == canonical:
            return row["alias"]
    return canonical
