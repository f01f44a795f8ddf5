"""UI glue, no Streamlit: the briefing document for the page's download buttons and for
`python -m etl report briefing` — the query layer's figures, the page's read-out paragraph
(ui/narrative.py, pure text) and the report layer's .docx/.pdf writer, joined in one place so
that the command line and the page give the same document."""
from __future__ import annotations

from datetime import datetime

import duckdb

from queries.briefing_figures import BriefingFigures, briefing_figures
from queries.filters import Filters
from queries.periods import Period
from reports.briefing_doc import document_bytes
from ui.narrative import briefing_paragraph


def narrative(fig: BriefingFigures) -> str:
    """The paragraph the briefing page shows, for the same figures."""
    online = fig.targets.get("online_share")
    return briefing_paragraph(fig.period, fig.where, fig.now, fig.before, fig.year_ago, fig.field_moves,
                              online.value if online else None)


def make_document(con: duckdb.DuckDBPyConnection, filters: Filters, period: Period, suffix: str,
                  made_at: datetime | None = None) -> bytes:
    """The briefing (or, for a quarter or year, the periodic report) as '.docx' or '.pdf' bytes."""
    fig = briefing_figures(con, filters, period)
    return document_bytes(fig, narrative(fig), suffix, made_at)
